"""The onetrip test kit, a pytest plugin (entry point ``pytest11``): YAML decision cases and
fixtures to test a plugin alone.

Installed with onetrip, it loads in every pytest run of the environment, so importing it
costs only pytest's own modules: the kernel loads when a case or fixture is used. Its
fixtures are all named ``onetrip_*``. Each case runs on a kernel with a throw-away database,
so this module sits in the top layer beside ``kernel.cli`` (whose ``onetrip test`` runs it).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

CASE_DIR = "cases"  # kernel.cases.CASE_DIR, without importing the kernel
DEFAULT_TODAY = date(2019, 8, 5)  # a Monday after the 2019-07-25 reform (多审合一)


def __getattr__(name: str) -> Any:
    """The case model and runner, where they lived before ``kernel.cases``, loaded on use."""
    if name in ("CaseCatalogue", "CaseSpec", "Dues", "Expect", "compare", "application"):
        import kernel.cases

        return getattr(kernel.cases, name)
    if name == "run_case":
        from kernel.store.cases import run_case

        return run_case
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "onetrip_today(day, region=None): the day onetrip_calendar is frozen to "
        f"(default {DEFAULT_TODAY}), and its calendar region")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """YAML files in a ``cases`` folder (or named ``test_*.yaml``) are decision cases."""
    if file_path.suffix in (".yaml", ".yml") and (
            file_path.parent.name == CASE_DIR or file_path.name.startswith("test_")):
        return CaseFile.from_parent(parent, path=file_path)
    return None


class CaseFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        from kernel.cases import load_cases

        for case in load_cases(self.path):
            yield CaseItem.from_parent(self, name=case.spec.name, case=case)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None) -> str:
        from kernel.yamlsrc import SourceError

        if isinstance(excinfo.value, SourceError):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)


class CaseFailure(AssertionError):
    """The decision differs from the case's expectations; one line per difference."""


class CaseItem(pytest.Item):
    def __init__(self, *, case: Any, **kw: Any):
        super().__init__(**kw)
        self.case = case

    def runtest(self) -> None:
        from kernel.cases import compare
        from kernel.store.cases import run_case

        problems = compare(self.case.spec.expect, run_case(self.case, self.config.rootpath))
        if problems:
            raise CaseFailure("\n".join(problems))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None) -> str:
        from kernel.yamlsrc import SourceError

        if isinstance(excinfo.value, (CaseFailure, SourceError)):
            return f"{self.path}:{self.case.line}: {self.name}\n{excinfo.value}"
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.case.line - 1, f"case: {self.name}"


# -- fixtures for plugin authors ------------------------------------------------------------


@pytest.fixture
def onetrip_db_url(tmp_path: Path) -> str:
    """A throw-away SQLite database in the test's tmp folder."""
    return f"sqlite:///{tmp_path / 'onetrip.db'}"


@pytest.fixture
def onetrip_kernel_factory(onetrip_db_url: str) -> Iterator[Any]:
    """``start(*plugins, entry_points=False, **kw)``: a kernel with exactly the given plugins.

    Each plugin is a (name, plugin) pair; a plugin installed under the same name is not
    loaded beside it. Each kernel uses the test's tmp SQLite unless ``db_url=`` is given, and
    is closed after the test. Pass ``entry_points=True`` for the installed plugins (built-in
    departments included) as well.
    """
    from kernel.store import start_kernel

    started: list[Any] = []

    def start(*plugins: tuple[str, Any], entry_points: bool = False, **kw: Any) -> Any:
        kw.setdefault("db_url", onetrip_db_url)
        kw.setdefault("disabled", set())
        kernel = start_kernel(extra_plugins=list(plugins), entry_points=entry_points, **kw)
        started.append(kernel)
        return kernel

    yield start
    for kernel in started:
        kernel.close()


@pytest.fixture
def onetrip_kernel(onetrip_kernel_factory: Any) -> Any:
    """A kernel with every installed plugin on a throw-away SQLite database."""
    return onetrip_kernel_factory(entry_points=True)


@pytest.fixture
def onetrip_calendar(request: pytest.FixtureRequest) -> Any:
    """The working calendar frozen to a day: ``today``, ``now`` (10:00 hall time),
    ``due(limit, start=None)`` counted from today; set the day with
    ``@pytest.mark.onetrip_today("2019-09-30", region="GX")``."""
    from kernel.testing import FrozenCalendar

    marker = request.node.get_closest_marker("onetrip_today")
    day = marker.args[0] if marker and marker.args else DEFAULT_TODAY
    region = marker.kwargs.get("region") if marker else None
    return FrozenCalendar.of(day, region)


@pytest.fixture
def onetrip_case(onetrip_calendar: Any) -> Any:
    """``build(kernel, *items, missing=(), **fields)``: an application for catalogue items,
    every material handed in but ``missing``, submitted at ``onetrip_calendar.now``, by an
    organisation (or ``applicant="person"``) with a valid credit code or ID number."""
    from kernel.testing import CaseBuilder

    return CaseBuilder(onetrip_calendar)


@pytest.fixture
def onetrip_api() -> Iterator[Any]:
    """``serve(kernel, tokens=())``: the kernel's HTTP API on a free loopback port, with a
    client: ``api.get(path)``, ``api.post(path, json=...)``, ``api.put(path, data=...)``
    give ``(status, body)``. Without tokens every caller is an admin (loopback only)."""
    from kernel.testing import LiveAPI

    served: list[LiveAPI] = []

    def serve(kernel: Any, tokens: Any = ()) -> LiveAPI:
        served.append(LiveAPI(kernel, tokens))
        return served[-1]

    yield serve
    for api in served:
        api.close()


@pytest.fixture
def onetrip_conformance(tmp_path: Path) -> Any:
    """``check(name, plugin, *others)``: fails the test with every way the plugin breaks the
    contract: its hooks, its catalogue, its rules' lint errors, its enrichment of a case of
    each of its items, its routes (see :func:`kernel.testing.conformance`)."""
    from kernel.testing import conformance

    def check(name: str, plugin: Any, *others: tuple[str, Any], **kernel_kw: Any) -> None:
        kernel_kw.setdefault("db_url", f"sqlite:///{tmp_path / 'conformance.db'}")
        problems = conformance(name, plugin, *others, **kernel_kw)
        if problems:
            pytest.fail(f"plugin {name} does not conform:\n" + "\n".join(
                f"  {p}" for p in problems), pytrace=False)

    return check


def main(paths: list[str]) -> int:
    """``onetrip test [PATHS]``: run YAML cases (default ``tests/cases``) with pytest.

    This module, already imported, is handed over as a plugin object (``-p kernel.testkit``
    made pytest warn that it cannot rewrite it, an error under ``filterwarnings = error``);
    the ``pytest11`` entry point has the same name, so pytest does not load it twice.
    The packages of this distribution (kernel, plugins, rules, sandbox) are imported by the
    command before pytest starts, so pytest's wish to rewrite them, as packages of a
    ``pytest11`` plugin, is let go: they hold no test assertions.
    No cache: running the cases writes nothing in the current folder.
    """
    args = ["-p", "no:cacheprovider", "-W", "ignore::pytest.PytestAssertRewriteWarning"]
    return int(pytest.main([*args, *(paths or [f"tests/{CASE_DIR}"])],
                           plugins=[sys.modules[__name__]]))
