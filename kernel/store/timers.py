"""Durable timers: rows fired exactly once by a sweeper, in the transaction that acts on them."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from kernel.store.db import writing
from kernel.store.tables import Timer

log = logging.getLogger("onetrip.timers")
WORKER = f"{socket.gethostname()}:{os.getpid()}"

# handler(session, timer, now) acts on the timer inside the sweeper's transaction and
# returns what to publish once that transaction has committed.
Handler = Callable[[Session, Timer, datetime], list]


def schedule(session: Session, case_id: str, kind: str, due_at: datetime) -> None:
    session.execute(insert(Timer).values(case_id=case_id, kind=kind, due_at=due_at))


def cancel(session: Session, case_id: str, when: datetime) -> None:
    """Cancel a case's pending timers (the awaited thing happened)."""
    session.execute(update(Timer).where(Timer.case_id == case_id, Timer.fired_at.is_(None),
                                        Timer.cancelled_at.is_(None)).values(cancelled_at=when))


def claim(session: Session, now: datetime, case_id: str | None = None) -> Timer | None:
    """The next due timer, row-locked: PostgreSQL skips rows another sweeper holds.

    On SQLite the caller's transaction already holds the database's single write lock.
    """
    q = (select(Timer).where(Timer.fired_at.is_(None), Timer.cancelled_at.is_(None),
                             Timer.due_at <= now).order_by(Timer.due_at, Timer.id).limit(1))
    if case_id is not None:
        q = q.where(Timer.case_id == case_id)
    if session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)
    return session.scalars(q).first()


def mark_fired(session: Session, timer: Timer, now: datetime, worker: str = WORKER) -> bool:
    """Set fired_at unless someone already did: the guard that makes firing exactly-once."""
    done = session.execute(update(Timer).where(Timer.id == timer.id, Timer.fired_at.is_(None))
                           .values(fired_at=now, fired_by=worker))
    return done.rowcount == 1


def fire_due(session: Session, handler: Handler, now: datetime,
             case_id: str | None = None) -> tuple[bool, list]:
    """Fire one due timer inside ``session``; returns (fired anything, things to publish)."""
    timer = claim(session, now, case_id)
    if timer is None:
        return False, []
    if not mark_fired(session, timer, now):
        return True, []
    return True, handler(session, timer, now)


def sweep(engine: Engine, handler: Handler, now: datetime,
          publish: Callable[[list], None], limit: int = 10_000) -> int:
    """Fire every timer due at ``now``, each in its own transaction; returns how many."""
    fired = 0
    while fired < limit:
        with writing(engine) as session:
            found, out = fire_due(session, handler, now)
        if not found:
            break
        fired += 1
        publish(out)
    if fired:
        log.info("sweeper %s fired %d timer(s) as of %s", WORKER, fired, now.isoformat())
    return fired
