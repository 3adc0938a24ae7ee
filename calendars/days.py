"""WorkingDays: the numbered working days of the known and provisional years, and day arithmetic."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from typing import Any
from zoneinfo import ZoneInfo

from .errors import CalendarCoverageError
from .schedule import DayInfo, Schedule
from .zone import HALL_TZ


class WorkingDays:
    """Working days of mainland China (or one region) over the years the calendar can count.

    Working days are numbered from 0 across the whole span; `index_after`, `index_from` and
    `day_at` let office hours and clocks count in that numbering. A year is *known* when its
    State Council notice is in the data, *provisional* when it comes after the known years and
    is counted on the statute alone (see statutory.yaml); any other year is refused.

    `working_days_between(a, b)` is the number of working days in the half-open interval (a, b]
    (negative when b < a), so `working_days_between(d, add_working_days(d, n)) == n` for n >= 1,
    and for n == 0 when d is itself a working day.
    """

    def __init__(self, schedule: Schedule, region: str | None = None) -> None:
        usable = schedule.covered | schedule.provisional
        if not schedule.covered:
            raise CalendarCoverageError(dt.date.today().year, (), region)
        self.region = region
        self._entries = schedule.entries
        self._covered = schedule.covered
        self._provisional = schedule.provisional
        self._usable = usable
        first, last = min(usable), max(usable)
        self._first = dt.date(first, 1, 1)
        self._last = dt.date(last, 12, 31)
        self._firm_until = dt.date(max(schedule.covered), 12, 31).toordinal()
        self._base = self._first.toordinal()
        # Years inside the span that cannot be counted (a region's gaps): checked on every answer.
        self._gaps = [y for y in range(first, last + 1) if y not in usable]
        # Built once, day by day; every query afterwards is a few list indexings (lists, not
        # arrays: indexing a list hands back a stored object instead of boxing a new one).
        self._days: list[dt.date] = []  # the working days, ascending
        self._cum: list[int] = []  # _cum[i]: working days in [first, first + i]
        for o in range(self._base, self._last.toordinal() + 1):
            day = dt.date.fromordinal(o)
            info = self._entries.get(day)
            if info.working if info is not None else day.weekday() < 5:
                self._days.append(day)
            self._cum.append(len(self._days))

    @property
    def tz(self) -> ZoneInfo:
        """The zone whose dates these are: a moment's day is its date there."""
        return HALL_TZ

    # -- coverage -------------------------------------------------------------------------
    @property
    def covered_years(self) -> tuple[int, ...]:
        """The years whose notice is known, ascending (may have gaps for a region)."""
        return tuple(sorted(self._covered))

    @property
    def provisional_years(self) -> tuple[int, ...]:
        """The years counted on the statutory days alone, until their notice is loaded."""
        return tuple(sorted(self._provisional))

    def provisional_between(self, a: dt.date, b: dt.date) -> tuple[int, ...]:
        """The provisional years among those of a..b (either order); () when all are known."""
        lo, hi = (a, b) if a <= b else (b, a)
        if hi.toordinal() <= self._firm_until:  # the common case: one comparison
            return ()
        return tuple(y for y in range(lo.year, hi.year + 1) if y in self._provisional)

    def require(self, d: dt.date) -> None:
        """Refuse anything but a date in a year this calendar can count."""
        if isinstance(d, dt.datetime) or not isinstance(d, dt.date):
            raise TypeError(f"expected a datetime.date, got {type(d).__name__}: {d!r}")
        if d.year not in self._usable:
            raise self._error(d.year)

    def require_between(self, a: dt.date, b: dt.date) -> None:
        """Refuse a span a..b (either order) that crosses a year this calendar cannot count."""
        lo, hi = min(a.year, b.year), max(a.year, b.year)
        i = bisect_left(self._gaps, lo)
        if i < len(self._gaps) and self._gaps[i] <= hi:
            raise self._error(self._gaps[i])

    def _error(self, year: int) -> CalendarCoverageError:
        return CalendarCoverageError(year, self.covered_years, self.region,
                                     self.provisional_years)

    # -- the numbering of working days --------------------------------------------------------
    def index_after(self, d: dt.date) -> int:
        """The number of the first working day after `d` (working days up to `d` inclusive)."""
        self.require(d)
        return self._cum[d.toordinal() - self._base]

    def index_from(self, d: dt.date) -> int:
        """The number of the first working day on or after `d`."""
        self.require(d)
        i = d.toordinal() - self._base
        return self._cum[i - 1] if i else 0

    def day_at(self, index: int, since: dt.date) -> dt.date:
        """The working day numbered `index`, counted from `since`: refused if the count leaves
        the years this calendar can count or crosses a gap."""
        if index >= len(self._days):
            raise self._error(self._last.year + 1)
        day = self._days[index]
        if self._gaps:
            self.require_between(since, day)
        return day

    # -- days -------------------------------------------------------------------------------
    def is_working_day(self, d: dt.date) -> bool:
        self.require(d)
        i = d.toordinal() - self._base
        return self._cum[i] != (self._cum[i - 1] if i else 0)

    def info(self, d: dt.date) -> DayInfo | None:
        """Why `d` is special (holiday or make-up working day), or None for an ordinary day."""
        self.require(d)
        return self._entries.get(d)

    def year(self, year: int) -> list[DayInfo]:
        """Holidays and make-up working days of a known or provisional year, by date."""
        if year not in self._usable:
            raise self._error(year)
        return sorted((e for d, e in self._entries.items() if d.year == year), key=lambda e: e.day)

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after `start` (which never counts); n = 0: `start` if it is a
        working day, else the next working day."""
        # The hot path of every deadline: checks inline, then two list lookups.
        if n.__class__ is not int or n < 0:
            _count(n)
        if start.__class__ is not dt.date or start.year not in self._usable:
            self.require(start)
        i = start.toordinal() - self._base
        # cum[i] working days lie in [first, start]: the next one after start has index cum[i];
        # for n == 0, the first one on or after start has index cum[i - 1].
        index = self._cum[i] + n - 1 if n else (self._cum[i - 1] if i else 0)
        return self.day_at(index, start)

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        """Working days in (a, b]; negative (minus those in (b, a]) when b < a."""
        self.require_between(a, b)
        return self.index_after(b) - self.index_after(a)

    def add_calendar_days(self, start: dt.date, n: int) -> dt.date:
        """`start` + n calendar days; a last day that is a rest day moves to the next working
        day (民法典 art. 203)."""
        n = _count(n)
        self.require(start)
        o = start.toordinal() + n
        if o > self._last.toordinal():
            raise self._error(self._last.year + 1)
        return self.add_working_days(dt.date.fromordinal(o), 0)


def _count(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"expected a whole number of days, got {n!r}")
    if n < 0:
        raise ValueError(f"a number of days must not be negative, got {n}")
    return n
