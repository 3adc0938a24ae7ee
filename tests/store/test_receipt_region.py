"""Stored cases: the deemed receipt day and the region's calendar used for every date."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from casekit import application, tolerated_application

from kernel.core import InputError
from kernel.store.lifecycle import Lifecycle

TZ = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=12) -> datetime:
    return datetime(y, m, d, h, tzinfo=TZ)


def test_a_saturday_submission_gets_the_due_dates_of_the_following_monday(kernel):
    lc = Lifecycle(kernel)
    saturday, _ = lc.submit(application(submitted_at="2019-07-27T10:30:00+08:00"))
    monday, _ = lc.submit(application(submitted_at="2019-07-29T09:10:00+08:00"))
    sat, mon = lc.get(saturday, at(2019, 7, 29, 17)), lc.get(monday, at(2019, 7, 29, 17))
    assert sat["submitted_at"] == datetime(2019, 7, 27, 2, 30, tzinfo=ZoneInfo("UTC"))
    assert sat["received_on"] == mon["received_on"] == date(2019, 7, 29)
    assert sat["due"] == mon["due"] == {"committed": date(2019, 8, 5),
                                        "legal": date(2019, 8, 26)}
    # Monday itself is not counted: all 5 working days are left on both.
    assert sat["clock"]["remaining_working_days"] == mon["clock"]["remaining_working_days"] == 5
    assert lc.get(saturday, at(2019, 7, 28))["clock"]["remaining_working_days"] == 5


def test_a_saturday_pause_and_resume_count_like_mondays(kernel):
    lc = Lifecycle(kernel)
    saturday, _ = lc.submit(application(submitted_at="2019-07-27T10:30:00+08:00"))
    lc.clock(saturday, "pause", "专家评审", at(2019, 8, 5, 10), {"working_days": 5})
    lc.clock(saturday, "resume", "专家评审结束", at(2019, 8, 9, 15))
    # Mon 08-05 .. Fri 08-09 are not counted: a week later than 08-05.
    assert lc.get(saturday)["due"]["committed"] == date(2019, 8, 12)


def test_a_guangxi_case_counts_every_date_on_the_guangxi_calendar(kernel):
    lc = Lifecycle(kernel)
    gx, _ = lc.submit(tolerated_application(submitted_at="2024-04-09T10:00:00+08:00",
                                            region="gx"))
    national, _ = lc.submit(tolerated_application(submitted_at="2024-04-09T10:00:00+08:00"))
    view = lc.get(gx, at(2024, 4, 10))
    assert (view["region"], view["supplement_by"]) == ("GX", date(2024, 4, 18))
    assert lc.get(national)["supplement_by"] == date(2024, 4, 16)
    # 2024-04-11/12 (壮族三月三) are rest days in Guangxi: 04-10 and 04-15 used by 04-15.
    assert lc.get(gx, at(2024, 4, 15))["clock"]["remaining_working_days"] == (
        lc.get(national, at(2024, 4, 15))["clock"]["remaining_working_days"] + 2)
    assert lc.sweep(at(2024, 4, 17, 9)) == 1  # the national case is late; Guangxi's is not
    assert (lc.get(gx)["state"], lc.get(national)["state"]) == (
        "awaiting_supplement", "re_notified")
    assert lc.sweep(at(2024, 4, 19, 9)) == 1
    assert lc.get(gx)["state"] == "re_notified"


def test_an_unknown_region_names_the_field_and_stores_nothing(kernel):
    lc = Lifecycle(kernel)
    with pytest.raises(InputError) as exc:
        lc.submit(application(region="XX"))
    assert exc.value.field == "region"
    assert lc.find() == []


def test_the_re_notice_grace_ends_on_the_regional_calendar(kernel):
    # Supplement by Tue 03-26, re-noticed Wed 03-27; 15 calendar days end Thu 04-11, which
    # is 壮族三月三 in Guangxi: there the grace runs on to Monday 04-15.
    lc = Lifecycle(kernel)
    gx, _ = lc.submit(tolerated_application(submitted_at="2024-03-19T10:00:00+08:00",
                                            region="GX"))
    national, _ = lc.submit(tolerated_application(submitted_at="2024-03-19T10:00:00+08:00"))
    assert lc.sweep(at(2024, 3, 27, 9)) == 2
    assert (lc.get(gx)["grace_by"], lc.get(national)["grace_by"]) == (
        date(2024, 4, 15), date(2024, 4, 11))
