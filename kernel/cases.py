"""YAML decision cases (OpenFisca style): their model, loading with lines, and comparison.

A case file is a list of cases; each names an application and what its decision must say.
``kernel.store.cases`` runs them on a kernel with a throw-away database; ``kernel.testkit``
collects them with pytest; rule uploads run a ruleset's cases before going live.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kernel.manager import hookimpl
from kernel.models import Decision, Item
from kernel.yamlsrc import Source, SourceError, load

CASE_DIR = "cases"


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Dues(_Spec):
    """Due dates, or date-times for limits in office hours (time and offset compared)."""

    legal: date | datetime | None = Field(
        None, description="a date, or a date-time with offset for an office-hours limit")
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


@dataclass(frozen=True)
class Case:
    """One case of a file, with where it stands."""

    spec: CaseSpec
    source: Source
    where: tuple
    line: int

    def __str__(self) -> str:
        return f"{self.source.path}:{self.line}: {self.spec.name}"


def load_cases(path: Path | str) -> list[Case]:
    """Every case of one file; SourceError (file:line) when one is malformed."""
    source = load(path)
    listed = isinstance(source.data, list)
    out = []
    for i, data in enumerate(source.data if listed else [source.data]):
        where = (i,) if listed else ()
        try:
            spec = CaseSpec.model_validate(data)
        except ValidationError as exc:
            raise SourceError(source.problems(exc, where)) from None
        out.append(Case(spec, source, where, source.line_of(where)))
    return out


def case_files(folder: Path) -> list[Path]:
    """The case files below ``folder``: every YAML file of a ``cases`` folder in it."""
    return sorted(p for p in Path(folder).rglob("*.y*ml") if CASE_DIR in p.parent.parts)


def application(spec: CaseSpec, here: Path, root: Path) -> dict[str, Any]:
    if isinstance(spec.application, dict):
        return spec.application
    for base in (here, root):
        path = base / spec.application
        if path.is_file():
            data = json.loads(path.read_text(encoding="utf-8"))
            return data.get("application", data)
    raise FileNotFoundError(f"application file {spec.application} not found")


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
    }
    out = []
    for field in ("outcome", "items", "waived", "tolerated", "required", "supplement_by",
                  "received_on", "served_on", "extension", "correction_notice_by",
                  "compression_rate"):
        want = getattr(expect, field)
        if want is None:
            continue
        if field in ("tolerated", "required"):
            want = sorted(want)
        if want != got[field]:
            out.append(f"  {field}: expected {_show(want)}, got {_show(got[field])}")
    if expect.due is not None:
        out += _dues(expect.due, d.due)
    dues = {i.item: i.due for i in d.items}
    for code, want in (expect.item_due or {}).items():
        if code not in dues:
            out.append(f"  item_due: expected {code}, got {sorted(dues) or 'none'}")
        else:
            out += _dues(want, dues[code], f"item_due.{code}")
    if expect.routing is not None:
        want = expect.routing.model_dump(include=expect.routing.model_fields_set)
        got_routing = _routing(d)
        got_routing = got_routing and got_routing.model_dump(include=want.keys())
        if want != got_routing:
            out.append(f"  routing: expected {_show(want)}, got {_show(got_routing)}")
    out += _rules("fired", expect.fired, fired, must=True)
    out += _rules("not_fired", expect.not_fired, fired, must=False)
    out += _rules("skipped", expect.skipped, skipped, must=True)
    flags = {f.get("code") for f in d.flags}
    for code in expect.flags or ():
        if code not in flags:
            out.append(f"  flags: expected {code}, got {sorted(map(str, flags)) or 'none'}")
    return out


def _dues(want: Dues, due: Any, label: str = "due") -> list[str]:
    """Only the dues the case names; a date-time is compared as a moment, a date as a day."""
    out = []
    for name in sorted(want.model_fields_set):
        expected, got = getattr(want, name), getattr(due, name)
        if isinstance(expected, date) and not isinstance(expected, datetime):
            got = _day(got)
        if expected != got:
            out.append(f"  {label}.{name}: expected {_show(expected)}, got {_show(got)}")
    return out


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


def _day(value: Any) -> Any:
    return value.date() if isinstance(value, datetime) else value


def _show(value: Any) -> str:
    if isinstance(value, datetime):
        return json.dumps(value.isoformat())
    if isinstance(value, BaseModel):
        value = value.model_dump(exclude_none=False)
    return json.dumps(value, ensure_ascii=False, default=str)
