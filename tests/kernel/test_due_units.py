"""The fold's due dates come from the calendar's `due`, in every unit of a time limit."""

from datetime import date, datetime

import pytest

from kernel import hookimpl
from kernel.models import Item


class OtherUnits:
    """Items whose limits are in calendar days, office hours and on the spot."""

    @hookimpl
    def onetrip_register_items(self, items):
        for code, legal, committed in (("U-CAL", {"calendar_days": 15}, {"calendar_days": 10}),
                                       ("U-HOUR", {"working_days": 1}, {"office_hours": 2}),
                                       ("U-SPOT", {"working_days": 1}, {"on_the_spot": True})):
            items.add(Item(code=code, name=code, department="units", legal_basis="测试",
                           legal_limit=legal, committed_limit=committed))


def _decide(make_kernel, item: str, at: str):
    kernel = make_kernel(entry_points=False, extra_plugins=[("units", OtherUnits())])
    app = {"items": [item], "applicant": {"kind": "person", "name": "张三",
                                          "id_number": "11010519491231002X"},
           "submitted_at": at}
    decision, _ = kernel.evaluate(app)
    start = datetime.fromisoformat(at)
    return kernel, decision, start


@pytest.mark.parametrize(("item", "at", "legal", "committed"), [
    # 20 Sep 2019 + 15 days ends on 5 Oct, inside 国庆: the next working day (民法典 art. 203).
    ("U-CAL", "2019-09-20T10:00:00+08:00", date(2019, 10, 8), date(2019, 9, 30)),
    # 2 office hours from 16:30 on the eve of 国庆 2026: one hour then, one on 8 Oct.
    ("U-HOUR", "2026-09-30T16:30:00+08:00", date(2026, 10, 8),
     datetime.fromisoformat("2026-10-08T10:00:00+08:00")),
    # 即办 on a Saturday: the day the office is next open. The application counts as received
    # that Monday, so its one legal working day is Tuesday's.
    ("U-SPOT", "2026-03-07T10:00:00+08:00", date(2026, 3, 10), date(2026, 3, 9)),
])
def test_the_fold_uses_the_calendars_due_for_every_unit(make_kernel, item, at, legal, committed):
    kernel, decision, start = _decide(make_kernel, item, at)
    assert (decision.due.legal, decision.due.committed) == (legal, committed)
    limits = decision.time_limits
    begin = start if "office_hours" in (limits.legal.unit, limits.committed.unit) else start.date()
    assert decision.due.committed == kernel.calendar.due(begin, limits.committed).when


def test_calendar_days_into_2027_are_provisional(make_kernel):
    _, decision, _ = _decide(make_kernel, "U-CAL", "2026-12-20T10:00:00+08:00")
    # Sunday 20 Dec counts as received Monday 21; + 15 days = Tuesday 5 Jan 2027: a working
    # day only if 2027's notice agrees.
    assert decision.due.legal == date(2027, 1, 5) and decision.due.provisional_years == (2027,)
