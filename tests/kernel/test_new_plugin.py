"""``onetrip new-plugin``: the package installs with ``pip install -e`` and passes its own tests
(YAML cases, the kit's fixtures, the conformance check); the check finds broken plugins."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from kernel import Item, hookimpl
from kernel.cli import main
from kernel.routes import Route
from kernel.testing import conformance

ENV = {k: v for k, v in os.environ.items()
       if k not in ("PYTHONPATH", "ONETRIP_DISABLE_PLUGINS", "ONETRIP_DATABASE_URL")}


def run(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=cwd, env=ENV, capture_output=True, text=True, timeout=300)


@pytest.fixture
def venv(tmp_path) -> Path:
    """A throw-away environment layered on this one (onetrip, pytest and pip come from here),
    so installing into it needs no network and leaves this one untouched."""
    where = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", str(where), cwd=tmp_path)
    python = where / "bin" / "python"
    site = run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
               cwd=tmp_path).stdout.strip()
    base = sysconfig.get_paths()["purelib"]
    Path(site, "onetrip-base.pth").write_text(f"import site; site.addsitedir({base!r})\n")
    return python


def test_a_generated_plugin_installs_and_passes_its_tests(tmp_path, venv, capsys):
    folder = tmp_path / "onetrip-housing"
    assert main(["new-plugin", "housing", "--dir", str(folder)]) == 0
    assert "pip install -e" in capsys.readouterr().out
    installed = run(str(venv), "-m", "pip", "install", "--no-deps", "--no-build-isolation",
                    "-e", str(folder), cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr
    tested = run(str(venv), "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=folder)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "9 passed" in tested.stdout  # 3 YAML cases and 6 tests, the conformance check too
    listed = run(str(venv), "-m", "kernel.cli", "plugins", cwd=tmp_path)
    assert "onetrip-housing 0.1.0" in next(
        line for line in listed.stdout.splitlines() if line.startswith("housing"))
    linted = run(str(venv), "-m", "kernel.cli", "lint", cwd=tmp_path)
    assert linted.returncode == 0, linted.stderr
    assert f"{_shipped_items() + 1} items" in linted.stdout  # its item beside the shipped ones


def test_a_bad_name_or_an_existing_folder_is_refused(tmp_path, capsys):
    assert main(["new-plugin", "Housing!", "--dir", str(tmp_path / "x")]) == 2
    assert "lower-case letters" in capsys.readouterr().err
    assert main(["new-plugin", "housing", "--dir", str(tmp_path)]) == 2
    assert "exists" in capsys.readouterr().err


class Shop:
    """A small department for the conformance check; subclasses break it one way each."""

    @hookimpl
    def onetrip_register_items(self, items):
        items.add(Item(code="SHOP-1", name="店招审批", department="shop", legal_basis="测试",
                       legal_limit={"working_days": 20}, committed_limit={"working_days": 5},
                       implementation={"code": "S-1", "body": "城管局", "level": "county",
                                       "handling": "承诺件", "visits": 1, "fee": "不收费",
                                       "one_window": True, "online": "apply"},
                       materials=[{"code": "SHOP-M1", "name": "申请书", "role": "main"}]))

    @hookimpl
    def onetrip_register_facts(self, facts):
        facts.declare("shop.size", "integer", "shop floor area in m²")

    @hookimpl
    def onetrip_enrich_facts(self, case, facts):
        facts["shop.size"] = 40


class Misspelt(Shop):
    @hookimpl
    def onetrip_register_fact(self, facts):
        pass


class Unmarked(Shop):
    def onetrip_rule_dirs(self):
        return []


class WrongFact(Shop):
    @hookimpl
    def onetrip_enrich_facts(self, case, facts):
        facts["shop.size"] = "large"


class StrayRoute(Shop):
    @hookimpl
    def onetrip_web_routes(self):
        async def handler(request):
            return {}

        return [Route("GET", "/v1/shops", handler)]


@pytest.mark.parametrize("plugin,problem", [
    (Misspelt(), "hooks: onetrip_register_fact is not a hook; did you mean "
                 "onetrip_register_facts?"),
    (Unmarked(), "hooks: onetrip_rule_dirs looks like a hook but has no @hookimpl"),
    (WrongFact(), "enrich: item SHOP-1: plugin shop failed in onetrip_enrich_facts: "
                  "ValueError: fact shop.size must be of type integer, not 'large'"),
    (StrayRoute(), "routes: GET /v1/shops is not under /v1/shop/"),
], ids=["misspelt", "unmarked", "wrong fact", "stray route"])
def test_the_conformance_check_names_what_breaks_the_contract(plugin, problem):
    assert conformance("shop", Shop()) == []
    assert any(p.startswith(problem) for p in conformance("shop", plugin)), \
        conformance("shop", plugin)


def _shipped_items() -> int:
    from kernel.core import Kernel

    kernel = Kernel.start()
    try:
        return len(kernel.items.items)
    finally:
        kernel.close()
