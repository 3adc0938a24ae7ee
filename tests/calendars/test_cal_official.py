"""Official State Council schedules 2019–2026, typed from the notices, against the calendar."""

from __future__ import annotations

import datetime as dt

import pytest

from calendars import china

D = dt.date.fromisoformat

# Holiday ranges (放假, inclusive) and make-up working days (上班) as the notices state them.
# Copied from the notices, not from this package's output: these tests check the data source.
OFFICIAL: dict[int, tuple[str, list[tuple[str, str]], list[str]]] = {
    2019: (
        "国办发明电〔2018〕15号; 劳动节 revised by 国办发明电〔2019〕2号",
        [("2018-12-30", "2019-01-01"), ("2019-02-04", "2019-02-10"), ("2019-04-05", "2019-04-07"),
         ("2019-05-01", "2019-05-04"), ("2019-06-07", "2019-06-09"), ("2019-09-13", "2019-09-15"),
         ("2019-10-01", "2019-10-07")],
        ["2018-12-29", "2019-02-02", "2019-02-03", "2019-04-28", "2019-05-05", "2019-09-29",
         "2019-10-12"],
    ),
    2020: (
        "国办发明电〔2019〕16号; 春节 extended to 2 Feb and the 1 Feb working day cancelled by "
        "国办发明电〔2020〕1号",
        [("2020-01-01", "2020-01-01"), ("2020-01-24", "2020-02-02"), ("2020-04-04", "2020-04-06"),
         ("2020-05-01", "2020-05-05"), ("2020-06-25", "2020-06-27"), ("2020-10-01", "2020-10-08")],
        ["2020-01-19", "2020-04-26", "2020-05-09", "2020-06-28", "2020-09-27", "2020-10-10"],
    ),
    2021: (
        "国办发明电〔2020〕27号",
        [("2021-01-01", "2021-01-03"), ("2021-02-11", "2021-02-17"), ("2021-04-03", "2021-04-05"),
         ("2021-05-01", "2021-05-05"), ("2021-06-12", "2021-06-14"), ("2021-09-19", "2021-09-21"),
         ("2021-10-01", "2021-10-07")],
        ["2021-02-07", "2021-02-20", "2021-04-25", "2021-05-08", "2021-09-18", "2021-09-26",
         "2021-10-09"],
    ),
    2022: (
        "国办发明电〔2021〕11号",
        [("2022-01-01", "2022-01-03"), ("2022-01-31", "2022-02-06"), ("2022-04-03", "2022-04-05"),
         ("2022-04-30", "2022-05-04"), ("2022-06-03", "2022-06-05"), ("2022-09-10", "2022-09-12"),
         ("2022-10-01", "2022-10-07")],
        ["2022-01-29", "2022-01-30", "2022-04-02", "2022-04-24", "2022-05-07", "2022-10-08",
         "2022-10-09"],
    ),
    2023: (
        "国办发明电〔2022〕16号",
        [("2022-12-31", "2023-01-02"), ("2023-01-21", "2023-01-27"), ("2023-04-05", "2023-04-05"),
         ("2023-04-29", "2023-05-03"), ("2023-06-22", "2023-06-24"), ("2023-09-29", "2023-10-06")],
        ["2023-01-28", "2023-01-29", "2023-04-23", "2023-05-06", "2023-06-25", "2023-10-07",
         "2023-10-08"],
    ),
    2024: (
        "国办发明电〔2023〕7号",
        [("2024-01-01", "2024-01-01"), ("2024-02-10", "2024-02-17"), ("2024-04-04", "2024-04-06"),
         ("2024-05-01", "2024-05-05"), ("2024-06-10", "2024-06-10"), ("2024-09-15", "2024-09-17"),
         ("2024-10-01", "2024-10-07")],
        ["2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28", "2024-05-11", "2024-09-14",
         "2024-09-29", "2024-10-12"],
    ),
    2025: (
        "国办发明电〔2024〕12号 (first year under 国务院令第795号)",
        [("2025-01-01", "2025-01-01"), ("2025-01-28", "2025-02-04"), ("2025-04-04", "2025-04-06"),
         ("2025-05-01", "2025-05-05"), ("2025-05-31", "2025-06-02"), ("2025-10-01", "2025-10-08")],
        ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"],
    ),
    2026: (
        "国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04)",
        [("2026-01-01", "2026-01-03"), ("2026-02-15", "2026-02-23"), ("2026-04-04", "2026-04-06"),
         ("2026-05-01", "2026-05-05"), ("2026-06-19", "2026-06-21"), ("2026-09-25", "2026-09-27"),
         ("2026-10-01", "2026-10-07")],
        ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"],
    ),
}


