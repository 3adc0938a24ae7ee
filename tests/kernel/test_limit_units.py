"""Committed limits in calendar days and office hours: due dates from the working calendar.

The expected dates are written out from the 2019 schedule (国办发明电〔2018〕15号): National
Day holiday 1-7 October, Sunday 29 September and Saturday 12 October worked instead. Each
is also asked of the calendar, so a wrong literal and a wrong fold cannot agree by chance.
"""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from kernel import hookimpl
from kernel.models import Item

CST = timezone(timedelta(hours=8))
ITEM = Item(code="U-1", name="时限单位测试事项", department="units", legal_basis="测试",
            legal_limit={"working_days": 20}, committed_limit={"working_days": 5},
            materials=[{"code": "U-M1", "name": "申请表", "role": "main"}])
RULES = """
ruleset: units.limits
version: "1"
department: units
reference: 测试依据
effective: {from: 2019-01-01}
rules:
  - id: calendar-days
    title: 按自然日承诺
    when: {fact: units.days, exists: true}
    then: [{set_time_limit: {committed: {calendar_days: %d}}}]
  - id: office-hours
    title: 按工作小时承诺
    when: {fact: units.hours, exists: true}
    then: [{set_time_limit: {committed: {office_hours: %d}}}]
"""


class Units:
    """One item; the applicant's facts pick the unit of the committed limit."""

    @hookimpl
    def onetrip_register_items(self, items):
        items.add(ITEM)

    @hookimpl
    def onetrip_register_facts(self, facts):
        facts.declare("units.days", "boolean", "commit in calendar days", applicant=True)
        facts.declare("units.hours", "boolean", "commit in office hours", applicant=True)


def decide(make_kernel, tmp_path, submitted_at: datetime, fact: str, days=0, hours=0):
    (tmp_path / "units.yaml").write_text(RULES % (days, hours), encoding="utf-8")
    kernel = make_kernel(entry_points=False, extra_plugins=[("units", Units())],
                         rule_dirs=[tmp_path])
    app = {"items": ["U-1"], "applicant": {"kind": "person", "name": "张三",
                                           "id_number": "11010519491231002X"},
           "submitted_at": submitted_at.isoformat(), "materials": ["U-M1"], "facts": {fact: True}}
    decision, _ = kernel.evaluate(app)
    assert decision.outcome == "accepted"
    return kernel.calendar, decision


@pytest.mark.parametrize("submitted, days, due", [
    # Friday + 4 days is 1 October, a holiday: the limit ends on the next working day
    (datetime(2019, 9, 27, 16, 0, tzinfo=CST), 4, date(2019, 10, 8)),
    # Monday + 12 days is Saturday 12 October, a make-up working day: it stays
    (datetime(2019, 9, 30, 10, 0, tzinfo=CST), 12, date(2019, 10, 12)),
])
def test_calendar_days_end_on_a_working_day(make_kernel, tmp_path, submitted, days, due):
    calendar, decision = decide(make_kernel, tmp_path, submitted, "units.days", days=days)
    assert decision.time_limits.committed.model_dump() == {"unit": "calendar_days",
                                                           "amount": days}
    assert decision.time_limits.compression_rate is None  # units differ: no rate
    assert decision.due.committed == due == calendar.add_calendar_days(submitted.date(), days)
    assert decision.due.legal == calendar.add_working_days(submitted.date(), 20)
    assert f"承诺时限{days}日（法定20个工作日），承诺于{due}前办结" in decision.notices[0]


def test_office_hours_run_over_the_holiday(make_kernel, tmp_path):
    # 16:00-17:30 on 30 September, then 9:00-12:00 and 13:30-17:00 on 8 October; sent in UTC
    submitted = datetime(2019, 9, 30, 8, 0, tzinfo=UTC)
    calendar, decision = decide(make_kernel, tmp_path, submitted, "units.hours", hours=8)
    assert decision.time_limits.committed.model_dump() == {"unit": "office_hours", "amount": 8}
    due = decision.due.committed
    assert due == datetime(2019, 10, 8, 17, 0, tzinfo=CST) == calendar.add_office_hours(
        submitted, 8)
    assert due.utcoffset() == timedelta(hours=8)  # told in the hall's time, not UTC
    # the legal limit stays in working days, counted from the same day: 20th is 1 November
    assert decision.due.legal == date(2019, 11, 1) == calendar.add_working_days(
        date(2019, 9, 30), 20)


ANY_RULE = """
ruleset: units.any
version: "1"
department: units
reference: 测试依据
effective: {from: 2019-01-01}
rules:
  - id: either-unit
    title: 任一条件成立
    when: {any: [{fact: units.days, eq: true}, {fact: units.hours, eq: true}]}
    then: [{flag: {code: either}}]
"""


def test_a_rule_fires_once_when_several_alternatives_of_its_any_hold(make_kernel, tmp_path):
    (tmp_path / "any.yaml").write_text(ANY_RULE, encoding="utf-8")
    kernel = make_kernel(entry_points=False, extra_plugins=[("units", Units())],
                         rule_dirs=[tmp_path])
    app = {"items": ["U-1"], "applicant": {"kind": "person", "name": "张三",
                                           "id_number": "11010519491231002X"},
           "submitted_at": "2019-08-05T10:00:00+08:00", "materials": ["U-M1"],
           "facts": {"units.days": True, "units.hours": True}}
    decision, _ = kernel.evaluate(app)
    assert [t.rule for t in decision.trace if t.status == "fired"] == ["either-unit"]
    assert [f["code"] for f in decision.flags] == ["either"]
