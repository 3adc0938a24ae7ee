"""A stored case's clock: from its receipt day, stopped while the time is not the agency's.

The clock stands still (行政许可法 art. 45) for the special steps the agency announced to the
applicant (``paused`` … ``clock_resumed`` events), and for the applicant's own time: from the
day after the supplement date of a tolerance acceptance until the last owed material
arrives, re-notice and grace included (applicant time is not the agency's; 国办发〔2019〕11号
leaves it out of approval time). Stopped spans that touch one another are merged, so a day
is left out once whatever stopped it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, NamedTuple

import calendars
from kernel.decide import counted_from
from kernel.store.intake import day_after
from kernel.store.tables import Case, CaseEvent

WAITING = ("awaiting_supplement", "re_notified")  # the applicant owes materials
APPLICANT_TIME = "申请人补正容缺材料"


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


def applicant_time(case: Case, events: list[CaseEvent], at: datetime | None) -> Span | None:
    """From the day after the supplement date until the owed materials all arrived; still
    running at ``at`` for a case that waits on its applicant past that date."""
    if case.supplement_by is None:
        return None
    start = day_after(case.supplement_by)
    done = next((handed_in(e) for e in events if e.kind == "supplemented"
                 and not e.payload.get("outstanding")), None)
    if done is not None:
        return Span(start, done, APPLICANT_TIME) if done > start else None
    if case.state in WAITING and at is not None and at >= start:
        return Span(start, None, APPLICANT_TIME)
    return None


def handed_in(event: CaseEvent) -> datetime:
    """When a supplement was handed in: its event's time, or the earlier ``handed_in_at`` of
    one recorded after a re-notice it had beaten."""
    given = event.payload.get("handed_in_at")
    return datetime.fromisoformat(given) if given else event.at


def stopped(case: Case, events: list[CaseEvent], at: datetime | None = None) -> list[Span]:
    """Every span the agency's clock stands still as seen at ``at``, in time order,
    overlapping ones merged."""
    spans = special_steps(events) + [s for s in [applicant_time(case, events, at)] if s]
    merged: list[Span] = []
    for span in sorted(spans, key=lambda x: x.start):
        last = merged[-1] if merged else None
        if last is not None and (last.end is None or span.start <= last.end):
            end = None if None in (last.end, span.end) else max(last.end, span.end)
            reasons = last.reason if span.reason in last.reason.split("；") else (
                f"{last.reason}；{span.reason}")
            merged[-1] = Span(last.start, end, reasons)
        else:
            merged.append(span)
    return merged


def build_clock(calendar: Any, case: Case, events: list[CaseEvent],
                at: datetime | None = None) -> calendars.Clock:
    """The case's clock rebuilt from its log as seen at ``at``: started at receipt (a rest
    day's counts from the next working day), stopped for every span of :func:`stopped`."""
    clock = calendars.Clock(calendar)
    clock.start(counted_from(calendar, case.submitted_at))
    for span in stopped(case, events, at):
        clock.pause(max(span.start, clock.started), span.reason)
        if span.end is not None:
            clock.resume(max(span.end, clock.started))
    return clock


def extension(events: list[CaseEvent]) -> dict[str, Any] | None:
    """The approved art. 42 extension (``extended`` event's payload), if any."""
    return next((e.payload for e in events if e.kind == "extended"), None)


def working_days(case: Case, which: str, events: list[CaseEvent] = ()) -> int | None:
    """A working-day limit of the decision with any approved extension; other units have no
    pausable clock."""
    limit = case.decision["time_limits"][which]
    if limit["unit"] != "working_days":
        return None
    extended = extension(events)
    return limit["amount"] + (extended["working_days"] if extended else 0)


def current_due(case: Case, clock: calendars.Clock, events: list[CaseEvent] = (),
                extra: int = 0) -> tuple[date | None, date | None]:
    """Committed and legal due dates now (with ``extra`` working days more); None while
    stopped (the end is not known yet)."""
    out = []
    for which, stored in (("committed", case.due_committed), ("legal", case.due_legal)):
        n = working_days(case, which, events)
        out.append(stored if n is None else clock.due(n + extra))
    return out[0], out[1]
