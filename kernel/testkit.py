"""pytest plugin: YAML decision cases (OpenFisca style) and fixtures to test a plugin alone.

Each case runs on a kernel with a throw-away database, so this module sits in the top layer
beside ``kernel.cli`` (whose ``onetrip test`` runs it), above ``kernel.store``.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kernel import hookimpl
from kernel.models import Decision, Item
from kernel.yamlsrc import Problem, Source, SourceError, load

CASE_DIR = "cases"


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Dues(_Spec):
    """Due dates; a moment (``"2019-08-06T09:15:00+08:00"``) checks an office-hour due time,
    a date only the day."""

    legal: date | datetime | None = None
    committed: date | datetime | None = None
    provisional: bool | None = Field(None, description="counted through an unpublished year")


class RoutingSpec(_Spec):
    """Where the case was accepted, who approves, where the result is collected."""

    accepted_at: str | None = Field(None, description="the accepting window's code")
    approved_by: list[str | None] | None = Field(
        None, description="implementing bodies, in item order")
    routed_up: bool | None = None
    collect_at: str | None = None


class Expect(_Spec):
    """What the decision must say; every field left out is not checked."""

    outcome: str | None = None
    items: list[str] | None = Field(None, description="item codes decided, after merging")
    waived: dict[str, str] | None = Field(None, description="material -> reason, exactly")
    tolerated: list[str] | None = None
    required: list[str] | None = None
    supplement_by: date | None = None
    received_on: date | None = Field(None, description="the deemed receipt day")
    served_on: date | None = Field(None, description="the day the hall served the applicant")
    due: Dues | None = None
    item_due: dict[str, Dues] | None = Field(
        None, description="item code -> its own due dates (the parts of 三窗合一)")
    routing: RoutingSpec | None = None
    extension: int | None = Field(None, description="working days an extension may add")
    correction_notice_by: date | None = Field(
        None, description="last day for the correction notice (art. 32)")
    compression_rate: float | None = None
    fired: list[str] | None = Field(None, description="rule ids that must have fired")
    not_fired: list[str] | None = None
    skipped: list[str] | None = Field(None, description="rule ids shown as skipped")
    flags: list[str] | None = Field(None, description="flag codes that must appear")


class CaseSpec(_Spec):
    name: str = Field(min_length=1)
    application: str | dict[str, Any] = Field(
        description="inline application, or a JSON file relative to this file or the project")
    records: dict[str, Any] = Field(
        {}, description="records kind -> records for onetrip_load_records (e.g. credit)")
    disable: list[str] = Field([], description="plugins switched off for this case")
    catalogue: list[Item] = Field(
        [], description="items added to the catalogue for this case only (a rule's item kind "
        "the shipped catalogue lacks)")
    expect: Expect


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """YAML files in a ``cases`` folder (or named ``test_*.yaml``) are decision cases."""
    if file_path.suffix in (".yaml", ".yml") and (
            file_path.parent.name == CASE_DIR or file_path.name.startswith("test_")):
        return CaseFile.from_parent(parent, path=file_path)
    return None


class CaseFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        source = load(self.path)
        listed = isinstance(source.data, list)
        for i, data in enumerate(source.data if listed else [source.data]):
            where = (i,) if listed else ()
            line = source.line_of(where)
            try:
                spec = CaseSpec.model_validate(data)
            except ValidationError as exc:
                raise SourceError(source.problems(exc, where)) from None
            yield CaseItem.from_parent(self, name=spec.name, spec=spec, source=source,
                                       where=where, line=line)


    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None) -> str:
        if isinstance(excinfo.value, SourceError):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)


class CaseFailure(AssertionError):
    """The decision differs from the case's expectations; one line per difference."""


class CaseItem(pytest.Item):
    def __init__(self, *, spec: CaseSpec, source: Source, where: tuple, line: int, **kw):
        super().__init__(**kw)
        self.spec, self.source, self.where, self.line = spec, source, where, line

    def runtest(self) -> None:
        decision = run_case(self.spec, self.source, self.where, self.config.rootpath)
        problems = compare(self.spec.expect, decision)
        if problems:
            raise CaseFailure("\n".join(problems))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None) -> str:
        if isinstance(excinfo.value, (CaseFailure, SourceError)):
            return f"{self.path}:{self.line}: {self.name}\n{excinfo.value}"
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.line - 1, f"case: {self.name}"


def application(spec: CaseSpec, here: Path, root: Path) -> dict[str, Any]:
    if isinstance(spec.application, dict):
        return spec.application
    for base in (here, root):
        path = base / spec.application
        if path.is_file():
            data = json.loads(path.read_text(encoding="utf-8"))
            return data.get("application", data)
    raise FileNotFoundError(f"application file {spec.application} not found")


def run_case(spec: CaseSpec, source: Source, where: tuple, root: Path) -> Decision:
    """Evaluate one case on a fresh kernel with its own throw-away SQLite database."""
    from kernel.store import start_kernel

    app = application(spec, Path(source.path).parent, root)
    extra = [("case_catalogue", CaseCatalogue(spec.catalogue))] if spec.catalogue else []
    with tempfile.TemporaryDirectory() as tmp:
        kernel = start_kernel(disabled=set(spec.disable), db_url=f"sqlite:///{tmp}/case.db",
                              extra_plugins=extra)
        try:
            for kind, data in spec.records.items():
                at = (*where, "records", kind)
                try:
                    taken = kernel.pm.hook.onetrip_load_records(kind=kind, data=data)
                except ValidationError as exc:
                    raise SourceError(source.problems(exc, at)) from None
                if taken is None:
                    raise SourceError([Problem(source.path, source.line_of(at), (
                        f"no loaded plugin takes records of kind {kind!r}"))])
            decision, _ = kernel.evaluate(app)
        finally:
            kernel.close()
    return decision


