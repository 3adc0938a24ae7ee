"""Storing submissions: evaluated outside any transaction, written many to one commit."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, StatementError

from kernel.core import InputError
from kernel.decide import HALL_TZ
from kernel.facts import CaseContext
from kernel.ids import mask
from kernel.models import Decision
from kernel.store.outbox import (
    CASES,
    EVENTS,
    Event,
    Mark,
    Outbox,
    listening,
    mark,
    mark_cases,
    write,
)
from kernel.store.tables import Timer, now

log = logging.getLogger("onetrip.intake")
TIMERS = Timer.__table__
STATE_OF = {"accepted": "in_review", "accepted_with_tolerance": "awaiting_supplement",
            "correction_required": "correction_required", "rejected": "rejected"}


class IdempotencyConflict(ValueError):
    def __init__(self) -> None:
        self.field = "Idempotency-Key"
        super().__init__("this Idempotency-Key was used with a different request body")


class Unstorable(InputError):
    """The database refused this case's rows for what they hold (a value too long for its
    column, say); the other cases of its batch are stored."""

    def __init__(self, exc: BaseException) -> None:
        super().__init__(None, "the case cannot be stored: the database refused a value "
                         f"({type(getattr(exc, 'orig', None) or exc).__name__})")


def refused_for_its_data(exc: BaseException) -> bool:
    """A statement failed because of the rows it carried, not because the database is unwell:
    a data or integrity error, or a value no column type could bind."""
    return isinstance(exc, (DataError, IntegrityError)) or (
        isinstance(exc, StatementError) and not isinstance(exc, DBAPIError))


def day_after(day: date) -> datetime:
    """Start of the next day in the hall's time zone: the moment a date-limit has passed."""
    return datetime.combine(day + timedelta(days=1), time(), HALL_TZ)


def digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class Submission:
    """One evaluated application and the rows that store it."""

    ctx: CaseContext
    decision: Decision
    key: str | None
    case: dict[str, Any]
    events: list[dict[str, Any]]
    timers: list[dict[str, Any]]
    created: bool = True
    flagged: bool = False
    error: BaseException | None = None
    case_id: str = field(init=False)

    def __post_init__(self) -> None:
        self.case_id = self.case["id"]

    def answer(self) -> dict[str, Any]:
        """What the caller is told: the stored case's id, state and decision."""
        return {"id": self.case_id, "state": self.case["state"], "decision": self.case["decision"],
                "created": self.created}


def prepare(kernel: Any, data: Any, key: str | None = None) -> Submission:
    """Evaluate an application and build its rows; touches no database."""
    case_id = uuid.uuid4().hex
    decision, ctx = kernel.evaluate(data, case_id=case_id)
    app, at, stamp = ctx.application, ctx.application.submitted_at, now()
    case = {
        "id": case_id, "state": STATE_OF[decision.outcome], "outcome": decision.outcome,
        "applicant_kind": app.applicant.kind, "applicant_name": app.applicant.name,
        "applicant_identifier": app.applicant.identifier, "items": [i.code for i in ctx.items],
        "application": app.model_dump(mode="json"), "decision": decision.model_dump(mode="json"),
        "rulesets": _rulesets(decision), "submitted_at": at,
        "region": kernel.calendar_for(app.region).region, "received_on": decision.received_on,
        "supplement_by": decision.supplement_by, "grace_by": None,
        "due_committed": _day(decision.due.committed), "due_legal": _day(decision.due.legal),
        "idempotency_key": key, "request_hash": digest(data) if key is not None else None,
        "updated_at": stamp, "decision_delivered_at": None, "decision_delivered_to": None}
    # where and when the hall served the applicant (a Saturday stays a Saturday here)
    served = {"channel": app.channel, "served_on": iso(decision.served_on),
              "window": app.window.model_dump(mode="json") if app.window else None}
    kinds = [("submitted", served),
             ("decided", {"outcome": decision.outcome})]
    if decision.notices:
        kinds.append(("notified", {
            "notices": decision.notices, "supplement_by": iso(decision.supplement_by),
            "materials": [m.material for m in decision.tolerated]}))
    at_iso = at.isoformat()  # slow with the parsed time zone: once per case, not per event
    events = [event_row(case, kind, at, extra, seq, at_iso)
              for seq, (kind, extra) in enumerate(kinds, 1)]
    timers = [_timer(case_id, kind, day) for kind, day in (
        ("supplement_due", decision.supplement_by),
        ("correction_notice_due", decision.correction_notice_by)) if day is not None]
    return Submission(ctx, decision, key, case, events, timers)


def _timer(case_id: str, kind: str, day: date) -> dict[str, Any]:
    """A timer row due once ``day`` is over."""
    return {"case_id": case_id, "kind": kind, "due_at": day_after(day), "fired_at": None,
            "cancelled_at": None, "fired_by": None, "attempts": 0, "last_error": None,
            "retry_at": None}


def event_row(case: Any, kind: str, at: datetime, extra: dict, seq: int,
              at_iso: str | None = None) -> dict[str, Any]:
    """A case_events row; ``case`` is a Case or a case row."""
    get = case.get if isinstance(case, dict) else case.__getattribute__
    payload = {"applicant": {"kind": get("applicant_kind"), "name": get("applicant_name"),
                             "identifier": get("applicant_identifier")},
               "items": list(get("items")), "at": at_iso or at.isoformat(), **extra}
    return {"case_id": get("id"), "seq": seq, "kind": kind, "at": at, "payload": payload,
            "recorded_at": now(), "delivered_at": None, "delivered_to": None}


