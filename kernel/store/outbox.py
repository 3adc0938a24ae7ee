"""The plugin outbox: each committed case event and stored decision reaches plugins at least once.

Events and decisions are stored undelivered; after their transaction commits the kernel calls
the plugins and then marks them delivered. A crash or a failing plugin in between leaves the
mark unset, and :meth:`Outbox.redeliver` (run by every sweep) calls the plugins that have
not yet taken them. A plugin may therefore hear of one thing twice: its hooks are idempotent.

A failed delivery is recorded (``delivery_failures``: attempts, the error, the next try: the
next sweep, then after 1, 2, 4 … minutes, at most an hour apart) and logged; redelivery
passes it by until then, so a row some plugin cannot take never holds up the others. The
case view lists it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Connection, bindparam, delete, exists, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from kernel.facts import CaseContext
from kernel.ids import mask_text
from kernel.manager import PluginError, plugin_calls
from kernel.models import Application, Decision
from kernel.store.tables import Case, CaseEvent, DeliveryFailure, now
from kernel.store.timers import ERROR_CHARS, backoff

log = logging.getLogger("onetrip.outbox")
EVENTS, CASES, FAILURES = CaseEvent.__table__, Case.__table__, DeliveryFailure.__table__
DECISION = 0  # the seq of a case's decision among its delivery failures
REDELIVER_AFTER = timedelta(seconds=60)  # younger rows are still in their live delivery


class Event(NamedTuple):
    """A committed case event, as plugins hear of it."""

    case_id: str
    seq: int
    kind: str
    payload: dict[str, Any]


class Mark(NamedTuple):
    """Who took one event or decision: delivered when nobody is left; else why not."""

    key: tuple
    done: bool
    took: list[str]
    error: str | None = None


_MARK_EVENT = (EVENTS.update().where(EVENTS.c.case_id == bindparam("k_case"),
                                     EVENTS.c.seq == bindparam("k_seq"))
               .values(delivered_at=bindparam("b_at"), delivered_to=bindparam("b_to")))
_MARK_CASE = (CASES.update().where(CASES.c.id == bindparam("k_case"))
              .values(decision_delivered_at=bindparam("b_at"),
                      decision_delivered_to=bindparam("b_to")))


def write(engine: Engine) -> Any:
    """A connection in one write transaction (SQLite's write lock taken at BEGIN)."""
    from kernel.store.db import WRITE_OPTION

    return engine.execution_options(**{WRITE_OPTION: True}).begin()


class Outbox:
    """Calls plugins for committed things and records who took them."""

    def __init__(self, kernel: Any, redeliver_after: timedelta = REDELIVER_AFTER):
        self.kernel = kernel
        self.redeliver_after = redeliver_after

    def _call(self, hook: str, kwargs: dict[str, Any], skip: list[str]) -> tuple[list, list]:
        """Each plugin not in ``skip`` in turn; returns (names that took it, PluginErrors)."""
        took, failed = list(skip), []
        for plugin, call in plugin_calls(self.kernel.pm, hook):
            if plugin in skip:
                continue
            try:
                call(**kwargs)
                took.append(plugin)
            except Exception as exc:
                failed.append(PluginError(plugin, hook, exc))
                log.exception("%s", failed[-1])
        return took, failed

    # -- delivering -----------------------------------------------------------------------

    def event(self, e: Event, skip: list[str] = ()) -> Mark:
        took, failed = self._call("onetrip_case_event", {
            "case_id": e.case_id, "event": e.kind, "payload": e.payload}, list(skip))
        return Mark((e.case_id, e.seq), not failed, took, _why(failed))

    def decision(self, ctx: CaseContext, decision: Decision, skip: list[str] = ()) -> Mark:
        """onetrip_decision_made; a failing plugin adds a flag to ``decision``."""
        took, failed = self._call("onetrip_decision_made",
                                  {"case": ctx, "decision": decision}, list(skip))
        decision.flags += [{"code": "plugin_error", "message": str(err)} for err in failed]
        return Mark((ctx.case_id,), not failed, took, _why(failed))

    def events(self, events: list[Event]) -> None:
        """Deliver committed events in order, then mark them (one transaction)."""
        if events:
            marks = [self.event(e) for e in events]
            with write(self.kernel.db) as conn:
                mark(conn, marks, [])

    # -- catching up ----------------------------------------------------------------------

    def redeliver(self, at: datetime | None = None, limit: int = 1000) -> int:
        """Deliver decisions and events left undelivered (a crash, a failing plugin)."""
        at = at or now()
        before = at - self.redeliver_after
        decisions = self._pending_decisions(before, limit, at)
        events = self._pending_events(before, limit, at)
        if not (decisions or events):
            return 0
        with write(self.kernel.db) as conn:
            mark(conn, events, decisions)
            forget(conn, [m for m in events + decisions if m.done])
        log.info("outbox: redelivered %d decision(s), %d event(s)", len(decisions), len(events))
        return len(decisions) + len(events)

    def _pending_events(self, before: datetime, limit: int, at: datetime) -> list[Mark]:
        q = (select(EVENTS.c.case_id, EVENTS.c.seq, EVENTS.c.kind, EVENTS.c.payload,
                    EVENTS.c.delivered_to)
             .where(EVENTS.c.delivered_at.is_(None), EVENTS.c.recorded_at <= before,
                    ~_waiting(EVENTS.c.case_id, EVENTS.c.seq, at))
             .order_by(EVENTS.c.id).limit(limit))
        with self.kernel.db.connect() as conn:
            rows = conn.execute(q).all()
        return [self.event(Event(r.case_id, r.seq, r.kind, r.payload), r.delivered_to or [])
                for r in rows]

    def _pending_decisions(self, before: datetime, limit: int, at: datetime) -> list[Mark]:
        q = (select(CASES.c.id, CASES.c.application, CASES.c["items"], CASES.c.decision,
                    CASES.c.decision_delivered_to)
             .where(CASES.c.decision_delivered_at.is_(None), CASES.c.updated_at <= before,
                    ~_waiting(CASES.c.id, DECISION, at))
             .order_by(CASES.c.updated_at).limit(limit))
        with self.kernel.db.connect() as conn:
            rows = conn.execute(q).all()
        out = []
        for r in rows:
            try:
                app = Application.model_validate(r.application)
                decision = Decision.model_validate(r.decision)
            except ValueError:  # stored by another version: nothing to hand over as it was
                log.exception("outbox: case %s's decision cannot be rebuilt; left undelivered",
                              r.id)
                continue
            known = self.kernel.items.items
            items = tuple(known[c] for c in r.items if c in known)
            ctx = CaseContext(app, items, app.submitted_at, r.id)
            out.append(self.decision(ctx, decision, r.decision_delivered_to or []))
        return out


def mark(conn: Connection, events: list[Mark], decisions: list[Mark]) -> None:
    """Record who took what; a row is delivered once every plugin did, else its failure is
    recorded with the time of its next try."""
    at = now()
    for stmt, marks in ((_MARK_EVENT, events), (_MARK_CASE, decisions)):
        if marks:
            conn.execute(stmt, [{"k_case": m.key[0], "k_seq": m.key[-1],
                                 "b_at": at if m.done else None, "b_to": m.took} for m in marks])
    for m in events + decisions:
        if not m.done:
            _failed(conn, m, at)


def _why(failed: list[PluginError]) -> str | None:
    return mask_text("; ".join(map(str, failed)))[:ERROR_CHARS] if failed else None


def _key(m: Mark) -> tuple[str, int]:
    return m.key[0], m.key[1] if len(m.key) > 1 else DECISION


def _waiting(case_id: Any, seq: Any, at: datetime) -> Any:
    """A failure of this row whose next try is not yet due at ``at``."""
    return exists().where(FAILURES.c.case_id == case_id, FAILURES.c.seq == seq,
                          FAILURES.c.retry_at > at)


def retry_after(attempts: int) -> timedelta:
    """The wait after ``attempts`` failed deliveries: none after the first (the next sweep
    tries again, once the row is older than the live delivery's window), then 1, 2, 4 …
    minutes, at most an hour."""
    return timedelta(0) if attempts <= 1 else backoff(attempts - 1)


def _failed(conn: Connection, m: Mark, at: datetime) -> None:
    """One more failed attempt: counted, its error kept, its next try put off."""
    case_id, seq = _key(m)
    row = conn.execute(select(FAILURES.c.attempts).where(
        FAILURES.c.case_id == case_id, FAILURES.c.seq == seq)).first()
    attempts = (row.attempts if row else 0) + 1
    values = {"attempts": attempts, "last_error": m.error or "not taken",
              "retry_at": at + retry_after(attempts)}
    insert = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(FAILURES)
    conn.execute(insert.values(case_id=case_id, seq=seq, first_failed_at=at, **values)
                 .on_conflict_do_update(index_elements=["case_id", "seq"], set_=values))
    log.error("outbox: %s of case %s not taken (attempt %d), next try from %s: %s",
              "decision" if seq == DECISION else f"event {seq}", case_id, attempts,
              values["retry_at"].isoformat(), m.error)


def forget(conn: Connection, delivered: list[Mark]) -> None:
    """Rows now delivered need no further try."""
    if delivered:
        conn.execute(delete(FAILURES).where(
            tuple_(FAILURES.c.case_id, FAILURES.c.seq).in_([_key(m) for m in delivered])))


def failures(conn: Connection, case_id: str) -> list[dict[str, Any]]:
    """A case's deliveries that failed and wait for their next try."""
    rows = conn.execute(select(FAILURES).where(FAILURES.c.case_id == case_id)
                        .order_by(FAILURES.c.seq)).mappings()
    return [{"what": "decision" if r["seq"] == DECISION else "event", "seq": r["seq"] or None,
             "attempts": r["attempts"], "last_error": r["last_error"],
             "first_failed_at": r["first_failed_at"], "retry_at": r["retry_at"]} for r in rows]


def mark_cases(conn: Connection, case_ids: list[str], events_to: list[str],
               decision_to: list[str]) -> None:
    """New cases whose every event and decision all plugins took: one statement a table."""
    at, ids = now(), bindparam("ids", expanding=True)
    conn.execute(EVENTS.update().where(EVENTS.c.case_id.in_(ids))
                 .values(delivered_at=at, delivered_to=events_to), {"ids": case_ids})
    conn.execute(CASES.update().where(CASES.c.id.in_(ids))
                 .values(decision_delivered_at=at, decision_delivered_to=decision_to),
                 {"ids": case_ids})


def listening(pm: Any, hook: str) -> bool:
    return bool(getattr(pm.hook, hook).get_hookimpls())
