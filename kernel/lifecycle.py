"""The case lifecycle (容缺受理): submit, supplement, re-notice, resume, terminate, complete."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from kernel import timers
from kernel.caseview import DEFAULT_WARNINGS, build_clock, case_view, current_due, summary
from kernel.core import InputError
from kernel.db import writing
from kernel.decide import HALL_TZ
from kernel.ids import mask
from kernel.models import Decision, TimeLimit
from kernel.store import ACTIVE, Case, CaseEvent, Timer, now

log = logging.getLogger("onetrip.lifecycle")
STATE_OF = {"accepted": "in_review", "accepted_with_tolerance": "awaiting_supplement",
            "correction_required": "correction_required", "rejected": "rejected"}
DEFAULT_GRACE = TimeLimit(unit="calendar_days", amount=15)


class NotFound(LookupError):
    def __init__(self, case_id: str):
        self.field = "id"
        super().__init__(f"no case {case_id!r}")


class StateError(ValueError):
    """The action does not fit the case's state (409)."""

    def __init__(self, code: str, message: str, field: str | None = None):
        self.code, self.field = code, field
        super().__init__(message)


class IdempotencyConflict(ValueError):
    def __init__(self) -> None:
        self.field = "Idempotency-Key"
        super().__init__("this Idempotency-Key was used with a different request body")


def day_after(day: date) -> datetime:
    """Start of the next day in the hall's time zone: the moment a date-limit has passed."""
    return datetime.combine(day + timedelta(days=1), time(), HALL_TZ)


