"""A stored case's clock: from its receipt day, stopped while the time is not the agency's.

The clock stands still (行政许可法 art. 45) for the special steps the agency announced to the
applicant (``paused`` … ``clock_resumed`` events). Stopped spans that touch one another are
merged, so a day is left out once whatever stopped it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, NamedTuple

import calendars
from kernel.decide import counted_from
from kernel.store.tables import Case, CaseEvent


class Span(NamedTuple):
    """Time the clock stands still; ``end`` None while it still does."""

    start: datetime
    end: datetime | None
    reason: str


def special_steps(events: list[CaseEvent]) -> list[Span]:
    """The art. 45 steps (听证, 检测, 专家评审 …) from the case's log."""
    spans: list[Span] = []
    for e in events:
        if e.kind == "paused":
            spans.append(Span(e.at, None, e.payload["reason"]))
        elif e.kind == "clock_resumed" and spans and spans[-1].end is None:
            spans[-1] = spans[-1]._replace(end=e.at)
    return spans


def stopped(case: Case, events: list[CaseEvent]) -> list[Span]:
    """Every span the agency's clock stands still, in time order, overlapping ones merged."""
    merged: list[Span] = []
    for span in sorted(special_steps(events), key=lambda x: x.start):
        last = merged[-1] if merged else None
        if last is not None and (last.end is None or span.start <= last.end):
            end = None if None in (last.end, span.end) else max(last.end, span.end)
            reasons = last.reason if span.reason in last.reason.split("；") else (
                f"{last.reason}；{span.reason}")
            merged[-1] = Span(last.start, end, reasons)
        else:
            merged.append(span)
    return merged


def build_clock(calendar: Any, case: Case, events: list[CaseEvent]) -> calendars.Clock:
    """The case's clock rebuilt from its log: started at receipt (a rest day's counts from the
    next working day), stopped for every span of :func:`stopped`."""
    clock = calendars.Clock(calendar)
    clock.start(counted_from(calendar, case.submitted_at))
    for span in stopped(case, events):
        clock.pause(max(span.start, clock.started), span.reason)
        if span.end is not None:
            clock.resume(max(span.end, clock.started))
    return clock


def working_days(case: Case, which: str) -> int | None:
    """A working-day limit of the decision; other units have no pausable clock."""
    limit = case.decision["time_limits"][which]
    return limit["amount"] if limit["unit"] == "working_days" else None


def current_due(case: Case, clock: calendars.Clock) -> tuple[date | None, date | None]:
    """Committed and legal due dates now; None while stopped (the end is not known yet)."""
    out = []
    for which, stored in (("committed", case.due_committed), ("legal", case.due_legal)):
        n = working_days(case, which)
        out.append(stored if n is None else clock.due(n))
    return out[0], out[1]
