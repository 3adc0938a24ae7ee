"""A stored case as callers see it: its clock, due dates, remaining days and warnings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import calendars
from kernel.decide import counted_from
from kernel.store.tables import ACTIVE, Case, CaseEvent

DEFAULT_WARNINGS = {"yellow": 5, "red": 2}  # working days left that raise 预警


def _limit(case: Case, which: str) -> int | None:
    """A working-day limit of the decision; other units have no pausable clock."""
    limit = case.decision["time_limits"][which]
    return limit["amount"] if limit["unit"] == "working_days" else None


def build_clock(calendar: Any, case: Case, events: list[CaseEvent]) -> calendars.Clock:
    """The case's clock rebuilt from its log: started at receipt (a rest day's counts from the
    next working day), art. 45 pauses applied."""
    clock = calendars.Clock(calendar)
    clock.start(counted_from(calendar, case.submitted_at))
    for e in events:
        if e.kind == "paused":
            clock.pause(e.at, e.payload["reason"])
        elif e.kind == "clock_resumed":
            clock.resume(e.at)
    return clock


def current_due(case: Case, clock: calendars.Clock) -> tuple[date | None, date | None]:
    """Committed and legal due dates now; None while paused (the pause's end is unknown)."""
    out = []
    for which, stored in (("committed", case.due_committed), ("legal", case.due_legal)):
        n = _limit(case, which)
        out.append(stored if n is None else clock.due(n))
    return out[0], out[1]


def warning(remaining: int | None, thresholds: dict[str, int]) -> str | None:
    if remaining is None:
        return None
    if remaining < 0:
        return "overdue"
    if remaining <= thresholds["red"]:
        return "red"
    return "yellow" if remaining <= thresholds["yellow"] else None


def clock_view(kernel: Any, case: Case, events: list[CaseEvent], as_of: datetime,
               thresholds: dict[str, int]) -> dict[str, Any]:
    """Remaining working days, warning and pauses as of ``as_of`` (when the calendar knows it)."""
    if case.outcome not in ("accepted", "accepted_with_tolerance"):
        return {"running": False, "paused": False, "pauses": [], "remaining_working_days": None,
                "warning": None}
    clock = build_clock(kernel.calendar_for(case.region), case, events)
    n = _limit(case, "committed")
    remaining, note = None, None
    if n is not None and case.state in ACTIVE:
        try:
            remaining = clock.remaining(max(as_of, clock.started), n)
        except calendars.CalendarCoverageError as exc:
            note = str(exc)
    return {"running": case.state in ACTIVE and not clock.paused, "paused": clock.paused,
            "pauses": [{"start": p.start, "end": p.end, "reason": p.reason}
                       for p in clock.pauses],
            "remaining_working_days": remaining, "warning": warning(remaining, thresholds),
            "note": note}


def case_view(kernel: Any, case: Case, events: list[CaseEvent], as_of: datetime,
              thresholds: dict[str, int], outstanding: list[str]) -> dict[str, Any]:
    return {
        "id": case.id, "state": case.state, "outcome": case.outcome,
        "applicant": {"kind": case.applicant_kind, "name": case.applicant_name,
                      "identifier": case.applicant_identifier},
        "items": case.items, "submitted_at": case.submitted_at,
        "received_on": case.received_on, "region": case.region,
        "due": {"committed": case.due_committed, "legal": case.due_legal},
        "supplement_by": case.supplement_by, "grace_by": case.grace_by,
        "outstanding_materials": outstanding,
        "clock": clock_view(kernel, case, events, as_of, thresholds),
        "decision": case.decision, "rulesets": case.rulesets,
        "events": [{"seq": e.seq, "kind": e.kind, "at": e.at, "payload": e.payload}
                   for e in events],
    }


def summary(case: Case) -> dict[str, Any]:
    return {"id": case.id, "state": case.state, "outcome": case.outcome, "items": case.items,
            "submitted_at": case.submitted_at, "due_committed": case.due_committed,
            "supplement_by": case.supplement_by}
