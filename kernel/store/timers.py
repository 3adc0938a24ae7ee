"""Durable timers: rows fired exactly once by a sweeper, in the transaction that acts on them.

Each timer is handled on its own: a handler that raises is rolled back to a savepoint, its
error and attempt count are stored on the row, and it is retried after a growing pause
(:func:`backoff`); the sweep goes on with the other timers. After :data:`MAX_ATTEMPTS`
failures the timer is given up: ``failed_at`` is set, an error is logged, and the caller's
``gave_up`` callback records it (the lifecycle appends a ``timer_failed`` event to the case).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import insert, or_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from kernel.store.db import writing
from kernel.store.tables import Timer

log = logging.getLogger("onetrip.timers")
WORKER = f"{socket.gethostname()}:{os.getpid()}"

# handler(session, timer, now) acts on the timer inside the sweeper's transaction and
# returns what to publish once that transaction has committed.
Handler = Callable[[Session, Timer, datetime], list]
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)
ERROR_CHARS = 2000  # enough for the exception's message; the full trace goes to the log
# Tries before a timer is given up: 1+2+4+…+60 minutes, about six hours of retries, long
# enough for a deployment that brings the handler back, short enough to be noticed the day
# it happens.
MAX_ATTEMPTS = 10
# gave_up(session, (timer id, kind, case id, attempts), error, now) → things to publish
GaveUp = Callable[[Session, tuple[int, str, str, int], BaseException, datetime], list]


def backoff(attempts: int) -> timedelta:
    """The wait before the next try after ``attempts`` failures: 1, 2, 4 … minutes, at most 1 h."""
    doublings = min(max(attempts - 1, 0), 20)  # past the cap long before; keeps the number small
    return min(FIRST_RETRY * 2 ** doublings, LONGEST_RETRY)


def schedule(session: Session, case_id: str, kind: str, due_at: datetime) -> None:
    session.execute(insert(Timer).values(case_id=case_id, kind=kind, due_at=due_at))


def cancel(session: Session, case_id: str, when: datetime) -> None:
    """Cancel a case's pending timers (the awaited thing happened)."""
    session.execute(update(Timer).where(Timer.case_id == case_id, Timer.fired_at.is_(None),
                                        Timer.cancelled_at.is_(None)).values(cancelled_at=when))


def lock_pending(session: Session, case_id: str) -> None:
    """Lock a case's pending timers before the case itself, as the sweeper does (it claims a
    timer, then locks its case): an action taking the case first and a timer next could
    deadlock with it on PostgreSQL. SQLite's one write lock orders everything already."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Timer.id).where(
            Timer.case_id == case_id, Timer.fired_at.is_(None), Timer.cancelled_at.is_(None))
            .order_by(Timer.id).with_for_update())


def claim(session: Session, now: datetime, case_id: str | None = None) -> Timer | None:
    """The next due timer, row-locked: PostgreSQL skips rows another sweeper holds.

    On SQLite the caller's transaction already holds the database's single write lock.
    """
    q = (select(Timer).where(Timer.fired_at.is_(None), Timer.cancelled_at.is_(None),
                             Timer.failed_at.is_(None), Timer.due_at <= now,
                             or_(Timer.retry_at.is_(None), Timer.retry_at <= now))
         .order_by(Timer.due_at, Timer.id).limit(1))
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


def failed(session: Session, timer: tuple[int, str, str, int], now: datetime,
           exc: BaseException) -> bool:
    """Record a failed attempt on the timer row (id, kind, case, attempts before) and when
    to try it again; True when that was the last attempt and the timer is given up."""
    timer_id, kind, case_id, before = timer
    attempts = before + 1
    last = attempts >= MAX_ATTEMPTS
    retry = None if last else now + backoff(attempts)
    session.execute(update(Timer).where(Timer.id == timer_id).values(
        attempts=attempts, last_error=f"{type(exc).__name__}: {exc}"[:ERROR_CHARS],
        retry_at=retry, failed_at=now if last else None)
        .execution_options(synchronize_session=False))
    if last:
        log.error("timer %s (%s, case %s) failed %d times: given up, it will not fire: %s",
                  timer_id, kind, case_id, attempts, exc, exc_info=exc)
    else:
        log.error("timer %s (%s, case %s) failed, attempt %d of %d; retry from %s: %s",
                  timer_id, kind, case_id, attempts, MAX_ATTEMPTS, retry.isoformat(), exc,
                  exc_info=exc)
    return last


def fire_due(session: Session, handler: Handler, now: datetime,
             case_id: str | None = None, gave_up: GaveUp | None = None
             ) -> tuple[str | None, list]:
    """Try one due timer inside ``session``; returns (what happened, things to publish).

    What happened is None (nothing due), ``fired``, ``taken`` (another sweeper fired it),
    ``failed`` or ``given_up``. The handler runs in a savepoint: if it raises, its changes
    are undone and the failure is recorded on the timer row; after the last attempt
    ``gave_up`` says what to publish.
    """
    timer = claim(session, now, case_id)
    if timer is None:
        return None, []
    row = (timer.id, timer.kind, timer.case_id, timer.attempts)  # read before the savepoint
    attempt = session.begin_nested()
    try:
        if not mark_fired(session, timer, now):
            attempt.commit()
            return "taken", []
        out = handler(session, timer, now)
        attempt.commit()
    except Exception as exc:
        attempt.rollback()
        if not failed(session, row, now, exc):
            return "failed", []
        return "given_up", _recorded(session, gave_up, (*row[:3], row[3] + 1), exc, now)
    return "fired", out


def _recorded(session: Session, gave_up: GaveUp | None, row: tuple[int, str, str, int],
              exc: BaseException, now: datetime) -> list:
    """What ``gave_up`` publishes; its own failure is logged and leaves the timer given up."""
    if gave_up is None:
        return []
    attempt = session.begin_nested()
    try:
        out = gave_up(session, row, exc, now)
        attempt.commit()
    except Exception:
        attempt.rollback()
        log.exception("timer %s given up, but not recorded on its case", row[0])
        return []
    return out


def sweep(engine: Engine, handler: Handler, now: datetime,
          publish: Callable[[list], None], limit: int = 10_000,
          gave_up: GaveUp | None = None) -> int:
    """Try every timer due at ``now``, each in its own transaction; returns how many fired.

    A failing timer does not stop the sweep: it is recorded and retried later.
    """
    seen: dict[str, int] = {}
    for _ in range(limit):
        with writing(engine) as session:
            what, out = fire_due(session, handler, now, gave_up=gave_up)
        if what is None:
            break
        seen[what] = seen.get(what, 0) + 1
        publish(out)
    if seen:
        log.info("sweeper %s as of %s: %s", WORKER, now.isoformat(),
                 ", ".join(f"{n} {what}" for what, n in sorted(seen.items())))
    return seen.get("fired", 0)
