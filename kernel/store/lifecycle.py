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
from kernel.models import TimeLimit
from kernel.store import timers
from kernel.store.caseview import DEFAULT_WARNINGS, case_view, summary
from kernel.store.db import writing
from kernel.store.intake import (
    IdempotencyConflict,
    Intake,
    day_after,
    digest,
    event_row,
    iso,
    prepare,
)
from kernel.store.outbox import REDELIVER_AFTER, Event, Outbox
from kernel.store.procedure import Procedures, StateError
from kernel.store.recompute import Recompute
from kernel.store.tables import Case, CaseEvent, Timer, now

__all__ = ["IdempotencyConflict", "Lifecycle", "NotFound", "StateError"]
log = logging.getLogger("onetrip.lifecycle")
DEFAULT_GRACE = TimeLimit(unit="calendar_days", amount=15)
TIMER_KINDS = ("supplement_due", "grace_due", "correction_notice_due")


class NotFound(LookupError):
    def __init__(self, case_id: str):
        self.field = "id"
        super().__init__(f"no case {case_id!r}")


class Lifecycle(Procedures, Recompute):
    """Every change to a stored case; each runs in one transaction, then plugins hear of it."""

    def __init__(self, kernel: Any, thresholds: dict[str, int] | None = None,
                 redeliver_after: timedelta = REDELIVER_AFTER):
        self.kernel = kernel
        self.thresholds = {**DEFAULT_WARNINGS, **(thresholds or {})}
        self.outbox = Outbox(kernel, redeliver_after)
        self.intake = Intake(kernel, self.outbox)
        self.deliverer: Any = None  # the API's delivery worker (kernel.store.delivery)

    @property
    def engine(self):
        return self.kernel.db

    # -- submit ---------------------------------------------------------------------------

    def submit(self, data: Any, key: str | None = None) -> tuple[str, bool]:
        """Evaluate and store one application; returns (case id, newly created)."""
        sub = self.prepare(data, key)
        self.intake.commit([sub])
        if sub.error is not None:
            raise sub.error
        return sub.case_id, sub.created

    def prepare(self, data: Any, key: str | None = None, sent: Any = None) -> Any:
        """The evaluated submission of ``data`` (a dict, or an Application already checked).

        ``sent`` is the request as its caller sent it (default ``data``): an
        ``Idempotency-Key`` is bound to its digest. A key stored before is found when the
        case is written (its unique index), and the caller gets the earlier case: no
        look-up per submission for the rare retry.
        """
        sub = prepare(self.kernel, data, key)
        if key is not None and sent is not None:
            sub.case["request_hash"] = digest(sent)
        return sub

    # -- actions on a stored case --------------------------------------------------------------

    def supplement(self, case_id: str, materials: list[str], at: datetime | None = None) -> None:
        at = at or now()
        with self.acting(case_id, at) as (s, out):
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
            out.append(self._event(s, case, "supplemented", at,
                                   {"materials": list(materials), "outstanding": left}))
            if not left:
                if case.state == "re_notified":
                    out.append(self._event(s, case, "resumed", at, {}))
                case.state = "in_review"
                timers.cancel(s, case.id, at)
                self.refresh_due(s, case, at)  # the applicant's time is not the agency's

    # -- reading ---------------------------------------------------------------------------

    def get(self, case_id: str, as_of: datetime | None = None) -> dict[str, Any]:
        with Session(self.engine) as s:
            case = s.get(Case, case_id)
            if case is None:
                raise NotFound(case_id)
            events = self.events(s, case_id)
            owed = self.outstanding(s, case)
        return case_view(self.kernel, case, events, as_of or now(), self.thresholds, owed)

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
        """Fire due timers, then deliver what plugins have not yet taken; returns timers fired."""
        fired = timers.sweep(self.engine, self.fire, as_of or now(), self.publish)
        self.outbox.redeliver()
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
    def acting(self, case_id: str, at: datetime) -> Iterator[tuple[Session, list]]:
        """One action on a case, as (session, events to publish once it has committed).

        The case's timers due by ``at`` fire first, in a transaction of their own: what they
        did stands even when the action then refuses (a notice that came too late).
        """
        with writing(self.engine) as s:
            caught = self._catch_up(s, case_id, at)
        self.publish(caught)
        out: list = []
        with writing(self.engine) as s:
            out += self._catch_up(s, case_id, at)  # fired meanwhile by another process
            yield s, out
        self.publish(out)

    def _catch_up(self, s: Session, case_id: str, at: datetime) -> list:
        """Fire this case's timers due by ``at`` first, so an action sees the state it would."""
        out: list = []
        while True:  # a failed timer waits for its retry time, so this ends
            what, fired = timers.fire_due(s, self.fire, at, case_id)
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
        """Tell plugins of committed events (at least once: see kernel.store.outbox); behind
        what the delivery worker still holds of their cases, so each case's stay in order."""
        if self.deliverer is not None and self.deliverer.holds_any(e.case_id for e in events):
            self.deliverer.put_events(events)
        else:
            self.outbox.events(events)
