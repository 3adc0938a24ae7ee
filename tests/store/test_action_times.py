"""Times of actions on a case: judged by when they happened, never in the future, never before
the case, and the case's log never goes back in time (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from casekit import application, tolerated_application

from kernel.core import InputError
from kernel.store.lifecycle import Lifecycle, StateError
from kernel.store.tables import now

TZ = ZoneInfo("Asia/Shanghai")
SURVEY = ["NR-M-BOUNDARY-SURVEY"]
LAST_SECOND = datetime(2019, 8, 1, 23, 59, 59, tzinfo=TZ)  # supplement_by is Thu 2019-08-01


def at(y, m, d, h=12, mi=0, s=0) -> datetime:
    return datetime(y, m, d, h, mi, s, tzinfo=TZ)


def log_of(lc: Lifecycle, case_id: str) -> list[tuple[str, datetime]]:
    return [(e["kind"], e["at"]) for e in lc.get(case_id)["events"]]


def in_order(log: list[tuple[str, datetime]]) -> bool:
    return all(a[1] <= b[1] for a, b in zip(log, log[1:], strict=False))


def test_a_supplement_on_its_last_second_is_in_time_when_the_sweep_runs_later(kernel):
    lc = Lifecycle(kernel)
    case_id, _ = lc.submit(tolerated_application())
    lc.supplement(case_id, SURVEY, LAST_SECOND)
    assert lc.sweep(at(2019, 8, 2, 9)) == 0
    assert lc.get(case_id)["state"] == "in_review"
    assert [k for k, _ in log_of(lc, case_id)][-1] == "supplemented"


def test_a_supplement_in_time_recorded_after_the_sweepers_re_notice_is_in_time(kernel):
    """The sweep fired just after midnight; the supplement handed in at 23:59:59 is recorded
    afterwards: in time, no resumption, no applicant time, and the log stays in order."""
    lc = Lifecycle(kernel)
    punctual, _ = lc.submit(tolerated_application())
    lc.supplement(punctual, SURVEY, LAST_SECOND)
    case_id, _ = lc.submit(tolerated_application())
    assert lc.sweep(at(2019, 8, 2, 0, 0, 30)) == 1  # re-notices the second case only
    lc.supplement(case_id, SURVEY, LAST_SECOND)
    view = lc.get(case_id, at(2019, 8, 5))
    log = log_of(lc, case_id)
    assert view["state"] == "in_review"
    assert [k for k, _ in log][-2:] == ["re_notified", "supplemented"]
    assert in_order(log)
    given = view["events"][-1]["payload"]
    assert (given["handed_in_at"], given["in_time"]) == (LAST_SECOND.isoformat(), True)
    assert view["grace_by"] is None
    assert view["due"] == lc.get(punctual, at(2019, 8, 5))["due"]
    assert lc.sweep(at(2019, 12, 31)) == 0  # the grace timer went with the re-notice


def test_a_supplement_after_its_day_still_resumes(kernel):
    lc = Lifecycle(kernel)
    case_id, _ = lc.submit(tolerated_application())
    lc.sweep(at(2019, 8, 2, 0, 0, 30))
    lc.supplement(case_id, SURVEY, at(2019, 8, 2, 0, 0, 31))
    assert [k for k, _ in log_of(lc, case_id)][-3:] == ["re_notified", "supplemented", "resumed"]


@pytest.mark.parametrize("when", [at(2019, 7, 24), now() + timedelta(hours=1),
                                  datetime(2999, 1, 1, tzinfo=TZ)],
                         ids=["before-submission", "in-an-hour", "year-2999"])
def test_a_supplement_before_the_submission_or_in_the_future_is_refused(kernel, when):
    lc = Lifecycle(kernel)
    case_id, _ = lc.submit(tolerated_application())
    with pytest.raises(InputError) as exc:
        lc.supplement(case_id, SURVEY, when)
    assert exc.value.field == "at"
    assert lc.get(case_id)["state"] == "awaiting_supplement"
    assert [k for k, _ in log_of(lc, case_id)] == ["submitted", "decided", "notified"]


def test_an_action_dated_before_the_cases_last_event_is_refused(kernel):
    lc = Lifecycle(kernel)
    case_id, _ = lc.submit(application())
    lc.clock(case_id, "pause", "专家评审", at(2019, 8, 5, 10), {"working_days": 5})
    lc.clock(case_id, "resume", "专家评审结束", at(2019, 8, 9, 15))
    for act in (lambda t: lc.complete(case_id, "granted", at=t),
                lambda t: lc.extend(case_id, "局长王某", "复杂", at=t)):
        with pytest.raises(StateError) as exc:
            act(at(2019, 8, 9, 14))
        assert (exc.value.code, exc.value.field) == ("out_of_order", "at")
    lc.complete(case_id, "granted", at=at(2019, 8, 9, 15))  # the same moment is in order
    assert in_order(log_of(lc, case_id))


def test_a_supplement_after_another_action_of_a_later_time_is_refused(kernel):
    lc = Lifecycle(kernel)
    case_id, _ = lc.submit(tolerated_application())
    lc.sweep(at(2019, 8, 2, 0, 0, 30))
    lc.clock(case_id, "pause", "专家评审", at(2019, 8, 2, 9), {"working_days": 5})
    with pytest.raises(StateError) as exc:
        lc.supplement(case_id, SURVEY, LAST_SECOND)
    assert exc.value.code == "out_of_order"
