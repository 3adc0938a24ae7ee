"""Sweepers: two at once fire every due timer exactly once; a failing timer waits alone."""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from casekit import TEST_RULES, application, tolerated_application
from sqlalchemy import func, select
from sqlmodel import Session

from kernel.core import Kernel
from kernel.store import start_kernel, timers
from kernel.store.lifecycle import Lifecycle
from kernel.store.tables import Case, CaseEvent, Timer
from kernel.store.timers import MAX_ATTEMPTS, backoff

AS_OF = datetime(2019, 8, 5, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
CASES = 30


def test_two_concurrent_sweepers_fire_each_timer_once(kernel, db_url):
    lc = Lifecycle(kernel)
    ids = {lc.submit(tolerated_application())[0] for _ in range(CASES)}
    sweepers = [start_kernel(db_url=db_url, rule_dirs=TEST_RULES) for _ in range(2)]
    counts: list[int] = []
    barrier = threading.Barrier(2)

    def run(k: Kernel) -> None:
        barrier.wait()
        counts.append(Lifecycle(k).sweep(AS_OF))

    threads = [threading.Thread(target=run, args=(k,)) for k in sweepers]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for k in sweepers:
            k.close()
    assert sum(counts) == CASES
    with Session(kernel.db) as s:
        per_case = dict(s.execute(select(CaseEvent.case_id, func.count())
                                  .where(CaseEvent.kind == "re_notified")
                                  .group_by(CaseEvent.case_id)).all())
        fired_by = set(s.scalars(select(Timer.fired_by).where(Timer.fired_at.is_not(None))))
    assert per_case == dict.fromkeys(ids, 1)
    assert fired_by  # who fired is recorded


def _set_grace(kernel, case_id: str, grace: dict) -> None:
    """Rewrite a stored decision's grace, as a row written by another version might have it."""
    with Session(kernel.db) as s:
        case = s.get(Case, case_id)
        case.decision = {**case.decision, "supplement_grace": grace}
        s.add(case)
        s.commit()


def _timer(kernel, case_id: str) -> Timer:
    with Session(kernel.db) as s:
        return s.scalars(select(Timer).where(Timer.case_id == case_id)
                         .order_by(Timer.id)).first()


def test_a_failing_timer_is_recorded_and_retried_later_and_never_stops_the_others(kernel):
    lc = Lifecycle(kernel)
    first, bad, last = (lc.submit(tolerated_application())[0] for _ in range(3))
    _set_grace(kernel, bad, {"unit": "fortnights", "amount": 1})
    assert lc.sweep(AS_OF) == 2
    assert [lc.get(c)["state"] for c in (first, bad, last)] == [
        "re_notified", "awaiting_supplement", "re_notified"]
    failed = _timer(kernel, bad)
    assert (failed.fired_at, failed.attempts) == (None, 1)
    assert failed.last_error.startswith("ValidationError: 1 validation error for TimeLimit")
    assert failed.retry_at == AS_OF + backoff(1)
    # Not tried again before its retry time; then it fails again and waits twice as long.
    assert lc.sweep(AS_OF + timedelta(seconds=59)) == 0
    assert _timer(kernel, bad).attempts == 1
    again = AS_OF + backoff(1)
    assert lc.sweep(again) == 0
    assert (_timer(kernel, bad).attempts, _timer(kernel, bad).retry_at) == (
        2, again + backoff(2))
    # Repaired, it fires at its next try, once, and its case moves on.
    _set_grace(kernel, bad, {"unit": "calendar_days", "amount": 15})
    assert lc.sweep(again + backoff(2)) == 1
    assert lc.get(bad)["state"] == "re_notified"
    assert _timer(kernel, bad).fired_at is not None
    assert lc.sweep(again + backoff(2)) == 0


def test_a_timer_kind_this_version_does_not_know_waits_for_one_that_does(kernel):
    lc = Lifecycle(kernel)
    case_id, _ = lc.submit(application())
    with Session(kernel.db) as s:
        s.add(Timer(case_id=case_id, kind="from_the_future", due_at=AS_OF))
        s.commit()
    assert lc.sweep(AS_OF) == 0
    row = _timer(kernel, case_id)
    assert (row.fired_at, row.attempts) == (None, 1)
    assert "from_the_future" in row.last_error


def test_backoff_doubles_up_to_an_hour():
    assert [backoff(n) for n in (1, 2, 3, 7, 50)] == [
        timedelta(minutes=m) for m in (1, 2, 4, 60, 60)]


def test_a_timer_failing_its_last_attempt_is_given_up_on_its_case_and_in_the_log(kernel, caplog):
    lc = Lifecycle(kernel)
    bad, good = (lc.submit(tolerated_application())[0] for _ in range(2))
    _set_grace(kernel, bad, {"unit": "fortnights", "amount": 1})
    when = AS_OF
    with caplog.at_level(logging.ERROR, logger="onetrip.timers"):
        for attempt in range(1, MAX_ATTEMPTS + 1):
            assert lc.sweep(when) == (1 if attempt == 1 else 0)  # the good case, once
            assert _timer(kernel, bad).attempts == attempt
            when += backoff(attempt)
    row = _timer(kernel, bad)
    assert (row.fired_at, row.retry_at, row.failed_at) == (None, None, when - backoff(MAX_ATTEMPTS))
    assert "given up" in caplog.records[-1].getMessage()
    view = lc.get(bad)
    assert (view["state"], view["events"][-1]["kind"]) == ("awaiting_supplement", "timer_failed")
    failed = view["events"][-1]["payload"]
    assert (failed["kind"], failed["attempts"]) == ("supplement_due", MAX_ATTEMPTS)
    assert failed["error"].startswith("ValidationError")
    _set_grace(kernel, bad, {"unit": "calendar_days", "amount": 15})  # repaired: too late
    assert lc.sweep(when + timedelta(days=30)) == 1  # only the good case's grace timer
    assert _timer(kernel, bad).attempts == MAX_ATTEMPTS
    assert lc.get(good)["state"] == "terminated"


def test_an_action_and_a_sweeper_on_one_case_do_not_deadlock(kernel, db_url):
    """The sweeper holds a due timer and is about to lock its case when a clerk acts on that
    case: the action waits for the timer instead of taking the case first (PostgreSQL)."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite's single write lock orders every writer already")
    lc = Lifecycle(kernel)
    case_id, _ = lc.submit(tolerated_application())
    failed: list[BaseException] = []

    def clerk() -> None:
        try:
            lc.supplement(case_id, ["NR-M-BOUNDARY-SURVEY"], AS_OF + timedelta(hours=1))
        except BaseException as exc:  # noqa: BLE001  (reported below, in the test's thread)
            failed.append(exc)

    with Session(kernel.db) as s:  # a sweeper between claiming the timer and its handler
        timer = timers.claim(s, AS_OF, case_id)
        assert timer is not None and timers.mark_fired(s, timer, AS_OF)
        acting = threading.Thread(target=clerk)
        acting.start()
        time.sleep(1.0)  # the clerk reaches its first lock meanwhile
        events = lc.fire(s, timer, AS_OF)  # locks the case
        s.commit()
    acting.join(60)
    assert failed == [] and [e.kind for e in events] == ["re_notified"]
    assert [e["kind"] for e in lc.get(case_id)["events"]][-3:] == [
        "re_notified", "supplemented", "resumed"]
