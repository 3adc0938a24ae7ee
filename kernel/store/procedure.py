"""Procedure clocks of a stored case (行政许可法): the art. 32 correction notice, art. 42
extension, art. 45 special steps, and the decision with its service date (arts. 38, 44)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from kernel.core import InputError
from kernel.decide import (
    SERVICE,
    counted_from,
    extension_notice,
    item_names,
    result_notice,
    special_step_notice,
)
from kernel.models import SPECIAL_STEPS, TimeLimit
from kernel.store import timers
from kernel.store.caseclock import build_clock, current_due, extension, special_steps
from kernel.store.intake import iso
from kernel.store.tables import ACTIVE, Case, now

STEP_UNITS = ("working_days", "calendar_days")
RESULTS = ("granted", "not_granted")


class StateError(ValueError):
    """The action does not fit the case's state (409)."""

    def __init__(self, code: str, message: str, field: str | None = None):
        self.code, self.field = code, field
        super().__init__(message)


def special_step(reason: str | None, length: Any) -> TimeLimit:
    """Check an art. 45 pause: a step of the closed list and its expected length."""
    if reason not in SPECIAL_STEPS:
        raise InputError("reason", f"{reason!r} is not a step whose time art. 45 leaves out of "
                         f"the limit; one of {'、'.join(SPECIAL_STEPS)}")
    if length is None:
        raise InputError("length", "an art. 45 pause needs its expected length, told to the "
                         "applicant, e.g. {\"working_days\": 15}")
    length = TimeLimit.model_validate(length)
    if length.unit not in STEP_UNITS or length.amount < 1:
        raise InputError("length", "the expected length is a number (>= 1) of working_days "
                         "or calendar_days")
    return length


def _dues(committed: date | None, legal: date | None) -> dict[str, str | None]:
    return {"committed": iso(committed), "legal": iso(legal)}