class CaseCatalogue:
    """A throw-away plugin: the items one YAML case adds to the catalogue."""

    def __init__(self, items: list[Item]):
        self.items = items

    @hookimpl
    def onetrip_register_items(self, items: Any) -> None:
        for item in self.items:
            items.add(item)


def compare(expect: Expect, d: Decision) -> list[str]:
    """Every difference between what a case expects and the decision, readably."""
    fired = {t.rule for t in d.trace if t.status == "fired"}
    skipped = {t.rule for t in d.trace if t.status == "skipped"}
    got: dict[str, Any] = {
        "outcome": d.outcome, "items": [i.item for i in d.items],
        "waived": {w.material: w.reason for w in d.waived},
        "tolerated": sorted(m.material for m in d.tolerated),
        "required": sorted(m.material for m in d.required),
        "supplement_by": d.supplement_by, "received_on": d.received_on,
        "served_on": d.served_on,
        "extension": d.extension.amount if d.extension else None,
        "correction_notice_by": d.correction_notice_by,
        "compression_rate": d.time_limits.compression_rate,
        "due": d.due, "item_due": {i.item: i.due for i in d.items},
        "routing": _routing(d),
    }
    out = []
    for field in ("outcome", "items", "waived", "tolerated", "required", "supplement_by",
                  "received_on", "served_on", "extension", "correction_notice_by",
                  "compression_rate", "due", "item_due", "routing"):
        want = getattr(expect, field)
        if want is None:
            continue
        if field in ("tolerated", "required"):
            want = sorted(want)
        if field == "due":  # only the dates the case names
            want, got[field] = _dues(want, got[field])
        if field == "item_due":
            pairs = {code: _dues(w, got[field].get(code)) for code, w in want.items()}
            want, got[field] = ({c: p[i] for c, p in pairs.items()} for i in (0, 1))
        if field == "routing":
            got[field] = got[field] and got[field].model_dump(include=want.model_fields_set)
            want = want.model_dump(include=want.model_fields_set)
        if want != got[field]:
            out.append(f"  {field}: expected {_show(want)}, got {_show(got[field])}")
    out += _rules("fired", expect.fired, fired, must=True)
    out += _rules("not_fired", expect.not_fired, fired, must=False)
    out += _rules("skipped", expect.skipped, skipped, must=True)
    flags = {f.get("code") for f in d.flags}
    for code in expect.flags or ():
        if code not in flags:
            out.append(f"  flags: expected {code}, got {sorted(map(str, flags)) or 'none'}")
    return out


def _dues(want: Dues, due: Any) -> tuple[dict, dict | None]:
    """The dates a case names, beside the decision's: a day where it names a day."""
    if due is None:
        return want.model_dump(include=want.model_fields_set), None
    got = {"legal": due.legal, "committed": due.committed, "provisional": due.provisional}
    for key in ("legal", "committed"):
        if not isinstance(getattr(want, key), datetime):
            got[key] = _day(got[key])
    return (want.model_dump(include=want.model_fields_set),
            {k: v for k, v in got.items() if k in want.model_fields_set})


def _routing(d: Decision) -> RoutingSpec | None:
    r = d.routing
    if r is None:
        return None
    return RoutingSpec(accepted_at=r.accepted_at.code if r.accepted_at else None,
                       approved_by=[a.body for a in r.approved_by], routed_up=r.routed_up,
                       collect_at=r.collect_at)


def _rules(field: str, want: list[str] | None, have: set[str], must: bool) -> list[str]:
    wrong = [r for r in want or () if (r in have) != must]
    if not wrong:
        return []
    verb = "did not" if must else "unexpectedly"
    shown = ", ".join(sorted(have)) or "none"
    return [f"  {field}: {', '.join(wrong)} {verb} {'fire' if field != 'skipped' else 'skip'}"
            f" ({field if field == 'skipped' else 'fired'}: {shown})"]


def _day(value: Any) -> date | None:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def _show(value: Any) -> str:
    if isinstance(value, BaseModel):
        value = value.model_dump(exclude_none=False)
    return json.dumps(value, ensure_ascii=False, default=str)


# -- fixtures for plugin authors ------------------------------------------------------------


@pytest.fixture
def onetrip_db_url(tmp_path: Path) -> str:
    """A throw-away SQLite database in the test's tmp folder."""
    return f"sqlite:///{tmp_path / 'onetrip.db'}"


@pytest.fixture
def onetrip_kernel_factory(onetrip_db_url: str) -> Iterator[Any]:
    """``start(*plugins, entry_points=False, **kw)``: a kernel with exactly the given plugins.

    Each plugin is a (name, plugin) pair. Each kernel uses the test's tmp SQLite unless
    ``db_url=`` is given, and is closed after the test. Pass ``entry_points=True`` for the
    installed plugins (built-in departments included) as well.
    """
    from kernel.core import Kernel
    from kernel.store import start_kernel

    started: list[Kernel] = []

    def start(*plugins: tuple[str, Any], entry_points: bool = False, **kw: Any) -> Kernel:
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
    """A kernel with every built-in plugin on a throw-away SQLite database."""
    return onetrip_kernel_factory(entry_points=True)


def main(paths: list[str]) -> int:
    """``onetrip test [PATHS]``: run YAML cases (default ``tests/cases``) with pytest.

    This module, already imported, is handed over as a plugin object: ``-p kernel.testkit``
    made pytest warn that it cannot rewrite it (an error under ``filterwarnings = error``).
    No cache: running the cases writes nothing in the current folder.
    """
    return int(pytest.main(["-p", "no:cacheprovider", *(paths or [f"tests/{CASE_DIR}"])],
                           plugins=[sys.modules[__name__]]))
