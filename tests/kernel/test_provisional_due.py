"""A decision counted through a year without a published notice is flagged, in data and notice."""

import json
from datetime import date
from pathlib import Path

from kernel.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NOTE = "2027年节假日安排尚未公布，按法定节假日暂计，国务院办公厅公布后可能调整"


def test_a_case_of_december_2026_gets_provisional_dates_and_says_so(kernel, land_site):
    decision, _ = kernel.evaluate(dict(land_site, submitted_at="2026-12-28T10:00:00+08:00"))
    assert decision.outcome == "accepted"
    due = decision.due
    assert (due.committed, due.legal) == (date(2027, 1, 5), date(2027, 1, 26))
    assert due.provisional and due.provisional_years == (2027,) and due.provisional_note == NOTE
    assert decision.items[0].due == due
    (notice,) = decision.notices
    assert f"承诺于2027-01-05前办结（{NOTE}）。" in notice


def test_a_firm_committed_date_is_printed_without_the_note(kernel, land_site):
    # Committed 5 working days end on 2026-12-21; the legal 20 run into 2027.
    decision, _ = kernel.evaluate(dict(land_site, submitted_at="2026-12-14T10:00:00+08:00"))
    assert decision.due.committed == date(2026, 12, 21) and decision.due.legal.year == 2027
    assert decision.due.provisional  # the legal date is a guess, and the data say so
    assert "暂计" not in decision.notices[0]


def test_known_years_are_never_provisional(kernel, land_site):
    decision, _ = kernel.evaluate(land_site)
    assert not decision.due.provisional and decision.due.provisional_note is None
    assert decision.due.provisional_years == ()


def test_tolerance_notice_flags_a_provisional_supplement_date(kernel):
    data = json.loads((EXAMPLES / "land_site_tolerance.json").read_text(encoding="utf-8"))
    # Committed 5 working days from 12-31 end 2027-01-08; the supplement date leaves the
    # agency its 5 days of review and the applicant one: 2027-01-04 (Jan 1 off).
    decision, _ = kernel.evaluate(dict(data, submitted_at="2026-12-31T10:00:00+08:00"))
    assert decision.supplement_by == date(2027, 1, 4)
    assert f"请于2027-01-04（{NOTE}）前补齐" in decision.notices[1]


def test_cli_evaluates_the_december_example_without_a_traceback(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the CLI's default SQLite file lands here
    assert main(["evaluate", str(EXAMPLES / "land_site_2026-12-28.json")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["due"] == {"legal": "2027-01-26", "committed": "2027-01-05", "provisional": True,
                          "provisional_years": [2027], "provisional_note": NOTE}
