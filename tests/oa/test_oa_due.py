"""Each step's due time on the working calendar, by urgency, across National Day 2019."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import chinese_calendar
import pytest
from oakit import TZ, at

from plugins.oa.models import Advance, NewDocument


def new(flow: str = "incoming", urgency: str = "平件", when: str = "2019-09-26 10:00",
        **kw) -> NewDocument:
    return NewDocument(flow=flow, title="关于做好国庆期间值班工作的通知", type="通知",
                       urgency=urgency, received_at=at(when), **kw)


def due_of(doc: dict) -> datetime:
    return datetime.fromisoformat(doc["steps"][-1]["due_at"])


@pytest.mark.parametrize(("urgency", "due"), [
    # 7 office hours: 17:00–17:30 on 30 Sep, Oct 1–7 off, then 6.5 h on 8 Oct → 17:00.
    ("特急", "2019-10-08 17:00"),
    ("extra_urgent", "2019-10-08 17:00"),
    # 1 working day after 30 Sep is 8 Oct; a day's limit ends at the close, 17:30.
    ("加急", "2019-10-08 17:30"),
    ("urgent", "2019-10-08 17:30"),
    # 3 working days after 30 Sep: 8, 9 and 10 Oct.
    ("平件", "2019-10-10 17:30"),
    ("normal", "2019-10-10 17:30"),
])
def test_arrival_at_1700_on_the_eve_of_national_day(oa, urgency, due):
    doc = oa.create(new(urgency=urgency, when="2019-09-30 17:00"))
    assert doc["current_step"] == "sign_in"
    assert due_of(doc) == at(due)


def test_every_step_of_an_outgoing_document(oa):
    """平件, 3 working days per step, each step started when the one before finished."""
    doc = oa.create(new(flow="outgoing", when="2019-09-26 10:00", co_handling=("财政局",)))
    # (finished at, due of the step that was open until then). 29 Sep (Sunday) and
    # 12 Oct (Saturday) are make-up working days; 1–7 Oct are National Day.
    plan = [
        ("2019-09-27 10:00", "2019-09-30 17:30"),  # 拟稿 from Thu 26: 27, 29, 30
        ("2019-09-29 11:00", "2019-10-08 17:30"),  # 核稿 from Fri 27: 29, 30, 8
        ("2019-09-30 09:00", "2019-10-09 17:30"),  # 会签 from Sun 29: 30, 8, 9
        ("2019-10-08 09:30", "2019-10-10 17:30"),  # 签发 from Mon 30: 8, 9, 10
        ("2019-10-11 16:00", "2019-10-11 17:30"),  # 复核 from Tue 8: 9, 10, 11
        ("2019-10-12 10:00", "2019-10-15 17:30"),  # 登记 from Fri 11: 12, 14, 15
        ("2019-10-14 10:00", "2019-10-16 17:30"),  # 印制 from Sat 12: 14, 15, 16
    ]
    assert doc["flow_steps"] == ["draft", "check", "countersign", "sign", "recheck",
                                 "register", "print", "dispatch"]
    for finished, due in plan:
        assert due_of(doc) == at(due), doc["current_step"]
        doc = oa.advance(doc["id"], Advance(at=at(finished)))
    assert doc["current_step"] == "dispatch"
    assert due_of(doc) == at("2019-10-17 17:30")  # 核发 from Mon 14: 15, 16, 17
    doc = oa.advance(doc["id"], Advance(step="核发", at=at("2019-10-15 10:00")))
    assert doc["status"] == "finished" and doc["current_step"] is None
    assert [s["step"] for s in doc["steps"]] == doc["flow_steps"]
    assert [s["late"] for s in doc["steps"]] == [False] * 8


def test_no_countersign_step_without_countersigners(oa):
    doc = oa.create(new(flow="outgoing"))
    assert "countersign" not in doc["flow_steps"]
    ruled = oa.create(NewDocument(flow="outgoing", title="某某管理办法", type="规范性文件",
                                  received_at=at("2019-09-26 10:00")))
    assert ruled["countersign"] == ["司法局"] and "countersign" in ruled["flow_steps"]


def test_incoming_without_lead_is_routed_to_the_general_office(oa):
    assert oa.create(new())["lead"] == "办公室"
    assert oa.create(new(lead="市住建局"))["lead"] == "市住建局"


def _nth_workday_after(day: date, n: int) -> date:
    """The reference count, on an independent holiday source."""
    while n:
        day += timedelta(days=1)
        n -= chinese_calendar.is_workday(day)
    return day


@pytest.mark.parametrize("urgency,days", [("平件", 3), ("加急", 1)])
def test_day_limits_agree_with_an_independent_holiday_source(oa, urgency, days):
    start = date(2019, 9, 20)
    for offset in range(0, 40, 3):
        day = start + timedelta(days=offset)
        arrived = datetime(day.year, day.month, day.day, 15, 20, tzinfo=TZ)
        doc = oa.create(NewDocument(flow="incoming", title="t", type="函", urgency=urgency,
                                    received_at=arrived))
        expected = _nth_workday_after(day, days)
        assert due_of(doc) == datetime(expected.year, expected.month, expected.day, 17, 30,
                                       tzinfo=TZ), day


def test_extra_urgent_on_a_rest_day_runs_in_clock_hours_on_the_duty_roster(oa):
    # Saturday 2019-10-05, National Day: the duty roster has 7 clock hours, chased 2 before.
    doc = oa.create(new(urgency="特急", when="2019-10-05 10:00"))
    step = doc["steps"][-1]
    assert step["limit"] == {"clock_hours": 7}
    assert step["rules"][-1].endswith(":extra-urgent-duty-roster-on-rest-days")
    assert (due_of(doc), datetime.fromisoformat(step["chase_at"])) == (
        at("2019-10-05 17:00"), at("2019-10-05 15:00"))
    # Signed in that night, the next step starts on the rest day too.
    doc = oa.advance(doc["id"], Advance(at=at("2019-10-05 21:30")))
    assert due_of(doc) == at("2019-10-06 04:30")
    # Its next step starts on Tuesday 10-08, a working day: office hours again.
    doc = oa.advance(doc["id"], Advance(at=at("2019-10-08 09:00")))
    assert doc["steps"][-1]["limit"] == {"office_hours": 7}
    assert due_of(doc) == at("2019-10-08 17:30")
    # Other urgencies keep their working days on rest days.
    assert due_of(oa.create(new(urgency="加急", when="2019-10-05 10:00"))) == at(
        "2019-10-08 17:30")


def test_a_regional_rest_day_is_a_rest_day_for_its_documents(oa):
    # 2024-04-11 is 壮族三月三 in Guangxi, a working day elsewhere.
    gx = oa.create(new(urgency="特急", when="2024-04-11 10:00", region="GX"))
    national = oa.create(new(urgency="特急", when="2024-04-11 10:00"))
    assert (gx["steps"][-1]["limit"], due_of(gx)) == ({"clock_hours": 7}, at("2024-04-11 17:00"))
    assert (national["steps"][-1]["limit"], due_of(national)) == (
        {"office_hours": 7}, at("2024-04-12 10:00"))
