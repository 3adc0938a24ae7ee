"""A stored case as callers see it: its clock, due dates, remaining days and warnings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import calendars
from kernel.store.caseclock import WAITING, build_clock, current_due, extension, working_days
from kernel.store.tables import ACTIVE, Case, CaseEvent

__all__ = ["DEFAULT_WARNINGS", "build_clock", "case_view", "clock_view", "current_due",
           "summary"]

DEFAULT_WARNINGS = {"yellow": 5, "red": 2}  # working days left that raise 预警


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
    deemed = any(e.kind == "deemed_accepted" for e in events)  # art. 32: accepted on receipt
    if case.outcome not in ("accepted", "accepted_with_tolerance") and not deemed:
        return {"running": False, "paused": False, "waiting_on_applicant": False, "pauses": [],
                "special_steps": [],
                "remaining_working_days": None, "warning": None}
    clock = build_clock(kernel.calendar_for(case.region), case, events, as_of)
    n = working_days(case, "committed", events)
    remaining, note = None, None
    if n is not None and case.state in ACTIVE:
        try:
            remaining = clock.remaining(max(as_of, clock.started), n)
        except calendars.CalendarCoverageError as exc:
            note = str(exc)
    waiting = case.state in WAITING and clock.paused  # the agency has nothing to warn of
    return {"running": case.state in ACTIVE and not clock.paused, "paused": clock.paused,
            "waiting_on_applicant": waiting,
            "pauses": [{"start": p.start, "end": p.end, "reason": p.reason}
                       for p in clock.pauses],
            "special_steps": announced_steps(events),
            "remaining_working_days": remaining,
            "warning": None if waiting else warning(remaining, thresholds),
            "note": note}


def announced_steps(events: list[CaseEvent]) -> list[dict[str, Any]]:
    """The art. 45 steps announced to the applicant, with their expected and actual ends."""
    steps: list[dict[str, Any]] = []
    for e in events:
        if e.kind == "paused" and "length" in e.payload:
            steps.append({"step": e.payload["reason"], "start": e.at, "end": None,
                          "length": e.payload["length"],
                          "expected_end": e.payload["expected_end"],
                          "notice": e.payload["notice"]})
        elif e.kind == "clock_resumed" and steps and steps[-1]["end"] is None:
            steps[-1]["end"] = e.at
    return steps


def case_view(kernel: Any, case: Case, events: list[CaseEvent], as_of: datetime,
              thresholds: dict[str, int], outstanding: list[str]) -> dict[str, Any]:
    return {
        "id": case.id, "state": case.state, "outcome": case.outcome,
        "applicant": {"kind": case.applicant_kind, "name": case.applicant_name,
                      "identifier": case.applicant_identifier},
        "items": case.items, "submitted_at": case.submitted_at,
        "received_on": case.received_on, "region": case.region,
        "served_on": case.decision.get("served_on"), "routing": case.decision.get("routing"),
        "due": {"committed": case.due_committed, "legal": case.due_legal},
        "supplement_by": case.supplement_by, "grace_by": case.grace_by,
        "extension": extension(events),
        "result": next((e.payload for e in events if e.kind == "completed"), None),
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
