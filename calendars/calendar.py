"""WorkingCalendar: working days with office hours and clocks, and the cached `china()`."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .clock import Clock
from .days import WorkingDays
from .hours import DEFAULT_OFFICE_HOURS, OfficeHours, add_office_hours
from .override_files import (
    LoadedOverride,
    OverrideFile,
    from_object,
    load_override,
    normalise_region,
)
from .schedule import Schedule, build_schedule


class WorkingCalendar(WorkingDays):
    """The working days of `WorkingDays`, with office hours and clocks."""

    def __init__(
        self,
        schedule: Schedule,
        region: str | None = None,
        office_hours: OfficeHours = DEFAULT_OFFICE_HOURS,
    ) -> None:
        super().__init__(schedule, region)
        self.office_hours = office_hours

    @property
    def tz(self) -> ZoneInfo:
        """The office's zone (the hall's, Asia/Shanghai, unless its office hours say otherwise)."""
        return self.office_hours.tz

    # -- hours ------------------------------------------------------------------------------
    def add_office_hours(
        self,
        start: dt.datetime,
        hours: int | float | Decimal | dt.timedelta,
        *,
        office_hours: OfficeHours | None = None,
    ) -> dt.datetime:
        """`start` + `hours` of office time (whole minutes), in the office time zone."""
        return add_office_hours(self, start, hours, office_hours or self.office_hours)

    def with_office_hours(self, office_hours: OfficeHours) -> WorkingCalendar:
        """The same days with other office hours (shares the precomputed arrays)."""
        other = object.__new__(WorkingCalendar)
        other.__dict__.update(self.__dict__)
        other.office_hours = office_hours
        return other

    def clock(self, limit: int | None = None) -> Clock:
        """A new Clock for one case on this calendar."""
        return Clock(self, limit)

    def __repr__(self) -> str:
        years = self.covered_years
        return f"<WorkingCalendar region={self.region} years={years[0]}–{years[-1]}>"


OverrideLike = str | os.PathLike[str] | OverrideFile | Mapping[str, Any]


def china(region: str | None = None, overrides: Iterable[OverrideLike] = ()) -> WorkingCalendar:
    """The working calendar of mainland China, or of one region (ISO 3166-2:CN code, e.g. "GX").

    `overrides` are extra override files (paths) or override objects, applied after the bundled
    ones; calendars are cached per (region, overrides), so repeated calls are cheap.
    Paths are read once: call `china.cache_clear()` after editing a file.
    """
    code = None if region is None else normalise_region(region)
    keys: list[str | OverrideFile] = []
    for item in overrides:
        if isinstance(item, OverrideFile):
            keys.append(item)
        elif isinstance(item, Mapping):
            keys.append(from_object(item).spec)
        else:
            keys.append(str(Path(item).resolve()))
    return _china(code, tuple(keys))


@lru_cache(maxsize=64)
def _china(region: str | None, keys: tuple[str | OverrideFile, ...]) -> WorkingCalendar:
    layers: list[LoadedOverride] = [
        load_override(k) if isinstance(k, str) else from_object(k) for k in keys
    ]
    return WorkingCalendar(build_schedule(region, layers), region)


china.cache_clear = _china.cache_clear  # type: ignore[attr-defined]
