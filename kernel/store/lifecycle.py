"""The case lifecycle (容缺受理): submit, supplement, re-notice, resume, terminate, complete."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlmodel import Session

from kernel.core import InputError
from kernel.decide import HALL_TZ
from kernel.manager import notify_each
from kernel.models import TimeLimit
from kernel.store import timers
from kernel.store.caseview import DEFAULT_WARNINGS, case_view, summary
from kernel.store.db import writing
from kernel.store.intake import (
    IdempotencyConflict,
    Intake,
    by_key,
    day_after,
    digest,
    event_row,
    iso,
    prepare,
)
from kernel.store.outbox import REDELIVER_AFTER, Event, Outbox, failures
from kernel.store.procedure import Procedures, StateError
from kernel.store.recompute import Recompute
from kernel.store.tables import Case, CaseEvent, Timer, now

__all__ = ["IdempotencyConflict", "Lifecycle", "NotFound", "StateError"]
log = logging.getLogger("onetrip.lifecycle")
DEFAULT_GRACE = TimeLimit(unit="calendar_days", amount=15)
TIMER_KINDS = ("supplement_due", "grace_due", "correction_notice_due")
# How far ahead of this server's clock an action may be dated (the caller's clock may run
# a little fast); anything later is a time that has not happened yet.
CLOCK_SKEW = timedelta(minutes=5)
# What the sweeper may have recorded after a supplement that was in time but recorded late.
SWEEPER_ONLY = {"re_notified", "due_recomputed"}


class NotFound(LookupError):
    def __init__(self, case_id: str):
        self.field = "id"
        super().__init__(f"no case {case_id!r}")


def _out_of_order(case_id: str, last: datetime) -> StateError:
    return StateError("out_of_order", f"case {case_id} has an event at {last.isoformat()}: "
                      "an action cannot be dated before it (event times never go back)", "at")


class Lifecycle(Procedures, Recompute):
    """Every change to a stored case; each runs in one transaction, then plugins hear of it."""

    def __init__(self, kernel: Any, thresholds: dict[str, int] | None = None,
                 redeliver_after: timedelta = REDELIVER_AFTER):
        self.kernel = kernel
        self.thresholds = {**DEFAULT_WARNINGS, **(thresholds or {})}
        self.outbox = Outbox(kernel, redeliver_after)
        self.intake = Intake(kernel, self.outbox)

    @property
    def engine(self):
        return self.kernel.db

    # -- submit ---------------------------------------------------------------------------

    def submit(self, data: Any, key: str | None = None) -> tuple[str, bool]:
        """Evaluate and store one application; returns (case id, newly created)."""
        sub = self.prepare(data, key)
        if isinstance(sub, str):
            return sub, False
        self.intake.commit([sub])
        if sub.error is not None:
            raise sub.error
        return sub.case_id, sub.created

    def prepare(self, data: Any, key: str | None = None) -> Any:
        """The id of the case stored earlier under ``key``, else the evaluated submission."""
        if key is not None:
            found = by_key(self.engine, key, digest(data))
            if found:
                return found
        return prepare(self.kernel, data, key)

    # -- actions on a stored case --------------------------------------------------------------

    def supplement(self, case_id: str, materials: list[str], at: datetime | None = None) -> None:
        """Tolerated materials brought in at ``at``.

        In time is judged by ``at``: a supplement handed in on its due day is in time even
        when it is recorded after the sweeper re-notified the case. It is then logged at the
        time of that re-notice (the log never goes back in time) with ``handed_in_at``, and
        the case goes to review without resuming.
        """
        at = at or now()
        with self.acting(case_id, at, in_order=False) as (s, out):
            case = self._case(s, case_id)
            if case.state not in ("awaiting_supplement", "re_notified"):
                raise StateError("not_awaiting_supplement",
                                 f"case {case_id} is {case.state}, not awaiting a supplement")
            owed = self.outstanding(s, case)
            for i, code in enumerate(materials):
                if code not in owed:
                    raise InputError(f"materials.{i}", f"material {code!r} is not owed "
                                     f"(owed: {', '.join(owed) or 'none'})")
            left = [m for m in owed if m not in materials]
            late_record = self._recorded_late(s, case, at)
            extra = {"materials": list(materials), "outstanding": left}
            if late_record is not None:
                extra.update(handed_in_at=at.isoformat(), in_time=True)
            out.append(self._event(s, case, "supplemented", late_record or at, extra))
            if not left:
                if case.state == "re_notified" and late_record is None:
                    out.append(self._event(s, case, "resumed", at, {}))
                case.state = "in_review"
                case.grace_by = None if late_record is not None else case.grace_by
                timers.cancel(s, case.id, late_record or at)
                self.refresh_due(s, case, late_record or at)  # applicant time is not the agency's

    def _recorded_late(self, s: Session, case: Case, at: datetime) -> datetime | None:
        """When a supplement dated ``at`` is in time but the sweeper has logged the case past
        it (a re-notice), the time of that last event; None when ``at`` is in order.

        Any other event after ``at`` makes it a 409: the case moved on meanwhile.
        """
        later = [e for e in self.events(s, case.id) if e.at > at]
        if not later:
            return None
        if (case.supplement_by is not None and at < day_after(case.supplement_by)
                and {e.kind for e in later} <= SWEEPER_ONLY):
            return max(e.at for e in later)
        raise _out_of_order(case.id, later[-1].at)

    # -- reading ---------------------------------------------------------------------------

    def get(self, case_id: str, as_of: datetime | None = None) -> dict[str, Any]:
        with Session(self.engine) as s:
            case = s.get(Case, case_id)
            if case is None:
                raise NotFound(case_id)
            events = self.events(s, case_id)
            owed = self.outstanding(s, case)
            undelivered = failures(s.connection(), case_id)
        return {**case_view(self.kernel, case, events, as_of or now(), self.thresholds, owed),
                "undelivered": undelivered}

    def brief(self, case_id: str) -> dict[str, Any]:
        with Session(self.engine) as s:
            row = s.execute(select(Case.id, Case.state, Case.decision)
                            .where(Case.id == case_id)).one()
        return {"id": row.id, "state": row.state, "decision": row.decision}

    def find(self, state: str | None = None, overdue: bool | None = None,
             as_of: datetime | None = None, limit: int = 100, offset: int = 0) -> list[dict]:
        q = select(Case).order_by(Case.submitted_at, Case.id).limit(limit).offset(offset)
        if state:
            q = q.where(Case.state == state)
        if overdue is not None:  # a case waiting on its applicant is never overdue
            today = (as_of or now()).astimezone(HALL_TZ).date()
            late = ((Case.state == "in_review") & Case.due_committed.is_not(None)
                    & (Case.due_committed < today))
            q = q.where(late if overdue else ~late)
        with Session(self.engine) as s:
            return [summary(c) for c in s.scalars(q)]

    # -- timers ---------------------------------------------------------------------------

    def sweep(self, as_of: datetime | None = None) -> int:
        """Fire due timers, deliver what plugins have not yet taken, then let plugins do
        their periodic work (``onetrip_sweep``); returns timers fired."""
        as_of = as_of or now()
        fired = timers.sweep(self.engine, self.fire, as_of, self.publish,
                             gave_up=self.timer_failed)
        self.outbox.redeliver()
        notify_each(self.kernel.pm, "onetrip_sweep", kernel=self.kernel, as_of=as_of,
                    thresholds=dict(self.thresholds))
        return fired

    def fire(self, s: Session, timer: Timer, at: datetime) -> list:
        """Act on one due timer (called inside the sweeper's transaction)."""
        case = self._case(s, timer.case_id)
        if timer.kind == "supplement_due" and case.state == "awaiting_supplement":
            return [self._renotify(s, case, at)]
        if timer.kind == "grace_due" and case.state == "re_notified":
            case.state = "terminated"
            return [self._event(s, case, "terminated", at, {
                "reason": "supplement_not_provided", "materials": self.outstanding(s, case),
                "supplement_by": iso(case.supplement_by), "grace_by": iso(case.grace_by),
                "materials_returned": True})]
        if timer.kind == "correction_notice_due" and case.state == "correction_required":
            return [self.deem_accepted(s, case, at)]
        if timer.kind not in TIMER_KINDS:  # scheduled by a newer version: retried until one runs
            raise LookupError(f"no handler for timer kind {timer.kind!r}")
        return []  # the case moved on: nothing left to do

    def timer_failed(self, s: Session, row: tuple[int, str, str, int], exc: BaseException,
                     at: datetime) -> list:
        """A timer given up after its last attempt: the case's log says so (``timer_failed``),
        for someone to act on what the timer would have done."""
        timer_id, kind, case_id, attempts = row
        case = self._case(s, case_id)
        return [self._event(s, case, "timer_failed", max(at, self._last_at(s, case) or at), {
            "timer": timer_id, "kind": kind, "attempts": attempts,
            "error": f"{type(exc).__name__}: {exc}"[:timers.ERROR_CHARS]})]

    def _renotify(self, s: Session, case: Case, at: datetime) -> tuple:
        grace = TimeLimit.model_validate(case.decision.get("supplement_grace") or DEFAULT_GRACE)
        noticed = at.astimezone(HALL_TZ).date()
        case.grace_by = self.calendar(case).due(noticed, grace).day
        case.state = "re_notified"
        self.refresh_due(s, case, at)  # the clock stands still from the supplement date
        timers.schedule(s, case.id, "grace_due", day_after(case.grace_by))
        return self._event(s, case, "re_notified", at, {
            "supplement_by": iso(case.supplement_by), "grace_by": iso(case.grace_by),
            "grace": grace.model_dump(), "materials": self.outstanding(s, case)})

    @contextmanager
    def acting(self, case_id: str, at: datetime, in_order: bool = True
               ) -> Iterator[tuple[Session, list]]:
        """One action on a case, as (session, events to publish once it has committed).

        ``at`` is checked first: not in the future, not before the case was submitted and,
        with ``in_order``, not before the case's last event (409), so event times of a case
        never go backwards. The case's timers due by ``at`` fire first, in a transaction of
        their own: what they did stands even when the action then refuses (a notice that
        came too late).
        """
        if at > now() + CLOCK_SKEW:
            raise InputError("at", f"{at.isoformat()} is in the future: an action is dated "
                             "when it happened")
        with writing(self.engine) as s:
            caught = self._catch_up(s, case_id, at)
        self.publish(caught)
        out: list = []
        with writing(self.engine) as s:
            timers.lock_pending(s, case_id)  # the sweeper's order: timers, then the case
            out += self._catch_up(s, case_id, at)  # fired meanwhile by another process
            self._dated(s, self._case(s, case_id), at, in_order)
            yield s, out
        self.publish(out)

    def _dated(self, s: Session, case: Case, at: datetime, in_order: bool) -> None:
        if at < case.submitted_at:
            raise InputError("at", f"{at.isoformat()} is before the case was submitted "
                             f"({case.submitted_at.isoformat()})")
        last = self._last_at(s, case)
        if in_order and last is not None and at < last:
            raise _out_of_order(case.id, last)

    def _last_at(self, s: Session, case: Case) -> datetime | None:
        return s.scalar(select(func.max(CaseEvent.at)).where(CaseEvent.case_id == case.id))

    def _catch_up(self, s: Session, case_id: str, at: datetime) -> list:
        """Fire this case's timers due by ``at`` first, so an action sees the state it would."""
        out: list = []
        while True:  # a failed timer waits for its retry time, so this ends
            what, fired = timers.fire_due(s, self.fire, at, case_id, self.timer_failed)
            if what is None:
                return out
            out += fired

    # -- helpers ----------------------------------------------------------------------------

    def calendar(self, case: Case) -> Any:
        """The calendar every date of ``case`` is counted on (its region's, or national)."""
        return self.kernel.calendar_for(case.region)

    def _case(self, s: Session, case_id: str) -> Case:
        case = s.scalars(select(Case).where(Case.id == case_id).with_for_update()).first()
        if case is None:
            raise NotFound(case_id)
        return case

    def events(self, s: Session, case_id: str) -> list[CaseEvent]:
        return list(s.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)
                              .order_by(CaseEvent.seq)))

    def outstanding(self, s: Session, case: Case) -> list[str]:
        owed = [m["material"] for m in case.decision.get("tolerated", [])]
        given = {m for e in self.events(s, case.id) if e.kind == "supplemented"
                 for m in e.payload["materials"]}
        return [m for m in owed if m not in given]

    def _event(self, s: Session, case: Case, kind: str, at: datetime, extra: dict) -> Event:
        s.flush()  # the case's pending changes first
        seq = (s.scalar(select(func.max(CaseEvent.seq))
                            .where(CaseEvent.case_id == case.id)) or 0) + 1
        row = event_row(case, kind, at, extra, seq)
        s.execute(insert(CaseEvent).values(row))
        case.updated_at = now()
        return Event(case.id, seq, kind, row["payload"])

    def publish(self, events: list[Event]) -> None:
        """Tell plugins of committed events (at least once: see kernel.store.outbox)."""
        self.outbox.events(events)
