"""The 容缺受理 lifecycle walked with the sweeper run as of chosen times (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from casekit import BrokenCommitment, application, tolerated_application
from sqlalchemy import func, select
from sqlmodel import Session

from kernel.core import InputError
from kernel.store.lifecycle import Lifecycle, NotFound, StateError
from kernel.store.tables import CaseEvent, Timer

TZ = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=12) -> datetime:
    return datetime(y, m, d, h, tzinfo=TZ)


def kinds(lc: Lifecycle, case_id: str) -> list[str]:
    return [e["kind"] for e in lc.get(case_id)["events"]]


def test_grace_passes_case_terminated_and_commitment_recorded(kernel, recorder):
    lc = Lifecycle(kernel)
    case_id, created = lc.submit(tolerated_application())
    view = lc.get(case_id, at(2019, 7, 26))
    # 5 working days after Thu 2019-07-25 (the acceptance day is not counted): Thu 08-01.
    assert (created, view["state"], view["supplement_by"]) == (
        True, "awaiting_supplement", date(2019, 8, 1))
    assert view["outstanding_materials"] == ["NR-M-BOUNDARY-SURVEY"]
    assert lc.sweep(at(2019, 8, 1, 23)) == 0  # the supplement date itself is still in time
    assert lc.sweep(at(2019, 8, 2, 9)) == 1
    view = lc.get(case_id)
    # Re-noticed Fri 08-02; 15 calendar days end Sat 08-17, a rest day, so Mon 08-19.
    assert (view["state"], view["grace_by"]) == ("re_notified", date(2019, 8, 19))
    assert lc.sweep(at(2019, 8, 19, 23)) == 0
    assert lc.sweep(at(2019, 8, 20, 8)) == 1
    assert lc.sweep(at(2019, 12, 31)) == 0  # nothing left to fire
    assert kinds(lc, case_id) == ["submitted", "decided", "notified", "re_notified",
                                  "terminated"]
    terminated = [p for c, e, p in recorder.events if e == "terminated"]
    assert terminated[0]["reason"] == "supplement_not_provided"
    assert terminated[0]["applicant"]["identifier"] == "91350100M000100Y43"
    with Session(kernel.db) as s:
        rows = s.scalars(select(BrokenCommitment)).all()
    assert [(r.case_id, r.materials, r.supplement_by) for r in rows] == [
        (case_id, "NR-M-BOUNDARY-SURVEY", "2019-08-01")]


def test_supplied_in_time_goes_to_review_then_completes(kernel, recorder):
    lc = Lifecycle(kernel)
    case_id, _ = lc.submit(tolerated_application())
    lc.supplement(case_id, ["NR-M-BOUNDARY-SURVEY"], at(2019, 7, 30))
    assert lc.get(case_id)["state"] == "in_review"
    assert lc.sweep(at(2019, 12, 31)) == 0  # the supplement timer was cancelled
    lc.complete(case_id, "granted", at=at(2019, 8, 20))
    assert kinds(lc, case_id)[-2:] == ["supplemented", "completed"]
    assert all(p["items"] == ["NR-LAND-SITE"] for _, _, p in recorder.events)


def test_supplied_within_grace_resumes(kernel):
    lc = Lifecycle(kernel)
    case_id, _ = lc.submit(tolerated_application())
    lc.sweep(at(2019, 8, 5))
    lc.supplement(case_id, ["NR-M-BOUNDARY-SURVEY"], at(2019, 8, 10))
    assert lc.get(case_id)["state"] == "in_review"
    assert kinds(lc, case_id)[-3:] == ["re_notified", "supplemented", "resumed"]
    assert lc.sweep(at(2019, 12, 31)) == 0


def test_late_supplement_without_a_sweep_is_re_noticed_first(kernel):
    """No sweeper ran: the action fires the case's due timers itself, then resumes."""
    lc = Lifecycle(kernel)
    case_id, _ = lc.submit(tolerated_application())
    lc.supplement(case_id, ["NR-M-BOUNDARY-SURVEY"], at(2019, 8, 6))
    assert kinds(lc, case_id)[-3:] == ["re_notified", "supplemented", "resumed"]