class Lifecycle:
    """Every change to a stored case; each runs in one transaction, then plugins hear of it."""

    def __init__(self, kernel: Any, thresholds: dict[str, int] | None = None):
        self.kernel = kernel
        self.thresholds = {**DEFAULT_WARNINGS, **(thresholds or {})}

    @property
    def engine(self):
        return self.kernel.db

    # -- submit ---------------------------------------------------------------------------

    def submit(self, data: Any, key: str | None = None) -> tuple[str, bool]:
        """Evaluate and store one application; returns (case id, newly created)."""
        digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
        if key is not None:
            found = self._by_key(key, digest)
            if found:
                return found, False
        case_id = uuid.uuid4().hex
        decision, ctx = self.kernel.evaluate(data, case_id=case_id)
        try:
            with writing(self.engine) as s:
                out = self._store(s, ctx, decision, key, digest)
        except IntegrityError:
            if key is None:
                raise
            found = self._by_key(key, digest)  # another request with the same key won
            if not found:
                raise
            return found, False
        before = len(decision.flags)
        self.kernel.decided(ctx, decision)
        if len(decision.flags) != before:
            with writing(self.engine) as s:
                s.get(Case, case_id).decision = decision.model_dump(mode="json")
        self.publish(out)
        return case_id, True

    def _by_key(self, key: str, digest: str) -> str | None:
        with Session(self.engine) as s:
            row = s.execute(select(Case.id, Case.request_hash)
                            .where(Case.idempotency_key == key)).first()
        if row is not None and row.request_hash != digest:
            raise IdempotencyConflict()
        return row.id if row else None

    def _store(self, s: Session, ctx: Any, decision: Decision, key: str | None,
               digest: str) -> list:
        app = ctx.application
        at = app.submitted_at
        case = Case(
            id=ctx.case_id, state=STATE_OF[decision.outcome], outcome=decision.outcome,
            applicant_kind=app.applicant.kind, applicant_name=app.applicant.name,
            applicant_identifier=app.applicant.identifier, items=[i.code for i in ctx.items],
            application=app.model_dump(mode="json"), decision=decision.model_dump(mode="json"),
            rulesets=_rulesets(decision), submitted_at=at, supplement_by=decision.supplement_by,
            due_committed=_day(decision.due.committed), due_legal=_day(decision.due.legal),
            idempotency_key=key, request_hash=digest, updated_at=now())
        # Core inserts, not the ORM's unit of work: submission is the API's hot path.
        s.execute(insert(Case).values(case.model_dump()))
        events = [("submitted", {"channel": app.channel}),
                  ("decided", {"outcome": decision.outcome})]
        if decision.notices:
            events.append(("notified", {
                "notices": decision.notices, "supplement_by": _iso(decision.supplement_by),
                "materials": [m.material for m in decision.tolerated]}))
        rows = [self._row(case, kind, at, extra, seq) for seq, (kind, extra) in
                enumerate(events, 1)]
        s.execute(insert(CaseEvent), rows)
        out = [(case.id, r["kind"], r["payload"]) for r in rows]
        if decision.supplement_by is not None:
            timers.schedule(s, case.id, "supplement_due", day_after(decision.supplement_by))
        log.info("case %s stored: %s for %s", case.id, decision.outcome,
                 mask(case.applicant_identifier))
        return out

    # -- actions on a stored case --------------------------------------------------------------

    def supplement(self, case_id: str, materials: list[str], at: datetime | None = None) -> None:
        at = at or now()
        with writing(self.engine) as s:
            out = self._catch_up(s, case_id, at)
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
        self.publish(out)

    def clock(self, case_id: str, action: str, reason: str, at: datetime | None = None) -> None:
        at = at or now()
        with writing(self.engine) as s:
            out = self._catch_up(s, case_id, at)
            case = self._case(s, case_id)
            if case.state not in ACTIVE:
                raise StateError("invalid_state", f"case {case_id} is {case.state}: no clock runs")
            clock = build_clock(self.kernel.calendar, case, self.events(s, case.id))
            try:
                clock.pause(at, reason) if action == "pause" else clock.resume(at)
            except ValueError as exc:
                raise StateError("invalid_clock", str(exc), "action") from None
            kind = "paused" if action == "pause" else "clock_resumed"
            out.append(self._event(s, case, kind, at, {"reason": reason}))
            case.due_committed, case.due_legal = current_due(case, clock)
        self.publish(out)

    def complete(self, case_id: str, at: datetime | None = None) -> None:
        at = at or now()
        with writing(self.engine) as s:
            out = self._catch_up(s, case_id, at)
            case = self._case(s, case_id)
            if case.state != "in_review":
                raise StateError("invalid_state",
                                 f"case {case_id} is {case.state}: only a case in review completes")
            case.state = "completed"
            out.append(self._event(s, case, "completed", at, {}))
            timers.cancel(s, case.id, at)
        self.publish(out)

    # -- reading ---------------------------------------------------------------------------

    def get(self, case_id: str, as_of: datetime | None = None) -> dict[str, Any]:
        with Session(self.engine) as s:
            case = s.get(Case, case_id)
            if case is None:
                raise NotFound(case_id)
            events = self.events(s, case_id)
            owed = self.outstanding(s, case)
        return case_view(self.kernel, case, events, as_of or now(), self.thresholds, owed)

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
        if overdue is not None:
            today = (as_of or now()).astimezone(HALL_TZ).date()
            late = Case.state.in_(ACTIVE) & (Case.due_committed < today)
            q = q.where(late if overdue else ~late)
        with Session(self.engine) as s:
            return [summary(c) for c in s.scalars(q)]

    # -- timers ---------------------------------------------------------------------------

    def sweep(self, as_of: datetime | None = None) -> int:
        return timers.sweep(self.engine, self.fire, as_of or now(), self.publish)

    def fire(self, s: Session, timer: Timer, at: datetime) -> list:
        """Act on one due timer (called inside the sweeper's transaction)."""
        case = self._case(s, timer.case_id)
        if timer.kind == "supplement_due" and case.state == "awaiting_supplement":
            return [self._renotify(s, case, at)]
        if timer.kind == "grace_due" and case.state == "re_notified":
            case.state = "terminated"
            return [self._event(s, case, "terminated", at, {
                "reason": "supplement_not_provided", "materials": self.outstanding(s, case),
                "supplement_by": _iso(case.supplement_by), "grace_by": _iso(case.grace_by),
                "materials_returned": True})]
        return []

    def _renotify(self, s: Session, case: Case, at: datetime) -> tuple:
        grace = TimeLimit.model_validate(case.decision.get("supplement_grace") or DEFAULT_GRACE)
        noticed = at.astimezone(HALL_TZ).date()
        cal = self.kernel.calendar
        case.grace_by = (cal.add_working_days(noticed, grace.amount)
                         if grace.unit == "working_days"
                         else cal.add_calendar_days(noticed, grace.amount))
        case.state = "re_notified"
        timers.schedule(s, case.id, "grace_due", day_after(case.grace_by))
        return self._event(s, case, "re_notified", at, {
            "supplement_by": _iso(case.supplement_by), "grace_by": _iso(case.grace_by),
            "grace": grace.model_dump(), "materials": self.outstanding(s, case)})

    def _catch_up(self, s: Session, case_id: str, at: datetime) -> list:
        """Fire this case's timers due by ``at`` first, so an action sees the state it would."""
        out: list = []
        while True:
            found, fired = timers.fire_due(s, self.fire, at, case_id)
            if not found:
                return out
            out += fired

    # -- helpers ----------------------------------------------------------------------------

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

    def _event(self, s: Session, case: Case, kind: str, at: datetime, extra: dict) -> tuple:
        s.flush()  # the case's pending changes first
        seq = (s.scalar(select(func.max(CaseEvent.seq))
                            .where(CaseEvent.case_id == case.id)) or 0) + 1
        row = self._row(case, kind, at, extra, seq)
        s.execute(insert(CaseEvent).values(row))
        case.updated_at = now()
        return case.id, kind, row["payload"]

    @staticmethod
    def _row(case: Case, kind: str, at: datetime, extra: dict, seq: int) -> dict[str, Any]:
        payload = {"applicant": {"kind": case.applicant_kind, "name": case.applicant_name,
                                 "identifier": case.applicant_identifier},
                   "items": list(case.items), "at": at.isoformat(), **extra}
        return {"case_id": case.id, "seq": seq, "kind": kind, "at": at, "payload": payload,
                "recorded_at": now()}

    def publish(self, events: list) -> None:
        """Tell plugins of committed events; a failing plugin is logged, never undoes them."""
        hook = self.kernel.pm.hook.onetrip_case_event
        for case_id, kind, payload in events:
            for impl in hook.get_hookimpls():
                kw = {"case_id": case_id, "event": kind, "payload": payload}
                try:
                    impl.function(*(kw[a] for a in impl.argnames))
                except Exception:
                    log.exception("plugin %s failed in onetrip_case_event (%s, case %s)",
                                  impl.plugin_name, kind, case_id)


def _rulesets(decision: Decision) -> list[dict]:
    seen = {(t.ruleset, t.version, t.hash) for t in decision.trace if t.status == "fired"}
    return [{"ruleset": r, "version": v, "hash": h} for r, v, h in sorted(seen)]


def _day(value: date | datetime | None) -> date | None:
    return value.astimezone(HALL_TZ).date() if isinstance(value, datetime) else value


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
