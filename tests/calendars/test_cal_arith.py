"""Working-day arithmetic: properties, coverage errors and bad input."""

from __future__ import annotations

import datetime as dt

import holidays
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from calendars import CalendarCoverageError, WorkingCalendar, china
from calendars.schedule import package_years

D = dt.date.fromisoformat
known_days = st.dates(min_value=dt.date(2001, 1, 1), max_value=dt.date(2026, 12, 31))


@settings(deadline=None)  # the first example may build the cached calendar
@given(known_days, st.integers(min_value=1, max_value=400))
def test_between_inverts_add(d: dt.date, n: int) -> None:
    cal = china()
    try:
        due = cal.add_working_days(d, n)
    except CalendarCoverageError:
        assume(False)
        raise
    assert cal.working_days_between(d, due) == n
    assert cal.is_working_day(due)
    assert cal.working_days_between(due, d) == -n


@settings(deadline=None)  # the first example may build the cached calendar
@given(known_days)
def test_zero_days(d: dt.date) -> None:
    cal = china()
    due = cal.add_working_days(d, 0)
    assert cal.is_working_day(due) and due >= d
    assert due == d if cal.is_working_day(d) else cal.working_days_between(d, due) == 1


@settings(deadline=None)  # the first example may build the cached calendar
@given(known_days, st.integers(min_value=0, max_value=60))
def test_agrees_with_holidays_walk(d: dt.date, n: int) -> None:
    # The package's own day-by-day walk has the same semantics as add_working_days.
    try:
        ours = china().add_working_days(d, n)
    except CalendarCoverageError:
        assume(False)
        raise
    assert ours == _PACKAGE.get_nth_working_day(d, n)


_PACKAGE = holidays.China(years=range(2001, 2028))


def test_covered_years_come_from_the_package_data() -> None:
    years = china().covered_years
    assert years == tuple(sorted(package_years()))
    assert years[0] == 2001 and 2026 in years


def test_years_the_calendar_cannot_count_raise() -> None:
    # Before the known years, and past the provisional ones (test_cal_provisional.py).
    cal = china()
    beyond = cal.provisional_years[-1] + 1
    for day in (dt.date(beyond, 3, 2), dt.date(2000, 6, 1), dt.date(1900, 1, 1)):
        with pytest.raises(CalendarCoverageError) as e:
            cal.is_working_day(day)
        assert str(day.year) in str(e.value) and "override" in str(e.value)
        assert isinstance(e.value, ValueError)
    # Counting out of the last countable year into the next is refused too.
    with pytest.raises(CalendarCoverageError, match=str(beyond)):
        cal.add_working_days(dt.date(beyond - 1, 12, 20), 30)
    with pytest.raises(CalendarCoverageError, match=str(beyond)):
        cal.add_calendar_days(dt.date(beyond - 1, 12, 20), 30)
    with pytest.raises(CalendarCoverageError, match="2000"):
        cal.working_days_between(D("2000-12-29"), D("2001-01-05"))


def test_bad_input() -> None:
    cal = china()
    with pytest.raises(ValueError, match="negative"):
        cal.add_working_days(D("2024-01-02"), -1)
    with pytest.raises(ValueError, match="negative"):
        cal.add_calendar_days(D("2024-01-02"), -1)
    with pytest.raises(TypeError):
        cal.add_working_days(D("2024-01-02"), 1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        cal.add_working_days(D("2024-01-02"), True)
    with pytest.raises(TypeError, match="datetime.date"):
        cal.is_working_day(dt.datetime(2024, 1, 2, 10))
    with pytest.raises(TypeError):
        cal.is_working_day("2024-01-02")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown region"):
        china("XX")


def test_calendars_are_cached() -> None:
    assert china() is china()
    assert china("gx") is china("GX")
    assert isinstance(china("GX"), WorkingCalendar)
