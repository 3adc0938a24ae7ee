"""A case's clock in working days, with paused spans excluded (行政许可法 art. 45).

Counting follows the calendar conventions: the day the clock starts (acceptance) is not
counted; every later working day is, unless the clock was paused at any moment of it.

Why a partly paused day is not counted: art. 45 excludes the time of hearings, testing,
expert review etc. from the limit, and the limit is counted in whole working days (art. 82).
A day on which the clock was paused for part of the time is not a whole working day at the
organ's disposal; counting it would charge excluded time to the limit. The resume day is
also treated like the acceptance day, whose remainder the first-day rule (民法典 art. 201)
leaves out. The choice favours never shortening the excluded span; it can lengthen a case
by at most one working day at each end of each pause.

`elapsed(now)` counts the working days after the start date up to and including now's date
(today counts as used once it has begun), so `remaining(now) == 0` on the due date and is
negative once overdue. Events after `now` are ignored, so past moments can be replayed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .days import WorkingDays
from .zone import aware

_OPEN = 1 << 62  # index beyond any calendar: a pause not yet resumed


@dataclass(frozen=True)
class Pause:
    """One paused span; `end` is None while the clock is still paused."""

    start: dt.datetime
    reason: str
    end: dt.datetime | None = None


class Clock:
    """The clock of one case: start, pause(reason), resume, and its due date in working days."""

    def __init__(self, calendar: WorkingDays, limit: int | None = None) -> None:
        self.calendar = calendar
        self.limit = limit
        self.started: dt.datetime | None = None
        self._pauses: list[Pause] = []
        self._last: dt.datetime | None = None

    # -- events -------------------------------------------------------------------------
    def start(self, at: dt.datetime) -> None:
        if self.started is not None:
            raise ValueError("the clock has already started")
        self._day(at)
        self.started = self._last = at

    def pause(self, at: dt.datetime, reason: str) -> None:
        self._event(at)
        if not reason or not reason.strip():
            raise ValueError("a pause needs a reason (e.g. 专家评审, 听证)")
        if self.paused:
            raise ValueError("the clock is already paused")
        self._pauses.append(Pause(at, reason.strip()))
        self._last = at

    def resume(self, at: dt.datetime) -> None:
        self._event(at)
        if not self.paused:
            raise ValueError("the clock is not paused")
        self._pauses[-1] = Pause(self._pauses[-1].start, self._pauses[-1].reason, at)
        self._last = at

    @property
    def paused(self) -> bool:
        return bool(self._pauses) and self._pauses[-1].end is None

    @property
    def pauses(self) -> tuple[Pause, ...]:
        return tuple(self._pauses)

    # -- questions ----------------------------------------------------------------------
    def elapsed(self, now: dt.datetime) -> int:
        """Counted working days from the start to now's date (inclusive), pauses excluded."""
        first = self._first_index()
        now_day = self._day(now)
        if now < self._started():
            raise ValueError("`now` is before the clock started")
        last = self.calendar.index_after(now_day) - 1
        self.calendar.require_between(self._started_day(), now_day)
        if last < first:
            return 0
        excluded = sum(
            max(0, min(hi, last) - max(lo, first) + 1) for lo, hi in self._excluded(now)
        )
        return last - first + 1 - excluded

    def remaining(self, now: dt.datetime, limit: int | None = None) -> int:
        """Working days left after now's date (0 on the due date, negative when overdue)."""
        return self._limit(limit) - self.elapsed(now)

    def due(self, limit: int | None = None) -> dt.date | None:
        """The due date, or None while the clock is paused (the pause's end is not known)."""
        n = self._limit(limit)
        if self.paused:
            return None
        start_day = self._started_day()
        if n == 0:
            return self.calendar.add_working_days(start_day, 0)
        first = self._first_index()
        index = first + n - 1
        for lo, hi in self._excluded(None):
            lo = max(lo, first)
            if lo > index:
                break
            if hi >= lo:
                index += hi - lo + 1
        return self.calendar.day_at(index, start_day)

    # -- helpers ------------------------------------------------------------------------
    def _day(self, at: dt.datetime) -> dt.date:
        day = aware(at).astimezone(self.calendar.tz).date()
        self.calendar.require(day)  # refuses days in years the calendar cannot count
        return day

    def _event(self, at: dt.datetime) -> None:
        self._day(at)
        if self._last is None:
            raise ValueError("start the clock first")
        if at < self._last:
            raise ValueError(f"events must be in time order: {at.isoformat()} is before "
                             f"{self._last.isoformat()}")

    def _started(self) -> dt.datetime:
        if self.started is None:
            raise ValueError("the clock has not started")
        return self.started

    def _started_day(self) -> dt.date:
        return self._day(self._started())

    def _first_index(self) -> int:
        """Index of the first working day after the start date (the start day never counts)."""
        return self.calendar.index_after(self._started_day())

    def _limit(self, limit: int | None) -> int:
        n = self.limit if limit is None else limit
        if n is None:
            raise ValueError("no limit given: Clock(calendar, limit) or due(limit)")
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"a limit is a whole number of working days >= 0, got {n!r}")
        return n

    def _excluded(self, now: dt.datetime | None) -> list[tuple[int, int]]:
        """Working-day index spans touched by a pause, as seen at `now` (None: all events)."""
        days = self.calendar
        spans: list[tuple[int, int]] = []
        for p in self._pauses:
            if now is not None and p.start > now:
                break
            lo = days.index_from(self._day(p.start))
            open_ = p.end is None or (now is not None and p.end > now)
            hi = _OPEN if open_ else days.index_after(self._day(p.end)) - 1
            if spans and lo <= spans[-1][1] + 1:
                spans[-1] = (spans[-1][0], max(spans[-1][1], hi))  # same or adjacent day
            elif hi >= lo:
                spans.append((lo, hi))
        return spans
