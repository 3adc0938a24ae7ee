"""Procedure clocks of a stored case (行政许可法): art. 45 special steps."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from kernel.core import InputError
from kernel.decide import due, item_names, special_step_notice
from kernel.models import SPECIAL_STEPS, TimeLimit
from kernel.store.caseclock import build_clock, current_due, special_steps
from kernel.store.db import writing
from kernel.store.intake import iso
from kernel.store.tables import ACTIVE, Case, now

STEP_UNITS = ("working_days", "calendar_days")


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


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


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
        with writing(self.engine) as s:
            out = self._catch_up(s, case_id, at)
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
        self.publish(out)

    def _step_payload(self: Any, case: Case, step: str, length: TimeLimit,
                      at: datetime) -> dict[str, Any]:
        until = _day(due(self.calendar(case), at, length))
        names = item_names(self.kernel.items.items[c] for c in case.items
                           if c in self.kernel.items.items)
        return {"reason": step, "length": length.model_dump(), "expected_end": iso(until),
                "notice": special_step_notice(names, step, length, until)}

    def refresh_due(self: Any, s: Session, case: Case, at: datetime) -> None:
        """Store the due dates the case's clock gives at ``at`` (None while it stands still)."""
        s.flush()
        clock = build_clock(self.calendar(case), case, self.events(s, case.id), at)
        case.due_committed, case.due_legal = current_due(case, clock)


class StateError(ValueError):
    """The action does not fit the case's state (409)."""

    def __init__(self, code: str, message: str, field: str | None = None):
        self.code, self.field = code, field
        super().__init__(message)