def test_clock_pause_moves_the_due_date_and_remaining_days(kernel):
    lc = Lifecycle(kernel)
    case_id, _ = lc.submit(application())
    before = lc.get(case_id, at(2019, 7, 29))
    assert before["due"]["committed"] == date(2019, 8, 1)  # 5 working days after 07-25
    assert before["clock"]["remaining_working_days"] == 3  # 07-26 and 07-29 used
    lc.clock(case_id, "pause", "专家评审", at(2019, 7, 30, 10), {"working_days": 5})
    paused = lc.get(case_id, at(2019, 8, 2))
    assert paused["due"]["committed"] is None and paused["clock"]["paused"]
    lc.clock(case_id, "resume", "专家评审结束", at(2019, 8, 5, 15))
    after = lc.get(case_id, at(2019, 8, 5))
    # Tue 07-30 .. Mon 08-05 (five working days touched by the pause) are not counted.
    assert after["due"]["committed"] == date(2019, 8, 8)
    # Used: 07-26 and 07-29, two working days; the paused days are not counted.
    assert after["clock"]["remaining_working_days"] == 3
    late = lc.get(case_id, at(2019, 8, 9))
    assert (late["clock"]["remaining_working_days"], late["clock"]["warning"]) == (-1, "overdue")
    assert lc.get(case_id, at(2019, 8, 7))["clock"]["warning"] == "red"
    assert [c["id"] for c in lc.find(overdue=True, as_of=at(2019, 8, 9))] == [case_id]
    assert lc.find(overdue=True, as_of=at(2019, 8, 8)) == []


def test_wrong_actions_are_refused_and_change_nothing(kernel):
    lc = Lifecycle(kernel)
    accepted, _ = lc.submit(application())
    tolerated, _ = lc.submit(tolerated_application())
    with pytest.raises(StateError, match="not awaiting a supplement"):
        lc.supplement(accepted, ["NR-M-BOUNDARY-SURVEY"], at(2019, 7, 26))
    with pytest.raises(InputError) as exc:
        lc.supplement(tolerated, ["NR-M-SITE-PLAN"], at(2019, 7, 26))
    assert exc.value.field == "materials.0"
    with pytest.raises(StateError):
        lc.complete(tolerated, "granted", at=at(2019, 7, 26))
    with pytest.raises(StateError, match="not paused"):
        lc.clock(accepted, "resume", "x", at(2019, 7, 26))
    with pytest.raises(NotFound):
        lc.complete("nope", "granted", at=at(2019, 7, 26))
    lc.sweep(at(2019, 8, 5))  # re-notice
    lc.sweep(at(2019, 9, 30))  # grace over
    with pytest.raises(StateError, match="terminated"):
        lc.complete(tolerated, "granted", at=at(2019, 10, 8))
    with Session(kernel.db) as s:
        assert s.scalar(select(func.count()).select_from(CaseEvent)
                        .where(CaseEvent.kind.in_(["supplemented", "completed"]))) == 0


def test_idempotency_key_replays_and_refuses_a_different_body(kernel):
    from kernel.store.lifecycle import IdempotencyConflict

    lc = Lifecycle(kernel)
    first = lc.submit(application(), key="k-1")
    assert lc.submit(application(), key="k-1") == (first[0], False)
    with pytest.raises(IdempotencyConflict):
        lc.submit(tolerated_application(), key="k-1")
    assert len(lc.find()) == 1


def test_timer_fires_once_across_a_restart(kernel, db_url, recorder):
    from casekit import TEST_RULES

    from kernel.store import start_kernel

    lc = Lifecycle(kernel)
    lc.submit(tolerated_application())
    assert lc.sweep(at(2019, 8, 5)) == 1
    kernel.close()
    again = start_kernel(db_url=db_url, rule_dirs=TEST_RULES)
    try:
        assert Lifecycle(again).sweep(at(2019, 8, 5)) == 0
        with Session(again.db) as s:
            fired = s.scalars(select(Timer.fired_at).where(Timer.fired_at.is_not(None))).all()
        assert len(fired) == 1
    finally:
        again.close()


def test_a_refused_late_action_keeps_what_the_due_timers_did(kernel):
    """No sweep since the re-notice: a supplement after the grace is refused, and the
    termination its catching up found stays."""
    lc = Lifecycle(kernel)
    case_id, _ = lc.submit(tolerated_application())
    assert lc.sweep(at(2019, 8, 5)) == 1  # re-noticed; the grace ends 08-20
    with pytest.raises(StateError, match="terminated"):
        lc.supplement(case_id, ["NR-M-BOUNDARY-SURVEY"], at(2019, 9, 30))
    assert lc.get(case_id)["state"] == "terminated"
    assert kinds(lc, case_id)[-2:] == ["re_notified", "terminated"]