class Procedures:
    """Mixed into :class:`kernel.store.lifecycle.Lifecycle`: the statutory procedure actions."""

    def clock(self: Any, case_id: str, action: str, reason: str | None = None,
              at: datetime | None = None, length: Any = None) -> None:
        """Pause the clock for an art. 45 step (with its expected length), or resume it.

        The pause's written notice (特别程序告知书) is in the ``paused`` event.
        """
        at = at or now()
        if action == "pause":
            length = special_step(reason, length)
        with self.acting(case_id, at) as (s, out):
            case = self._case(s, case_id)
            if case.state not in ACTIVE:
                raise StateError("invalid_state", f"case {case_id} is {case.state}: no clock runs")
            steps = special_steps(self.events(s, case.id))
            current = steps[-1] if steps and steps[-1].end is None else None
            if (action == "pause") == (current is not None):
                raise StateError("invalid_clock", f"the clock is already paused ({current.reason})"
                                 if current else "the clock is not paused", "action")
            if steps and at < (steps[-1].end or steps[-1].start):
                raise StateError("invalid_clock", "events must be in time order", "at")
            if action == "pause":
                out.append(self._event(s, case, "paused", at,
                                       self._step_payload(case, reason, length, at)))
            else:
                out.append(self._event(s, case, "clock_resumed", at,
                                       {"reason": reason or current.reason,
                                        "step": current.reason}))
            self.refresh_due(s, case, at)

    def complete(self: Any, case_id: str, result: str, reasons: list[str] = (),
                 at: datetime | None = None, review_body: str | None = None,
                 court: str | None = None) -> None:
        """Decide a case in review: ``granted``, or ``not_granted`` (不予许可) with reasons.

        The ``completed`` event carries the result, the written decision (a refusal names
        the applicant's right to 行政复议 or 行政诉讼) and ``deliver_by``, ten working days
        after the decision (art. 44).
        """
        at = at or now()
        if result not in RESULTS:
            raise InputError("result", f"the result is one of {', '.join(RESULTS)}")
        reasons = [r.strip() for r in reasons if r.strip()]
        if (result == "not_granted") != bool(reasons):
            raise InputError("reasons", "a refusal (not_granted) gives its reasons; a grant "
                             "gives none" if reasons else "a refusal (not_granted) gives its "
                             "reasons (行政许可法 art. 38)")
        with self.acting(case_id, at) as (s, out):
            case = self._case(s, case_id)
            if case.state != "in_review":
                raise StateError("invalid_state",
                                 f"case {case_id} is {case.state}: only a case in review completes")
            deliver_by = self.calendar(case).due(at, SERVICE).day
            case.state = "completed"
            out.append(self._event(s, case, "completed", at, {
                "result": result, "reasons": reasons, "deliver_by": iso(deliver_by),
                "notice": result_notice(self._names(case), result == "granted", reasons,
                                        deliver_by, review_body, court)}))
            timers.cancel(s, case.id, at)

    def correction_notice(self: Any, case_id: str, at: datetime | None = None) -> None:
        """Record that the one-time correction notice reached the applicant (art. 32).

        Too late (the sweeper, or this call's catching up, found the five working days over)
        the case was deemed accepted on receipt and this is a 409.
        """
        at = at or now()
        with self.acting(case_id, at) as (s, out):
            case = self._case(s, case_id)
            if case.state != "correction_required" or self._notice_given(s, case):
                raise StateError("invalid_state", f"case {case_id} is {case.state}"
                                 + (" (deemed accepted: no notice within five working days, "
                                    "art. 32)" if case.state in ACTIVE else "")
                                 + ": no correction notice is due")
            by = case.decision.get("correction_notice_by")
            out.append(self._event(s, case, "correction_notified", at,
                                   {"correction_notice_by": by}))
            timers.cancel(s, case.id, at)

    def _notice_given(self: Any, s: Session, case: Case) -> bool:
        return any(e.kind == "correction_notified" for e in self.events(s, case.id))

    def deem_accepted(self: Any, s: Session, case: Case, at: datetime) -> Any:
        """No correction notice within five working days: accepted on receipt (art. 32)."""
        cal = self.calendar(case)
        start = counted_from(cal, case.submitted_at)
        limits = case.decision["time_limits"]
        case.due_committed, case.due_legal = (
            cal.due(start, TimeLimit.model_validate(limits[which])).day
            for which in ("committed", "legal"))
        case.state = "in_review"
        return self._event(s, case, "deemed_accepted", at, {
            "reason": "correction_notice_not_given", "received_on": iso(start.date()),
            "correction_notice_by": case.decision.get("correction_notice_by"),
            "due": _dues(case.due_committed, case.due_legal),
            "basis": "《行政许可法》第三十二条：逾期不告知的，自收到申请材料之日起即为受理"})

    def extend(self: Any, case_id: str, approver: str, reason: str,
               at: datetime | None = None, working_days: int | None = None) -> None:
        """Extend the limit once, as approved by the organ head (行政许可法 art. 42).

        The decision's ``extension`` is the most allowed (10 working days, 15 for joint
        handling); the legal and the committed due dates both move, and the ``extended``
        event carries the notice telling the applicant why.
        """
        at = at or now()
        with self.acting(case_id, at) as (s, out):
            case = self._case(s, case_id)
            allowed = self._extension_allowed(case, self.events(s, case.id))
            days = allowed if working_days is None else working_days
            if not 1 <= days <= allowed:
                raise InputError("working_days", f"art. 42 allows this case at most {allowed} "
                                 "working days of extension")
            events = self.events(s, case.id)
            clock = build_clock(self.calendar(case), case, events, at)
            committed, legal = current_due(case, clock, events, extra=days)
            out.append(self._event(s, case, "extended", at, {
                "approver": approver, "reason": reason, "working_days": days,
                "allowed": allowed, "due_before": _dues(case.due_committed, case.due_legal),
                "due_after": _dues(committed, legal),
                "notice": extension_notice(self._names(case), days, approver, reason, legal)}))
            case.due_committed, case.due_legal = committed, legal

    def _extension_allowed(self: Any, case: Case, events: list) -> int:
        if case.state not in ACTIVE:
            raise StateError("invalid_state", f"case {case.id} is {case.state}: no limit runs")
        if extension(events) is not None:
            raise StateError("already_extended", "art. 42 allows one extension; this case has "
                             "had it", "working_days")
        allowed = case.decision.get("extension")
        if not allowed or case.decision["time_limits"]["legal"]["unit"] != "working_days":
            raise StateError("no_extension", "no rule allows this case's limit to be extended")
        return TimeLimit.model_validate(allowed).amount

    def _names(self: Any, case: Case) -> str:
        return item_names(self.kernel.items.items[c] for c in case.items
                          if c in self.kernel.items.items)

    def _step_payload(self: Any, case: Case, step: str, length: TimeLimit,
                      at: datetime) -> dict[str, Any]:
        until = self.calendar(case).due(at, length).day
        return {"reason": step, "length": length.model_dump(), "expected_end": iso(until),
                "notice": special_step_notice(self._names(case), step, length, until)}

    def refresh_due(self: Any, s: Session, case: Case, at: datetime) -> None:
        """Store the due dates the case's clock gives at ``at`` (None while it stands still)."""
        s.flush()
        events = self.events(s, case.id)
        clock = build_clock(self.calendar(case), case, events, at)
        case.due_committed, case.due_legal = current_due(case, clock, events)
