"""WorkingCalendar: working-day arithmetic on precomputed arrays, and the cached `china()`."""

from __future__ import annotations

import datetime as dt
import os
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import CalendarCoverageError
from .hours import DEFAULT_OFFICE_HOURS, OfficeHours, add_office_hours
from .override_files import (
    LoadedOverride,
    OverrideFile,
    from_object,
    load_override,
    normalise_region,
)
from .schedule import DayInfo, Schedule, build_schedule

if TYPE_CHECKING:
    from .clock import Clock


class WorkingCalendar:
    """Working days of mainland China (or one region) over the years whose schedule is known.

    `working_days_between(a, b)` is the number of working days in the half-open interval (a, b]
    (negative when b < a), so `working_days_between(d, add_working_days(d, n)) == n` for n >= 1,
    and for n == 0 when d is itself a working day.
    """

    def __init__(
        self,
        schedule: Schedule,
        region: str | None = None,
        office_hours: OfficeHours = DEFAULT_OFFICE_HOURS,
    ) -> None:
        if not schedule.covered:
            raise CalendarCoverageError(dt.date.today().year, (), region)
        self.region = region
        self.office_hours = office_hours
        self._entries = schedule.entries
        self._covered = schedule.covered
        first, last = min(schedule.covered), max(schedule.covered)
        self._first = dt.date(first, 1, 1)
        self._last = dt.date(last, 12, 31)
        self._base = self._first.toordinal()
        # Years inside the span that are not known (a region's gaps): checked on every answer.
        self._gaps = [y for y in range(first, last + 1) if y not in schedule.covered]
        # Built once, day by day; every query afterwards is a few list indexings (lists, not
        # arrays: indexing a list hands back a stored object instead of boxing a new one).
        self._days: list[dt.date] = []  # the working days, ascending
        self._ords: list[int] = []  # their ordinals, for bisect by the clock and office hours
        self._cum: list[int] = []  # _cum[i]: working days in [first, first + i]
        for o in range(self._base, self._last.toordinal() + 1):
            day = dt.date.fromordinal(o)
            info = self._entries.get(day)
            if info.working if info is not None else day.weekday() < 5:
                self._days.append(day)
                self._ords.append(o)
            self._cum.append(len(self._days))

    # -- coverage -------------------------------------------------------------------------
    @property
    def covered_years(self) -> tuple[int, ...]:
        """The years whose schedule is known, ascending (may have gaps for a region)."""
        return tuple(sorted(self._covered))

    def _error(self, year: int) -> CalendarCoverageError:
        return CalendarCoverageError(year, self.covered_years, self.region)

    def _ord(self, d: dt.date) -> int:
        if isinstance(d, dt.datetime) or not isinstance(d, dt.date):
            raise TypeError(f"expected a datetime.date, got {type(d).__name__}: {d!r}")
        if d.year not in self._covered:
            raise self._error(d.year)
        return d.toordinal()

    def _check_years(self, y1: int, y2: int) -> None:
        lo, hi = min(y1, y2), max(y1, y2)
        i = bisect_left(self._gaps, lo)
        if i < len(self._gaps) and self._gaps[i] <= hi:
            raise self._error(self._gaps[i])

    def _day_at(self, index: int, from_year: int) -> dt.date:
        """The working day at `index` in the precomputed list, refusing to leave known years."""
        if index >= len(self._days):
            raise self._error(self._last.year + 1)
        day = self._days[index]
        if self._gaps:
            self._check_years(from_year, day.year)
        return day

    # -- days -------------------------------------------------------------------------------
    def is_working_day(self, d: dt.date) -> bool:
        o = self._ord(d)
        i = o - self._base
        return self._cum[i] != (self._cum[i - 1] if i else 0)

    def info(self, d: dt.date) -> DayInfo | None:
        """Why `d` is special (holiday or make-up working day), or None for an ordinary day."""
        self._ord(d)
        return self._entries.get(d)

    def year(self, year: int) -> list[DayInfo]:
        """Holidays and make-up working days of a known year, by date."""
        if year not in self._covered:
            raise self._error(year)
        return sorted((e for d, e in self._entries.items() if d.year == year), key=lambda e: e.day)

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after `start` (which never counts); n = 0: `start` if it is a
        working day, else the next working day."""
        # The hot path of every deadline: checks inline, then two list lookups.
        if n.__class__ is not int or n < 0:
            _count(n)
        if start.__class__ is not dt.date or start.year not in self._covered:
            self._ord(start)
        i = start.toordinal() - self._base
        # cum[i] working days lie in [first, start]: the next one after start has index cum[i];
        # for n == 0, the first one on or after start has index cum[i - 1].
        index = self._cum[i] + n - 1 if n else (self._cum[i - 1] if i else 0)
        return self._day_at(index, start.year)

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        """Working days in (a, b]; negative (minus those in (b, a]) when b < a."""
        ia, ib = self._ord(a) - self._base, self._ord(b) - self._base
        self._check_years(a.year, b.year)
        return self._cum[ib] - self._cum[ia]

    def add_calendar_days(self, start: dt.date, n: int) -> dt.date:
        """`start` + n calendar days; a last day that is a rest day moves to the next working
        day (民法典 art. 203)."""
        n = _count(n)
        o = self._ord(start) + n
        if o > self._last.toordinal():
            raise self._error(self._last.year + 1)
        return self.add_working_days(dt.date.fromordinal(o), 0)

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
        from .clock import Clock

        return Clock(self, limit)

    def __repr__(self) -> str:
        years = self.covered_years
        return f"<WorkingCalendar region={self.region} years={years[0]}–{years[-1]}>"


def _count(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"expected a whole number of days, got {n!r}")
    if n < 0:
        raise ValueError(f"a number of days must not be negative, got {n}")
    return n


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
