"""Override files: holidays and make-up working days the package lacks, with file:line errors."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    field_validator,
    model_validator,
)

from .errors import OverrideError

# Mainland provinces, autonomous regions and municipalities (ISO 3166-2:CN codes). Hong Kong,
# Macao and Taiwan keep holiday systems of their own, which this calendar does not model.
REGIONS = frozenset(
    "AH BJ CQ FJ GD GS GX GZ HA HB HE HI HL HN JL JS JX LN NM NX QH SC SD SH SN SX TJ XJ XZ YN ZJ"
    .split()
)
# A range longer than this is almost surely a typo (2020-01-31 to 2021-02-02), not a holiday.
MAX_RANGE_DAYS = 31


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so a bad date is reported with its line."""


# PyYAML builds dates itself and fails on 2026-02-30 with a bare ValueError and no line;
# left as strings, they go through _iso_day and pydantic, whose errors are located.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _iso_day(value: Any) -> dt.date:
    # Dates only: YAML's own dates, or strings written YYYY-MM-DD; never a timestamp or an int.
    if isinstance(value, dt.datetime):
        raise ValueError("expected a date without a time of day")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return dt.date.fromisoformat(value)
    raise ValueError(f"expected a date written YYYY-MM-DD, got {value!r}")


Day = Annotated[dt.date, BeforeValidator(_iso_day)]


class _Frozen(BaseModel):
    # Frozen, hashable models: calendars are cached per (region, overrides).
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class DaySpec(_Frozen):
    """One named day (`date`) or an inclusive range of days (`from`, `to`)."""

    date: Day | None = None
    from_: Day | None = Field(default=None, alias="from")
    to: Day | None = None
    name: str = Field(min_length=1)

    @model_validator(mode="after")
    def _one_form(self) -> DaySpec:
        if self.date is not None:
            if self.from_ is not None or self.to is not None:
                raise ValueError("give either `date` or `from` and `to`, not both")
        elif self.from_ is None or self.to is None:
            raise ValueError("give `date`, or both `from` and `to`")
        elif not 0 <= (self.to - self.from_).days < MAX_RANGE_DAYS:
            raise ValueError(f"`to` must be on or after `from` and within {MAX_RANGE_DAYS} days")
        return self

    def days(self) -> tuple[dt.date, ...]:
        if self.date is not None:
            return (self.date,)
        assert self.from_ is not None and self.to is not None  # checked by _one_form
        span = (self.to - self.from_).days
        return tuple(self.from_ + dt.timedelta(days=i) for i in range(span + 1))


class OverrideFile(_Frozen):
    """One override file: what a notice adds to or removes from the schedule, and its source."""

    source: str = Field(min_length=1)  # notice number and title, e.g. 国办发明电〔2020〕1号 …
    region: str | None = None  # ISO 3166-2:CN code; None applies nationwide
    covers: tuple[Annotated[int, Strict()], ...] = ()  # years whose whole schedule this file holds
    holidays: tuple[DaySpec, ...] = ()
    workdays: tuple[DaySpec, ...] = ()  # make-up working days (调休上班), weekends only
    remove_holidays: tuple[Day, ...] = ()
    remove_workdays: tuple[Day, ...] = ()

    @field_validator("source")
    @classmethod
    def _source_text(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("name the notice this override copies (number and title)")
        return v.strip()

    @field_validator("region")
    @classmethod
    def _region_code(cls, v: str | None) -> str | None:
        return None if v is None else normalise_region(v)

    @field_validator("covers")
    @classmethod
    def _plausible_years(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        for year in v:
            if not 1950 <= year <= 2200:
                raise ValueError(f"{year} is not a plausible year")
        return v


def normalise_region(code: str) -> str:
    """'gx' or 'CN-GX' -> 'GX'; anything else that is not a mainland region code is an error."""
    c = code.strip().upper().removeprefix("CN-")
    if c not in REGIONS:
        raise ValueError(f"unknown region {code!r}; use an ISO 3166-2:CN code such as GX")
    return c


@dataclass(frozen=True)
class LoadedOverride:
    """A validated override and where it came from, to point errors at file:line."""

    spec: OverrideFile
    origin: str
    lines: Mapping[tuple[str | int, ...], int] = field(default_factory=dict, compare=False)

    def where(self, loc: tuple[str | int, ...] = ()) -> str:
        # The deepest part of the path that has a line: a missing key points at its parent.
        for n in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:n]))
            if line is not None:
                return f"{self.origin}:{line}"
        return self.origin


def load_override(path: str | Path) -> LoadedOverride:
    """Read and validate one YAML override file; errors name file:line."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise OverrideError(f"{p}: cannot read override file: {e}") from e
    return parse_override(text, str(p))


def parse_override(text: str, origin: str) -> LoadedOverride:
    """Parse YAML text (origin names it in errors) into a validated override."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise OverrideError(f"{origin}:1: empty override file")
        lines: dict[tuple[str | int, ...], int] = {}
        _mark_lines(node, (), lines, origin)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise OverrideError(f"{origin}:{line}: invalid YAML: {e.problem or e}") from e
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise OverrideError(f"{origin}:1: an override file is a mapping (source:, holidays:, …)")
    loaded = LoadedOverride(OverrideFile(source="?"), origin, lines)
    try:
        spec = OverrideFile.model_validate(data)
    except ValidationError as e:
        raise OverrideError(_describe(e, loaded)) from e
    return LoadedOverride(spec, origin, lines)


def from_object(obj: OverrideFile | Mapping[str, Any], origin: str = "") -> LoadedOverride:
    """Wrap an override a plugin built in code (no lines to point at)."""
    if isinstance(obj, OverrideFile):
        return LoadedOverride(obj, origin or f"<override: {obj.source}>")
    where = LoadedOverride(OverrideFile(source="?"), origin or "<override>")
    try:
        spec = OverrideFile.model_validate(dict(obj))
    except ValidationError as e:
        raise OverrideError(_describe(e, where)) from e
    return LoadedOverride(spec, where.origin if origin else f"<override: {spec.source}>")


def _mark_lines(
    node: yaml.Node, path: tuple[str | int, ...], out: dict[tuple[str | int, ...], int], origin: str
) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            k = str(key.value)
            if k in seen:
                # PyYAML keeps the last of duplicate keys silently; a half-applied notice is worse.
                raise OverrideError(f"{origin}:{key.start_mark.line + 1}: duplicate key {k!r}")
            seen.add(k)
            _mark_lines(value, (*path, k), out, origin)
            out[(*path, k)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _mark_lines(item, (*path, i), out, origin)


def _describe(error: ValidationError, loaded: LoadedOverride) -> str:
    parts = []
    for err in error.errors():
        loc = tuple(err["loc"])
        dotted = ".".join(str(x) for x in loc) or "(file)"
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{loaded.where(loc)}: {dotted}: {msg}")
    return "; ".join(parts)
