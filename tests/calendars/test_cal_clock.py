"""A case's clock: working days with paused spans excluded (行政许可法 art. 45)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from calendars import CalendarCoverageError, Clock, china

CST = dt.timezone(dt.timedelta(hours=8))
D = dt.date.fromisoformat


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=CST)


def test_without_pauses_the_clock_is_add_working_days() -> None:
    clock = Clock(china(), limit=27)
    clock.start(at("2019-07-25 10:00"))
    assert clock.due() == D("2019-09-02")
    assert clock.elapsed(at("2019-07-25 16:00")) == 0  # acceptance day not counted
    assert clock.elapsed(at("2019-07-26 09:00")) == 1
    assert clock.remaining(at("2019-09-02 09:00")) == 0  # the due date itself
    assert clock.remaining(at("2019-09-03 09:00")) == -1  # overdue
    assert clock.due(140) == D("2020-02-20")


def test_clock_paused_across_a_holiday() -> None:
    # Expert review (专家评审) from Friday 27 Sep 2019 15:00 to Wednesday 9 Oct 10:00, across
    # 国庆 (1–7 Oct) and the make-up Sunday 29 Sep. Counted after the start (Friday 20 Sep):
    # 23, 24, 25, 26 Sep = 4. Not counted: 27 Sep and 9 Oct (paused part of the day) and
    # every working day in between (29 and 30 Sep, 8 Oct). Then 10 Oct = 5, 11 Oct = 6,
    # Saturday 12 Oct (make-up day, 国办发明电〔2018〕15号) = 7, 14 = 8, 15 = 9, 16 Oct = 10.
    clock = china().clock(limit=10)
    clock.start(at("2019-09-20 10:00"))
    # Before the pause: 23–27, 29 (Sunday, worked), 30 Sep, 8, 9, 10 Oct.
    assert clock.due() == D("2019-10-10")
    clock.pause(at("2019-09-27 15:00"), "专家评审")
    assert clock.paused and clock.due() is None  # unknown until the review ends
    assert clock.elapsed(at("2019-10-03 12:00")) == 4
    assert clock.remaining(at("2019-10-03 12:00")) == 6
    clock.resume(at("2019-10-09 10:00"))
    assert clock.due() == D("2019-10-16")
    assert clock.elapsed(at("2019-10-09 16:00")) == 4
    assert clock.elapsed(at("2019-10-12 11:00")) == 7
    assert clock.remaining(at("2019-10-16 09:00")) == 0
    # Replaying a moment before the pause sees no pause.
    assert clock.elapsed(at("2019-09-26 11:00")) == 4
    assert [p.reason for p in clock.pauses] == ["专家评审"]


def test_pause_and_resume_on_the_same_day_skips_that_day() -> None:
    clock = china().clock(limit=3)
    clock.start(at("2024-03-04 09:30"))  # Monday
    clock.pause(at("2024-03-05 10:00"), "检验")
    clock.resume(at("2024-03-05 11:00"))
    assert clock.due() == D("2024-03-08")  # 6, 7, 8 March; 5 March not counted


def test_event_errors() -> None:
    clock = china().clock()
    with pytest.raises(ValueError, match="start"):
        clock.pause(at("2024-03-05 10:00"), "听证")
    clock.start(at("2024-03-04 09:30"))
    with pytest.raises(ValueError, match="limit"):
        clock.due()
    with pytest.raises(ValueError, match="not paused"):
        clock.resume(at("2024-03-05 10:00"))
    with pytest.raises(ValueError, match="reason"):
        clock.pause(at("2024-03-05 10:00"), " ")
    with pytest.raises(ValueError, match="naive"):
        clock.pause(dt.datetime(2024, 3, 5, 10), "听证")
    clock.pause(at("2024-03-05 10:00"), "听证")
    with pytest.raises(ValueError, match="already paused"):
        clock.pause(at("2024-03-06 10:00"), "听证")
    with pytest.raises(ValueError, match="time order"):
        clock.resume(at("2024-03-04 10:00"))
    with pytest.raises(ValueError, match="already started"):
        clock.start(at("2024-03-06 10:00"))
    with pytest.raises(ValueError, match="before the clock started"):
        clock.elapsed(at("2024-03-01 10:00"))
    with pytest.raises(ValueError):
        clock.due(-1)
    with pytest.raises(CalendarCoverageError):
        clock.resume(at("2090-03-01 10:00"))  # past the provisional years


@st.composite
def paused_clocks(draw: st.DrawFn) -> tuple[Clock, int]:
    clock = china().clock()
    t = dt.datetime(2004, 1, 1, tzinfo=CST) + dt.timedelta(
        minutes=draw(st.integers(0, 60 * 24 * 365 * 20))
    )
    clock.start(t)
    for _ in range(draw(st.integers(0, 3))):
        t += dt.timedelta(minutes=draw(st.integers(0, 60 * 24 * 30)))
        clock.pause(t, "鉴定")
        t += dt.timedelta(minutes=draw(st.integers(0, 60 * 24 * 30)))
        clock.resume(t)
    return clock, draw(st.integers(1, 200))


@settings(deadline=None)  # the first example may build the cached calendar
@given(paused_clocks())
def test_elapsed_on_the_due_date_is_the_limit(case: tuple[Clock, int]) -> None:
    clock, limit = case
    try:
        due = clock.due(limit)
    except CalendarCoverageError:
        assume(False)
        raise
    assert due is not None and china().is_working_day(due)
    noon = dt.datetime.combine(due, dt.time(12), tzinfo=CST)
    assume(noon >= clock.pauses[-1].end if clock.pauses else True)  # type: ignore[operator]
    assert clock.elapsed(noon) == limit
    assert clock.remaining(noon, limit) == 0
