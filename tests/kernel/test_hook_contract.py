"""The hook contract: every hook documented, called by the kernel's own paths, in pluggy's order."""

import inspect
import json
import re
from pathlib import Path

import pytest

from kernel import hookimpl, hookspecs
from kernel.cli import parser
from kernel.http.app import create_app
from kernel.store.lifecycle import Lifecycle

HOOKS = sorted(n for n, f in inspect.getmembers(hookspecs, inspect.isfunction)
               if n.startswith("onetrip_"))
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "land_site_tolerance.json"


def _recorder(label: str, log: list, **opts):
    """A plugin implementing every hook with ``opts`` (tryfirst, trylast), logging each call."""
    def impl(hook):
        def call(self):
            log.append((label, hook))
        call.__name__ = hook
        return hookimpl(**opts)(call)

    return type(label, (), {h: impl(h) for h in HOOKS})()


def _wrapper(log: list):
    """A plugin wrapping every hook (``wrapper=True``)."""
    def impl(hook):
        def call(self):
            log.append(("wrapper>", hook))
            result = yield
            log.append(("<wrapper", hook))
            return result
        call.__name__ = hook
        return hookimpl(wrapper=True)(call)

    return type("Wrapper", (), {h: impl(h) for h in HOOKS})()


@pytest.fixture
def log():
    return []


@pytest.fixture
def exercised(log, tmp_path):
    """Run every kernel path that calls hooks, with tryfirst, plain, trylast and wrapper plugins."""
    from kernel.store import start_kernel

    plugins = [("last", _recorder("last", log, trylast=True)), ("plain", _recorder("plain", log)),
               ("first", _recorder("first", log, tryfirst=True)), ("wrapper", _wrapper(log))]
    kernel = start_kernel(extra_plugins=plugins, disabled=set(),
                          db_url=f"sqlite:///{tmp_path / 'contract.db'}")
    try:
        app = json.loads(EXAMPLE.read_text(encoding="utf-8"))
        kernel.evaluate(app)                                   # enrich_facts
        Lifecycle(kernel).submit(app)                          # decision_made, case_event
        Lifecycle(kernel).sweep()                              # sweep
        create_app(kernel, sweep=False)                        # web_routes
        parser(kernel.pm)                                      # cli
        kernel.own_rulebooks()                                 # rulebooks (lint, schema)
        kernel.pm.hook.onetrip_load_records(kind="none", data={})  # firstresult: none takes it
    finally:
        kernel.close()
    return log


def _calls(log: list, hook: str) -> list[str]:
    return [who for who, h in log if h == hook]


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_documented(hook):
    doc = inspect.getdoc(getattr(hookspecs, hook)) or ""
    assert "versionadded" in doc and len(doc.split()) > 15, f"{hook}: document it"
    params = inspect.signature(getattr(hookspecs, hook)).parameters
    for name in params:
        assert re.search(rf":param {name}:|``{name}``|\b{name}\b", doc), f"{hook}: {name}?"


@pytest.mark.parametrize("hook", HOOKS)
def test_kernel_calls_hook_in_pluggy_order_inside_wrappers(exercised, hook):
    calls = _calls(exercised, hook)
    assert calls, f"no kernel path called {hook}: add it to the `exercised` fixture"
    plain = [c for c in calls if c not in ("wrapper>", "<wrapper")]
    assert plain[:3] == ["first", "plain", "last"]
    # every implementation runs inside the wrapper
    depth = 0
    for who in calls:
        depth += {"wrapper>": 1, "<wrapper": -1}.get(who, 0)
        assert who in ("wrapper>", "<wrapper") or depth == 1, calls
    assert depth == 0
