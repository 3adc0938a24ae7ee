"""Applicant time is not the agency's: from the supplement date until the owed materials
arrive, re-notice and grace included, the clock stands still and the case is never overdue.

Shipped rules: 2019-08-05 (Monday) + 27 committed working days = 2019-09-11; the supplement
date leaves the agency 5 working days of review after it: Wednesday 2019-09-04.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from casekit import ROOT

from kernel.store import start_kernel
from kernel.store.lifecycle import Lifecycle

TZ = ZoneInfo("Asia/Shanghai")
APPLICATION = ROOT / "examples" / "land_site_tolerance.json"


def at(y, m, d, h=12) -> datetime:
    return datetime(y, m, d, h, tzinfo=TZ)


@pytest.fixture
def lc(db_url):
    kernel = start_kernel(db_url=db_url, disabled=set())
    yield Lifecycle(kernel)
    kernel.close()


def overdue(lc: Lifecycle, when: datetime) -> list[str]:
    return [c["id"] for c in lc.find(overdue=True, as_of=when)]


def test_a_case_in_re_notice_grace_is_not_overdue_and_resumes_with_its_days(lc):
    import json

    case_id, _ = lc.submit(json.loads(APPLICATION.read_text(encoding="utf-8")))
    view = lc.get(case_id, at(2019, 9, 4))
    assert (view["supplement_by"], view["due"]["committed"]) == (
        date(2019, 9, 4), date(2019, 9, 11))
    assert view["clock"]["remaining_working_days"] == 5  # 08-06 .. 09-04 used
    # Past the supplement date, before any sweep: the clock already stands still.
    late = lc.get(case_id, at(2019, 9, 16))
    assert late["clock"]["waiting_on_applicant"] and late["clock"]["remaining_working_days"] == 5
    assert late["clock"]["warning"] is None
    assert overdue(lc, at(2019, 9, 16)) == []
    assert lc.sweep(at(2019, 9, 5, 9)) == 1
    grace = lc.get(case_id, at(2019, 9, 16))
    # Re-noticed Thu 09-05; 15 calendar days of grace end Fri 09-20. The committed date
    # (09-11) has passed, yet the case is waiting on its applicant: never overdue.
    assert (grace["state"], grace["grace_by"], grace["due"]["committed"]) == (
        "re_notified", date(2019, 9, 20), None)
    assert grace["clock"]["remaining_working_days"] == 5
    assert grace["clock"]["warning"] is None and grace["clock"]["paused"]
    assert [p["reason"] for p in grace["clock"]["pauses"]] == ["申请人补正容缺材料"]
    assert overdue(lc, at(2019, 9, 16)) == []
    assert [c["id"] for c in lc.find(overdue=False, as_of=at(2019, 9, 16))] == [case_id]
    # Supplied Wed 09-18: 09-05 .. 09-18 were the applicant's; the agency's 5 days left run
    # 09-19, 09-20, 09-23, 09-24, 09-25.
    lc.supplement(case_id, ["NR-M-BOUNDARY-SURVEY"], at(2019, 9, 18, 10))
    resumed = lc.get(case_id, at(2019, 9, 19))
    assert (resumed["state"], resumed["due"]["committed"]) == ("in_review", date(2019, 9, 25))
    assert resumed["clock"]["remaining_working_days"] == 4
    assert not resumed["clock"]["waiting_on_applicant"]
    assert overdue(lc, at(2019, 9, 25, 17)) == []
    assert overdue(lc, at(2019, 9, 26, 9)) == [case_id]


def test_a_supplement_in_time_leaves_the_clock_alone(lc):
    import json

    case_id, _ = lc.submit(json.loads(APPLICATION.read_text(encoding="utf-8")))
    lc.supplement(case_id, ["NR-M-BOUNDARY-SURVEY"], at(2019, 9, 4, 16))
    view = lc.get(case_id, at(2019, 9, 12))
    assert (view["due"]["committed"], view["clock"]["pauses"]) == (date(2019, 9, 11), [])
    assert overdue(lc, at(2019, 9, 12)) == [case_id]
