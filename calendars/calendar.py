"""WorkingCalendar: working days with office hours and clocks, `due()`, and the cached `china()`."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .clock import Clock
from .days import WorkingDays
from .deadline import Deadline, limit_parts
from .hours import DEFAULT_OFFICE_HOURS, OfficeHours, add_office_hours
from .override_files import (
    LoadedOverride,
    OverrideFile,
    from_object,
    load_override,
    normalise_region,
)
from .schedule import Schedule, build_schedule, folder_overrides, notice_folder
from .zone import aware

_Origin = tuple[str | None, tuple[str | OverrideFile, ...], str | None]


class WorkingCalendar(WorkingDays):
    """The working days of `WorkingDays`, with office hours, clocks and `due()`."""

    def __init__(
        self,
        schedule: Schedule,
        region: str | None = None,
        office_hours: OfficeHours = DEFAULT_OFFICE_HOURS,
        *,
        origin: _Origin | None = None,
    ) -> None:
        super().__init__(schedule, region)
        self.office_hours = office_hours
        self._origin = origin  # how china() built it (region, overrides, folder): reloaded()

    @property
    def tz(self) -> ZoneInfo:
        """The office's zone (the hall's, Asia/Shanghai, unless its office hours say otherwise)."""
        return self.office_hours.tz

    # -- the one place a limit becomes a due date ----------------------------------------------
    def due(self, start: dt.date | dt.datetime, limit: Any) -> Deadline:
        """When `limit` counted from `start` ends; `start` itself is never counted.

        `limit` is (unit, amount) or any object with `.unit` and `.amount`: working_days and
        calendar_days give a date (a calendar-day limit ending on a rest day moves to the next
        working day, 民法典 art. 203); office_hours gives a moment and needs `start` as a moment;
        on_the_spot (即办) gives the day the office is next open. A moment's day is its date in
        the office's zone. The answer is provisional when it counted through a year whose
        notice is not yet published.
        """
        unit, amount = limit_parts(limit)
        when = _COUNT[unit](self, start, amount)
        end = when.date() if isinstance(when, dt.datetime) else when
        return Deadline(when, self.provisional_between(_day(self, start), end))

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

    def reloaded(self) -> WorkingCalendar:
        """This calendar built again from its files as they are now (after a notice is loaded):
        compare `provisional_years` to see which years the new files settled."""
        if self._origin is None:
            raise TypeError("only a calendar from china() knows its files")
        china.cache_clear()
        region, keys, folder = self._origin
        fresh = _china(region, keys, folder)
        same = fresh.office_hours == self.office_hours
        return fresh if same else fresh.with_office_hours(self.office_hours)

    def __repr__(self) -> str:
        years = self.covered_years
        return f"<WorkingCalendar region={self.region} years={years[0]}–{years[-1]}>"


def _day(cal: WorkingCalendar, start: dt.date | dt.datetime) -> dt.date:
    """The day a start falls on: a date itself, or a moment's date in the office's zone."""
    return aware(start).astimezone(cal.tz).date() if isinstance(start, dt.datetime) else start


def _working_days(cal: WorkingCalendar, start: dt.date | dt.datetime, n: int) -> dt.date:
    return cal.add_working_days(_day(cal, start), n)


def _calendar_days(cal: WorkingCalendar, start: dt.date | dt.datetime, n: int) -> dt.date:
    return cal.add_calendar_days(_day(cal, start), n)


def _office_hours(cal: WorkingCalendar, start: dt.date | dt.datetime, hours: Any) -> dt.datetime:
    if not isinstance(start, dt.datetime):
        raise TypeError(f"office hours count from a moment, not from the day {start}")
    return cal.add_office_hours(start, hours)


def _on_the_spot(cal: WorkingCalendar, start: dt.date | dt.datetime, amount: int) -> dt.date:
    """即办: the day the office is next open, at or after `start` (today while it is open)."""
    if amount:
        raise ValueError(f"an on-the-spot limit has amount 0, got {amount!r}")
    if isinstance(start, dt.datetime):
        return cal.add_office_hours(start, 0).date()
    return cal.add_working_days(start, 0)


# One counting rule per unit; a new unit (e.g. clock hours for urgent documents) is one entry.
_COUNT: dict[str, Callable[[WorkingCalendar, Any, Any], dt.date | dt.datetime]] = {
    "working_days": _working_days,
    "calendar_days": _calendar_days,
    "office_hours": _office_hours,
    "on_the_spot": _on_the_spot,
}


OverrideLike = str | os.PathLike[str] | OverrideFile | Mapping[str, Any]


def china(
    region: str | None = None,
    overrides: Iterable[OverrideLike] = (),
    folder: str | os.PathLike[str] | None = None,
) -> WorkingCalendar:
    """The working calendar of mainland China, or of one region (ISO 3166-2:CN code, e.g. "GX").

    Layers, in order: the bundled override files, the hall's notice folder (`folder`, by default
    $ONETRIP_CALENDAR_DIR if set; see `install_override`), then `overrides` (paths or override
    objects). Calendars are cached per (region, overrides, folder), so repeated calls are cheap;
    files are read once: call `china.cache_clear()` (or `reloaded()`) after editing one.
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
    return _china(code, tuple(keys), _folder_key(folder))


def _folder_key(folder: str | os.PathLike[str] | None = None) -> str | None:
    found = notice_folder() if folder is None else Path(folder).resolve()
    return None if found is None else str(found)


@lru_cache(maxsize=64)
def _china(
    region: str | None, keys: tuple[str | OverrideFile, ...], folder: str | None
) -> WorkingCalendar:
    layers: list[LoadedOverride] = [*folder_overrides(None if folder is None else Path(folder))]
    layers += [load_override(k) if isinstance(k, str) else from_object(k) for k in keys]
    return WorkingCalendar(build_schedule(region, layers), region, origin=(region, keys, folder))


china.cache_clear = _china.cache_clear  # type: ignore[attr-defined]