def by_key(engine: Any, key: str, data_digest: str) -> str | None:
    """The case stored earlier under an Idempotency-Key; refuses a different body."""
    with engine.connect() as conn:
        row = conn.execute(select(CASES.c.id, CASES.c.request_hash)
                           .where(CASES.c.idempotency_key == key)).first()
    if row is not None and row.request_hash != data_digest:
        raise IdempotencyConflict()
    return row.id if row else None


class Intake:
    """Writes submissions: one transaction per batch, then plugins hear of them."""

    def __init__(self, kernel: Any, outbox: Outbox):
        self.kernel, self.outbox = kernel, outbox

    def commit(self, subs: list[Submission], ack: Callable[[list[Submission]], None]
               = lambda subs: None) -> None:
        """Store ``subs`` durably, then ``ack`` them, then deliver to plugins and mark.

        Nothing is acknowledged before its transaction has committed. A batch the database
        refuses for its data is stored case by case: a submission whose Idempotency-Key was
        taken meanwhile is answered with the earlier case, one whose own rows are refused
        carries an :class:`Unstorable` ``error``, the others are stored. Any other failure
        is every submission's ``error``.
        """
        quiet = self._pre_mark(subs)
        try:
            self._insert(subs)
        except Exception as exc:
            if not refused_for_its_data(exc):  # e.g. the database is down: nobody is stored
                for sub in subs:
                    sub.error = exc
            elif len(subs) > 1:  # one bad row spoils the batch: store each alone to find it
                log.warning("a batch of %d cases was refused (%s); storing each alone",
                            len(subs), type(exc).__name__)
                for sub in subs:
                    self.commit([sub], ack)
                return
            elif not (isinstance(exc, IntegrityError) and self._replay(subs[0])):
                subs[0].error = Unstorable(exc)
                log.warning("case %s not stored: %s", subs[0].case_id, subs[0].error)
        new = [s for s in subs if s.created and s.error is None]
        decisions = [self._decided(s) for s in new]
        ack(subs)
        events = [self.outbox.event(Event(e["case_id"], e["seq"], e["kind"], e["payload"]))
                  for s in new for e in s.events]
        if new and not quiet:
            self._mark(new, events, decisions)

    def _pre_mark(self, subs: list[Submission]) -> bool:
        """With no plugin listening there is nothing to deliver: rows are stored delivered."""
        pm = self.kernel.pm
        if listening(pm, "onetrip_case_event") or listening(pm, "onetrip_decision_made"):
            return False
        at = now()
        for sub in subs:
            sub.case.update(decision_delivered_at=at, decision_delivered_to=[])
            for e in sub.events:
                e.update(delivered_at=at, delivered_to=[])
        return True

    def _mark(self, new: list[Submission], events: list[Mark], decisions: list[Mark]) -> None:
        with write(self.kernel.db) as conn:
            if all(m.done for m in (*events, *decisions)):  # the common case: one statement
                mark_cases(conn, [s.case_id for s in new], events[0].took if events else [],
                           decisions[0].took if decisions else [])
            else:
                mark(conn, events, decisions)
            _reflag(conn, new)

    def _insert(self, subs: list[Submission]) -> None:
        with write(self.kernel.db) as conn:
            conn.execute(CASES.insert(), [s.case for s in subs])
            conn.execute(EVENTS.insert(), [e for s in subs for e in s.events])
            timers = [t for s in subs for t in s.timers]
            if timers:
                conn.execute(TIMERS.insert(), timers)
        for s in subs:
            log.info("case %s stored: %s for %s", s.case_id, s.decision.outcome,
                     mask(s.case["applicant_identifier"]))

    def _replay(self, sub: Submission) -> bool:
        """Answer with the case another request stored under the same key, if that is why."""
        if sub.key is None:
            return False
        try:
            found = by_key(self.kernel.db, sub.key, sub.case["request_hash"])
        except IdempotencyConflict as exc:
            sub.error = exc
            return True
        if found is None:
            return False
        sub.case = {**sub.case, "id": found}
        sub.case_id, sub.created = found, False
        with self.kernel.db.connect() as conn:
            row = conn.execute(select(CASES.c.state, CASES.c.decision)
                               .where(CASES.c.id == found)).one()
        sub.case.update(state=row.state, decision=row.decision)
        return True

    def _decided(self, sub: Submission) -> Mark:
        before = len(sub.decision.flags)
        got = self.outbox.decision(sub.ctx, sub.decision)
        if len(sub.decision.flags) != before:  # the caller and the stored case see the flags
            sub.case["decision"] = sub.decision.model_dump(mode="json")
            sub.flagged = True
        return got


def _reflag(conn: Any, subs: list[Submission]) -> None:
    """Store the decisions a failing plugin added a flag to."""
    changed = [{"k": s.case_id, "d": s.case["decision"]} for s in subs if s.flagged]
    if changed:
        conn.execute(CASES.update().where(CASES.c.id == bindparam("k"))
                     .values(decision=bindparam("d")), changed)


def _rulesets(decision: Decision) -> list[dict]:
    seen = {(t.ruleset, t.version, t.hash) for t in decision.trace if t.status == "fired"}
    return [{"ruleset": r, "version": v, "hash": h} for r, v, h in sorted(seen)]


def _day(value: date | datetime | None) -> date | None:
    return value.astimezone(HALL_TZ).date() if isinstance(value, datetime) else value


def iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
