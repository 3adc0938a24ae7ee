"""Applicant time is not the agency's: from the supplement date until the owed materials
arrive, re-notice and grace included, the clock stands still and the case is never overdue.

Shipped rules: 2019-08-05 (Monday) + 5 committed working days = 2019-08-12; the supplement
date leaves the agency its 5 working days of review and the applicant at least one: Tuesday
2019-08-06.
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
    view = lc.get(case_id, at(2019, 8, 6))
    assert (view["supplement_by"], view["due"]["committed"]) == (
        date(2019, 8, 6), date(2019, 8, 12))
    assert view["clock"]["remaining_working_days"] == 4  # 08-06 used
    # Past the supplement date, before any sweep: the clock already stands still.
    late = lc.get(case_id, at(2019, 8, 14))
    assert late["clock"]["waiting_on_applicant"] and late["clock"]["remaining_working_days"] == 4
    assert late["clock"]["warning"] is None
    assert overdue(lc, at(2019, 8, 14)) == []
    assert lc.sweep(at(2019, 8, 7, 9)) == 1
    grace = lc.get(case_id, at(2019, 8, 14))
    # Re-noticed Wed 08-07; 15 calendar days of grace end Thu 08-22. The committed date
    # (08-12) has passed, yet the case is waiting on its applicant: never overdue.
    assert (grace["state"], grace["grace_by"], grace["due"]["committed"]) == (
        "re_notified", date(2019, 8, 22), None)
    assert grace["clock"]["remaining_working_days"] == 4
    assert grace["clock"]["warning"] is None and grace["clock"]["paused"]
    assert [p["reason"] for p in grace["clock"]["pauses"]] == ["申请人补正容缺材料"]
    assert overdue(lc, at(2019, 8, 14)) == []
    assert [c["id"] for c in lc.find(overdue=False, as_of=at(2019, 8, 14))] == [case_id]
    # Supplied Tue 08-20: 08-07 .. 08-20 were the applicant's; the agency's 4 days left run
    # 08-21, 08-22, 08-23, 08-26.
    lc.supplement(case_id, ["NR-M-BOUNDARY-SURVEY"], at(2019, 8, 20, 10))
    resumed = lc.get(case_id, at(2019, 8, 21))
    assert (resumed["state"], resumed["due"]["committed"]) == ("in_review", date(2019, 8, 26))
    assert resumed["clock"]["remaining_working_days"] == 3
    assert not resumed["clock"]["waiting_on_applicant"]
    assert overdue(lc, at(2019, 8, 26, 17)) == []
    assert overdue(lc, at(2019, 8, 27, 9)) == [case_id]


def test_a_supplement_in_time_leaves_the_clock_alone(lc):
    import json

    case_id, _ = lc.submit(json.loads(APPLICATION.read_text(encoding="utf-8")))
    lc.supplement(case_id, ["NR-M-BOUNDARY-SURVEY"], at(2019, 8, 6, 16))
    view = lc.get(case_id, at(2019, 8, 13))
    assert (view["due"]["committed"], view["clock"]["pauses"]) == (date(2019, 8, 12), [])
    assert overdue(lc, at(2019, 8, 13)) == [case_id]
