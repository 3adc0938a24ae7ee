"""`onetrip calendar …` through the kernel CLI's main()."""

from __future__ import annotations

from pathlib import Path

import pytest

from kernel.cli import main

DATA = Path(__file__).with_name("data")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["calendar", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (("add", "2019-07-25", "27"), "2019-09-02"),
        (("add", "2019-07-25", "140"), "2020-02-20"),
        (("add", "2019-09-20", "15", "--calendar-days"), "2019-10-08"),
        (("between", "2019-07-25", "2020-02-20"), "140"),
        (("hours", "2026-03-06T16:45+08:00", "1"), "2026-03-09T09:15+08:00"),
        (("hours", "2026-03-06T16:45+08:00", "45m"), "2026-03-06T17:30+08:00"),
        (("add", "2024-04-10", "1", "--region", "GX"), "2024-04-15"),
        (("add", "2027-02-04", "1", "--override", str(DATA / "fixture_2027.yaml")), "2027-02-12"),
    ],
)
def test_commands(capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], expected: str) -> None:
    assert run(capsys, *argv) == (0, expected + "\n", "")


def test_year_lists_days_with_sources(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "year", "2026")
    assert code == 0
    lines = out.splitlines()
    make_up = [line for line in lines if "上班" in line]
    # Make-up days of the 2026 notice: 4 Jan, 14 and 28 Feb, 9 May, 20 Sep, 10 Oct.
    assert [line[:10] for line in make_up] == [
        "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10",
    ]
    assert all("2026年部分节假日安排的通知" in line for line in lines)
    code, out, _ = run(capsys, "year", "2024", "--region", "GX")
    assert code == 0 and "壮族三月三" in out


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (("add", "2090-12-20", "30"), "2090"),  # past the provisional years
        (("add", "2026-02-30", "1"), "YYYY-MM-DD"),
        (("add", "2026-03-02", "-1"), "whole number"),
        (("add", "2026-03-02", "x"), "whole number"),
        (("hours", "2026-03-06T16:45", "1"), "naive"),
        (("hours", "2026-03-06T16:45+08:00", "abc"), "hours"),
        (("year", "2090"), "2090"),
        (("year", "2019", "--region", "GX"), "region GX"),
        (("add", "2026-03-02", "1", "--region", "XX"), "unknown region"),
        (("add", "2026-03-02", "1", "--override", str(DATA / "bad_date.yaml")), "bad_date.yaml:4"),
        (("add", "2026-03-02"), "required"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], words: str
) -> None:
    try:
        code, out, err = run(capsys, *argv)
    except SystemExit as e:  # argparse's own usage errors
        code, (out, err) = int(e.code or 0), capsys.readouterr()
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and words in err


def test_a_provisional_date_is_printed_and_said_so(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "add", "2026-12-01", "27")
    assert (code, out) == (0, "2027-01-08\n")
    assert "provisional: 2027年节假日安排尚未公布" in err
    code, out, _ = run(capsys, "coverage")
    assert out.splitlines()[1] == "provisional: 2027 2028 2029 2030 2031"
    code, out, _ = run(capsys, "day", "2027-02-09")
    assert "rest day  春节（补假）" in out and out.rstrip().endswith("(provisional)")


def test_load_checks_and_installs_a_notice(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONETRIP_CALENDAR_DIR", str(tmp_path))
    monkeypatch.delenv("ONETRIP_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)  # no onetrip.db here: nothing to recount
    code, out, err = run(capsys, "load", str(DATA / "fixture_2027.yaml"))
    assert (code, err) == (0, "")
    assert out.strip().endswith("covers 2027; no longer provisional: 2027")
    assert run(capsys, "add", "2027-02-04", "1") == (0, "2027-02-12\n", "")
    code, out, err = run(capsys, "load", str(DATA / "bad_date.yaml"))
    assert (code, out) == (2, "") and "bad_date.yaml:4" in err
