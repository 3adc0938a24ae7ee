"""Years without a published notice: counted on the statute (国务院令第795号), always flagged."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import holidays
import pytest

from calendars import HALL_TZ, CalendarCoverageError, OverrideError, china, install_override
from calendars.statutory import rest_days

DATA = Path(__file__).with_name("data")
FIXTURE_2027 = DATA / "fixture_2027.yaml"  # a made-up 2027 schedule, not the State Council's
D = dt.date.fromisoformat


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=HALL_TZ)


def _year(year: int) -> list[dt.date]:
    first = dt.date(year, 1, 1)
    return [first + dt.timedelta(days=i) for i in range((dt.date(year + 1, 1, 1) - first).days)]


def test_a_deadline_into_2027_is_provisional_with_the_year_and_why() -> None:
    cal = china()
    assert 2027 not in cal.covered_years and 2027 in cal.provisional_years
    due = cal.due(D("2026-12-01"), ("working_days", 27))
    # 22 working days left in December 2026; 1 Jan 2027 (元旦) rests; then 4–8 January.
    assert due.when == D("2027-01-08")
    assert due.provisional and due.provisional_years == (2027,)
    assert due.note == "2027年节假日安排尚未公布，按法定节假日暂计，国务院办公厅公布后可能调整"
    # A count that stays in a known year is firm, even when it ends on its last day.
    assert not cal.due(D("2026-12-30"), ("working_days", 1)).provisional
    two = cal.due(D("2026-12-01"), ("working_days", 400))
    assert two.provisional_years == (2027, 2028) and "2027、2028年" in (two.note or "")


def test_spring_festival_2027_rests_from_new_years_eve_for_four_days() -> None:
    # The package's lunar table puts 农历除夕 (New Year's Eve) of 2027 on 5 February.
    eve = holidays.China(years=2027, observed=False, language="zh_CN").get_named("农历除夕")
    assert eve == [D("2027-02-05")]
    cal = china()
    for day in ("2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08"):
        info = cal.info(D(day))
        assert not cal.is_working_day(D(day)) and info is not None
        assert info.name == "春节" and info.provisional and "国务院令第795号" in info.source
    # 6 and 7 Feb fall on a weekend: art. 6 gives two weekdays back (补假), 9 and 10 Feb.
    for day in ("2027-02-09", "2027-02-10"):
        assert not cal.is_working_day(D(day)) and "补假" in cal.info(D(day)).name  # type: ignore[union-attr]
    assert cal.is_working_day(D("2027-02-11"))


def test_no_tiaoxiu_is_assumed() -> None:
    cal = china()
    for year in cal.provisional_years:
        assert [e for e in cal.year(year) if e.working] == []
        for day in _year(year):
            if day.weekday() >= 5:
                assert not cal.is_working_day(day), day  # e.g. no make-up Saturday 13 Feb 2027
    # The statutory days of art. 2: 元旦 1, 春节 4, 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3.
    names = [name for _, name, _ in rest_days(2027) if "补假" not in name]
    assert len(names) == 13 and names.count("春节") == 4 and names.count("国庆节") == 3


def test_the_statute_gives_the_working_days_of_a_whole_published_year() -> None:
    # Had 2025 and 2026 been counted on the statute, each year would have had exactly the
    # working days its notice gave: 调休 moves days, substitute days (补假) are counted.
    for year in (2025, 2026):
        official = sum(china().is_working_day(day) for day in _year(year))
        rest = {day for day, _, _ in rest_days(year)}
        statutory = sum(day.weekday() < 5 and day not in rest for day in _year(year))
        assert statutory == official == 248, year


def test_provisional_years_agree_with_the_packages_estimates() -> None:
    # holidays estimates future years the same way (statutory days, weekend days given back);
    # a change on either side shows here.
    for year in china().provisional_years:
        assert {d for d, _, _ in rest_days(year)} == set(holidays.China(years=year)), year


def test_calendar_days_ending_on_a_provisional_rest_day_move_on() -> None:
    # 25 Jan 2027 + 14 days = Monday 8 Feb, in 春节; 9 and 10 Feb are substitute days.
    due = china().due(D("2027-01-25"), ("calendar_days", 14))
    assert (due.when, due.provisional_years) == (D("2027-02-11"), (2027,))


def test_office_hours_into_2027() -> None:
    due = china().due(at("2026-12-31 17:00"), ("office_hours", 1))
    assert due.when == at("2027-01-04 09:30") and due.provisional_years == (2027,)


def test_years_before_the_known_ones_and_past_the_horizon_are_refused() -> None:
    cal = china()
    for start in (dt.date(1900, 3, 1), dt.date(1, 1, 1), dt.date(2000, 12, 1)):
        with pytest.raises(CalendarCoverageError, match=str(start.year)):
            cal.due(start, ("working_days", 1))
    # Five years past the last notice; further out a date is refused, not guessed.
    last = cal.covered_years[-1]
    assert cal.provisional_years == tuple(range(last + 1, last + 6))
    with pytest.raises(CalendarCoverageError, match=f"{last + 6}.*provisionally"):
        cal.due(dt.date(last + 6, 3, 1), ("working_days", 1))


def test_a_schedule_for_the_year_makes_the_same_count_firm() -> None:
    start, limit = D("2027-02-04"), ("working_days", 1)
    guess = china().due(start, limit)
    assert (guess.when, guess.provisional_years) == (D("2027-02-11"), (2027,))
    known = china(overrides=[FIXTURE_2027])
    firm = known.due(start, limit)
    # The file's 春节 runs 5–11 Feb: the same count ends a day later, and is firm.
    assert (firm.when, firm.provisional) == (D("2027-02-12"), False)
    # The horizon moves with the last known year.
    assert known.provisional_years == (2028, 2029, 2030, 2031, 2032)


def test_regions_with_days_of_their_own_get_no_guessed_years() -> None:
    assert china("ZJ").provisional_years == china().provisional_years
    assert china("GX").provisional_years == ()  # 壮族三月三 of 2027 is not declared


def test_installing_a_notice_settles_its_year(tmp_path, monkeypatch) -> None:
    folder = tmp_path / "notices"
    monkeypatch.setenv("ONETRIP_CALENDAR_DIR", str(folder))
    china.cache_clear()
    before = china()
    assert before.due(D("2027-02-04"), ("working_days", 1)).provisional
    done = install_override(FIXTURE_2027)
    assert (done.path, done.covers, done.settled) == (folder / FIXTURE_2027.name, (2027,), (2027,))
    after = before.reloaded()
    assert after is not before and 2027 in after.covered_years
    assert after.due(D("2027-02-04"), ("working_days", 1)).when == D("2027-02-12")
    assert china() is after  # new calendars read the folder too
    monkeypatch.delenv("ONETRIP_CALENDAR_DIR")
    assert 2027 not in china().covered_years


def test_a_bad_notice_is_refused_and_the_folder_left_alone(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("ONETRIP_CALENDAR_DIR", raising=False)
    bad = tmp_path / "bad-2027.yaml"
    bad.write_text("source: x\ncovers: [2027]\nremove_holidays: [2027-03-03]\n",
                   encoding="utf-8")
    with pytest.raises(OverrideError, match="bad-2027.yaml:3"):
        install_override(bad, tmp_path / "notices")
    assert list((tmp_path / "notices").iterdir()) == []
    install_override(FIXTURE_2027, tmp_path / "notices")
    other = tmp_path / FIXTURE_2027.name
    other.write_text(FIXTURE_2027.read_text(encoding="utf-8") + "# changed\n", encoding="utf-8")
    with pytest.raises(OverrideError, match="exists"):
        install_override(other, tmp_path / "notices")
    assert install_override(other, tmp_path / "notices", replace=True).covers == (2027,)
    with pytest.raises(OverrideError, match="ONETRIP_CALENDAR_DIR"):
        install_override(FIXTURE_2027)