def _days(a: str, b: str) -> list[dt.date]:
    first, last = D(a), D(b)
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


@pytest.mark.parametrize("year", sorted(OFFICIAL))
def test_every_holiday_rests_and_every_make_up_day_works(year: int) -> None:
    cal = china()
    _, ranges, workdays = OFFICIAL[year]
    for a, b in ranges:
        for day in _days(a, b):
            assert not cal.is_working_day(day), f"{day} is a holiday ({OFFICIAL[year][0]})"
    for w in workdays:
        assert D(w).weekday() >= 5, f"{w}: a make-up day in the notices is always a weekend day"
        assert cal.is_working_day(D(w)), f"{w} is a make-up working day ({OFFICIAL[year][0]})"


@pytest.mark.parametrize("year", sorted(OFFICIAL))
def test_no_other_day_differs_from_the_plain_week(year: int) -> None:
    # The complement: outside the notice's lists, Monday–Friday works and the weekend rests.
    cal = china()
    _, ranges, workdays = OFFICIAL[year]
    listed = {d for a, b in ranges for d in _days(a, b)} | {D(w) for w in workdays}
    for day in _days(f"{year}-01-01", f"{year}-12-31"):
        if day not in listed:
            assert cal.is_working_day(day) == (day.weekday() < 5), day


def test_natural_resources_27_versus_140() -> None:
    # Seed document: accepted 2019-07-25; committed 27 working days, legal 140.
    cal = china()
    accepted = D("2019-07-25")
    assert cal.add_working_days(accepted, 27) == D("2019-09-02")
    assert cal.add_working_days(accepted, 140) == D("2020-02-20")
    assert cal.working_days_between(accepted, D("2020-02-20")) == 140


def test_2020_spring_festival_extension() -> None:
    # 国办发明电〔2020〕1号: holiday to 2 Feb; the Saturday 1 Feb working day of the original
    # notice (国办发明电〔2019〕16号) cancelled; work resumed Monday 3 Feb.
    cal = china()
    for day in ("2020-01-31", "2020-02-01", "2020-02-02"):
        assert not cal.is_working_day(D(day))
    assert cal.is_working_day(D("2020-02-03"))
    assert cal.add_working_days(D("2020-01-23"), 1) == D("2020-02-03")
    info = cal.info(D("2020-02-01"))
    assert info is not None and "国办发明电〔2020〕1号" in info.source


@pytest.mark.parametrize(
    ("start", "n", "due", "why"),
    [
        # 2006 notice (国办发明电〔2005〕35号): Saturday 2005-12-31 worked for 元旦.
        ("2005-12-30", 1, "2005-12-31", "2005-12-31 worked"),
        ("2005-12-31", 1, "2006-01-04", "1–3 Jan 2006 off"),
        # 2007 notice (国办发明电〔2006〕49号): 30 and 31 Dec 2006 worked, 1–3 Jan 2007 off.
        ("2006-12-29", 2, "2006-12-31", "weekend of 30–31 Dec 2006 worked"),
        ("2006-12-31", 1, "2007-01-04", "1–3 Jan 2007 off"),
        # 2019 notice (国办发明电〔2018〕15号): Saturday 2018-12-29 worked; 30 Dec–1 Jan off.
        ("2018-12-28", 1, "2018-12-29", "2018-12-29 worked"),
        ("2018-12-28", 2, "2019-01-02", "30 Dec–1 Jan off"),
        # 2023 notice: 元旦 holiday 2022-12-31 to 2023-01-02.
        ("2022-12-30", 1, "2023-01-03", "31 Dec–2 Jan off"),
    ],
)
def test_year_boundary_substitutions(start: str, n: int, due: str, why: str) -> None:
    assert china().add_working_days(D(start), n) == D(due), why


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        ("2019-09-20", 15, "2019-10-08"),  # ends 5 Oct, inside 国庆 (1–7 Oct): next working day
        ("2020-01-20", 10, "2020-02-03"),  # ends 30 Jan, inside the extended 春节 holiday
        ("2026-02-06", 10, "2026-02-24"),  # ends 16 Feb (除夕), holiday runs to 23 Feb
        ("2025-12-27", 5, "2026-01-04"),   # ends 1 Jan; 2–3 Jan rest, Sunday 4 Jan is worked
        ("2026-02-07", 7, "2026-02-14"),   # ends Saturday 14 Feb, a make-up working day: stays
        ("2019-07-25", 0, "2019-07-25"),
    ],
)
def test_calendar_day_limits_ending_on_a_rest_day(start: str, n: int, due: str) -> None:
    assert china().add_calendar_days(D(start), n) == D(due)
