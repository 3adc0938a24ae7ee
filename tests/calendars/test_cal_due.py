"""`WorkingCalendar.due`: the one place a limit, in any unit, becomes a due date or time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calendars import HALL_TZ, Deadline, china

D = dt.date.fromisoformat


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=HALL_TZ)


@dataclass(frozen=True)
class Limit:
    """Any object with .unit and .amount will do (the kernel passes its TimeLimit)."""

    unit: str
    amount: int


@pytest.mark.parametrize(
    ("start", "limit", "due"),
    [
        # The seed's chain: accepted 2019-07-25, 27 and 140 working days.
        (D("2019-07-25"), ("working_days", 27), D("2019-09-02")),
        (at("2019-07-25 16:00"), Limit("working_days", 140), D("2020-02-20")),
        # A moment's day is its date in the hall: 23:30 UTC on 24 July is 25 July in Shanghai.
        (dt.datetime(2019, 7, 24, 23, 30, tzinfo=dt.UTC), ("working_days", 27), D("2019-09-02")),
        # Calendar days ending inside 国庆 2019 (1–7 Oct) move to the next working day (art. 203).
        (D("2019-09-20"), ("calendar_days", 15), D("2019-10-08")),
        (at("2026-02-07 10:00"), ("calendar_days", 7), D("2026-02-14")),  # a make-up Saturday
        # Office hours: Friday 16:45 + 1 hour = 45 minutes, then Monday 09:00–09:15.
        (at("2026-03-06 16:45"), ("office_hours", 1), at("2026-03-09 09:15")),
        (at("2026-09-30 17:00"), Limit("office_hours", 1), at("2026-10-08 09:30")),
        # On the spot (即办): the day the office is next open.
        (at("2026-03-04 10:00"), ("on_the_spot", 0), D("2026-03-04")),
        (at("2026-03-04 18:00"), ("on_the_spot", 0), D("2026-03-05")),  # after closing
        (D("2026-03-07"), ("on_the_spot", 0), D("2026-03-09")),  # a Saturday
    ],
)
def test_every_unit(start: dt.date, limit: object, due: dt.date) -> None:
    answer = china().due(start, limit)
    assert isinstance(answer, Deadline)
    assert answer.when == due and type(answer.when) is type(due)
    assert not answer.provisional and answer.note is None


@settings(deadline=None)  # the first example may build the cached calendar
@given(
    st.datetimes(min_value=dt.datetime(2004, 1, 1), max_value=dt.datetime(2025, 12, 31)),
    st.integers(min_value=0, max_value=200),
)
def test_due_is_the_day_arithmetic(start: dt.datetime, n: int) -> None:
    cal, moment = china(), start.replace(tzinfo=HALL_TZ)
    day = moment.date()
    assert cal.due(moment, ("working_days", n)).when == cal.add_working_days(day, n)
    assert cal.due(day, ("calendar_days", n)).when == cal.add_calendar_days(day, n)
    hours = cal.due(moment, ("office_hours", n))
    assert hours.when == cal.add_office_hours(moment, n) and hours.day == hours.when.date()


def test_bad_limits() -> None:
    cal = china()
    with pytest.raises(ValueError, match="unknown limit unit 'fortnights'"):
        cal.due(D("2026-03-02"), ("fortnights", 1))
    with pytest.raises(TypeError, match="unit, amount"):
        cal.due(D("2026-03-02"), 5)
    with pytest.raises(TypeError, match="from a moment"):
        cal.due(D("2026-03-02"), ("office_hours", 1))
    with pytest.raises(ValueError, match="amount 0"):
        cal.due(D("2026-03-02"), ("on_the_spot", 1))
    with pytest.raises(ValueError, match="naive"):
        cal.due(dt.datetime(2026, 3, 2, 10), ("working_days", 1))
    with pytest.raises(ValueError, match="negative"):
        cal.due(D("2026-03-02"), ("working_days", -1))
