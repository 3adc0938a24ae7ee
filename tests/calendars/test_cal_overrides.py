"""Override files: regional days, declared years, plugin overrides and file:line errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from calendars import CalendarCoverageError, OverrideError, OverrideFile, china

DATA = Path(__file__).with_name("data")
D = dt.date.fromisoformat


def test_guangxi_sanyuesan() -> None:
    gx, national = china("GX"), china()
    # 广西壮族自治区人民政府办公厅关于2024年“壮族三月三”放假的通知: 11–12 April 2024 off.
    for day in ("2024-04-11", "2024-04-12"):
        assert not gx.is_working_day(D(day)) and national.is_working_day(D(day))
    assert gx.add_working_days(D("2024-04-10"), 1) == D("2024-04-15")
    # 2023 notice: 21–23 April off, including Sunday 23 April, a national make-up working day.
    assert not gx.is_working_day(D("2023-04-23")) and national.is_working_day(D("2023-04-23"))
    # 2017 notice: Saturday 1 April off in Guangxi, Saturday 8 April worked instead.
    assert not gx.is_working_day(D("2017-04-01")) and national.is_working_day(D("2017-04-01"))
    assert gx.is_working_day(D("2017-04-08")) and not national.is_working_day(D("2017-04-08"))
    assert "壮族三月三" in (gx.info(D("2024-04-11")) or pytest.fail()).source


def test_a_region_with_days_of_its_own_is_known_only_where_its_notices_are() -> None:
    gx = china("GX")
    assert gx.covered_years == (2017, 2023, 2024)
    with pytest.raises(CalendarCoverageError, match="2019.*region GX"):
        gx.add_working_days(D("2019-07-25"), 27)
    with pytest.raises(CalendarCoverageError, match="2018"):
        gx.add_working_days(D("2017-12-01"), 40)  # would count through 2018
    # A region without days of its own follows the national schedule.
    assert china("ZJ").covered_years == china().covered_years


def test_an_override_can_declare_a_year_known() -> None:
    cal = china(overrides=[DATA / "fixture_2027.yaml"])
    assert cal.covered_years[-1] == 2027
    assert cal.add_working_days(D("2027-02-04"), 1) == D("2027-02-12")
    assert cal.is_working_day(D("2027-02-13"))
    # Only its own entries count: the package's estimated 2027 dates are not used.
    assert cal.is_working_day(D("2027-04-05"))
    assert china().covered_years[-1] == 2026  # the plain calendar is unchanged


def test_regional_override_from_a_plugin() -> None:
    cal = china("HB", overrides=[str(DATA / "fixture_region_hb.yaml")])
    assert cal.covered_years == (2025, 2026)
    assert not cal.is_working_day(D("2026-03-03"))
    assert china().is_working_day(D("2026-03-03"))  # other calendars never see it
    assert china("GX", overrides=[DATA / "fixture_region_hb.yaml"]).is_working_day(D("2024-03-05"))


def test_department_closure_as_an_object_and_caching() -> None:
    closure = OverrideFile(
        source="department notice (test)",
        holidays=[{"date": "2026-03-03", "name": "system migration"}],
    )
    cal = china(overrides=[closure])
    assert not cal.is_working_day(D("2026-03-03"))
    assert cal is china(overrides=[closure])  # cached per (region, overrides)
    as_dict = {"source": "department notice (test)",
               "holidays": [{"date": "2026-03-03", "name": "system migration"}]}
    assert cal is china(overrides=[as_dict])
    with pytest.raises(OverrideError, match="source"):
        china(overrides=[{"holidays": []}])


@pytest.mark.parametrize(
    ("name", "line", "words"),
    [
        ("bad_yaml.yaml", 4, "invalid YAML"),
        ("bad_unknown_key.yaml", 3, "holiday: Extra inputs"),
        ("bad_date.yaml", 4, "holidays.1.date"),
        ("bad_no_source.yaml", 1, "source: Field required"),
        ("bad_weekday_workday.yaml", 4, "2026-03-09 is a Monday"),
        ("bad_duplicate_key.yaml", 4, "duplicate key 'source'"),
        ("bad_remove.yaml", 5, "2026-03-03 is not a holiday"),
        ("bad_region.yaml", 2, "unknown region 'XX'"),
        ("bad_range.yaml", 3, "both `from` and `to`"),
    ],
)
def test_malformed_override_files_name_file_and_line(name: str, line: int, words: str) -> None:
    with pytest.raises(OverrideError) as e:
        china(overrides=[DATA / name])
    message = str(e.value)
    assert f"{name}:{line}: " in message
    assert words in message
    assert isinstance(e.value, ValueError)


def test_missing_file() -> None:
    with pytest.raises(OverrideError, match="cannot read"):
        china(overrides=[DATA / "no_such_file.yaml"])
