"""Accountability (责任追究制): how late a completed case was, and the step that ran late.

Late means completed after the committed due date, counted on the case's clock: the art. 45
steps and the applicant's own time (补正 after a tolerance acceptance) stand outside it, so
they never count against the agency. The responsible step is the one in progress when the
committed time ran out: an OA step of one of the case's documents that was then open and
finished late (a notice not issued in time), else the case's own step then (审查决定 for a
case in review), with the department that held it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kernel.decide import HALL_TZ
from kernel.store.caseclock import build_clock, working_days
from kernel.store.intake import day_after

# The case's own steps, by the event that opens them; None: the time is not the agency's.
CASE_STEPS: dict[str, tuple[str, str] | None] = {
    "submitted": ("acceptance", "受理"),
    "accepted": ("review", "审查决定"),
    "accepted_with_tolerance": None,  # until the supplement date the review runs on …
    "correction_required": ("correction_notice", "一次性告知补正"),
    "supplemented": ("review", "审查决定"),
    "resumed": ("review", "审查决定"),
    "re_notified": None,
    "paused": None,
    "clock_resumed": ("review", "审查决定"),
    "deemed_accepted": ("review", "审查决定"),
    "extended": ("review", "审查决定"),
}


def overdue_days(calendar: Any, case: Any, events: list, which: str, at: datetime) -> int:
    """Working days past the ``which`` limit at ``at`` on the case's clock (0: in time)."""
    n = working_days(case, which, events)
    if n is None:  # hours or on the spot: whole working days after the due day
        due = case.due_committed if which == "committed" else case.due_legal
        day = at.astimezone(calendar.tz).date()
        return calendar.working_days_between(due, day) if due and day > due else 0
    clock = build_clock(calendar, case, events, at)
    return max(0, -clock.remaining(max(at, clock.started), n))


def case_step(case: Any, events: list, when: datetime) -> dict[str, Any]:
    """The case's own step in progress at ``when``."""
    step, started = ("acceptance", "受理"), case.submitted_at
    for e in events:
        if e.at > when or e.kind == "completed":
            break
        kind = e.payload.get("outcome") if e.kind == "decided" else e.kind
        if kind == "accepted_with_tolerance":
            kind = "accepted"  # the review runs while tolerated materials are awaited
        if kind in CASE_STEPS:
            opened = CASE_STEPS[kind]
            if opened is not None and opened != step:
                step, started = opened, e.at
    return {"source": "case", "step": step[0], "name": step[1], "started_at": _iso(started)}


def oa_step(steps: list[dict[str, Any]], when: datetime, end: datetime) -> dict[str, Any] | None:
    """The OA step of the case's documents open at ``when`` and late, earliest due first."""
    late = [s for s in steps if s["started_at"] <= when
            and (s["finished_at"] is None or s["finished_at"] > when)
            and (s["finished_at"] or end) > s["due_at"]]
    if not late:
        return None
    s = min(late, key=lambda x: x["due_at"])
    return {"source": "oa", "step": s["step"], "name": s["name"], "document": s["doc_id"],
            "title": s["title"], "department": s["lead"],
            "started_at": _iso(s["started_at"]), "due_at": _iso(s["due_at"]),
            "finished_at": _iso(s["finished_at"])}


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.astimezone(HALL_TZ).isoformat()


def responsible_step(case: Any, events: list, oa_steps: list[dict[str, Any]],
                     completed_at: datetime, department: str) -> dict[str, Any]:
    """Where the committed time ran out: the moment after the committed due day."""
    ran_out = day_after(case.due_committed)
    found = oa_step(oa_steps, ran_out, completed_at)
    if found is None:
        found = case_step(case, events, ran_out) | {"department": department}
    return found | {"ran_out_at": ran_out.isoformat()}
