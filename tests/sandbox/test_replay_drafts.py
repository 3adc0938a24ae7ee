"""Drafts of one department, partial drafts, and what the report says about them."""

import re
import shutil
from html import escape

import pytest

from rules import RULES_DIR
from sandbox.render import text_of
from sandbox.replay import ReplayOptions, replay
from sandbox.report import blocks


@pytest.fixture
def history(tmp_path, kernel):
    from sandbox.generate import write

    path = tmp_path / "h.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        write(kernel, fh, cases=400, seed=11, then=False)
    return path


def _replay(history, out, candidate):
    return replay(ReplayOptions(cases=history, candidate=str(candidate), out=out, workers=2,
                                partition_bytes=32_768))


def test_a_partial_draft_keeps_the_rules_in_force_it_leaves_out(tmp_path, history):
    draft = tmp_path / "draft"
    shutil.copytree(RULES_DIR / "natural_resources", draft / "natural_resources")
    summary = _replay(history, tmp_path / "out", draft)
    assert summary["changed"] == 0  # the common rules were not dropped
    files = summary["rule_changes"]["files"]
    assert files["changed"] == files["added"] == files["removed"] == []


def test_a_department_folder_stands_in_for_that_department_only(tmp_path, history):
    draft = tmp_path / "multi_review_draft"
    shutil.copytree(RULES_DIR / "natural_resources", draft)
    path = draft / "multi_review.yaml"
    text = path.read_text("utf-8")
    assert "committed: {working_days: 27}" in text
    path.write_text(text.replace("committed: {working_days: 27}", "committed: {working_days: 20}")
                    .replace('version: "2019.1"', 'version: "2019.2"'), "utf-8")
    summary = _replay(history, tmp_path / "out", draft)

    assert summary["changed"] > 0
    assert summary["policies"]["candidate"]["notes"] == [
        "stands in for the natural_resources rules; the others are those in force"]
    (changed,) = summary["rule_changes"]["files"]["changed"]
    assert changed["ruleset"] == "natural_resources.multi_review"
    assert changed["candidate"][0]["file"] == "multi_review_draft/multi_review.yaml"
    assert summary["rule_changes"]["files"]["removed"] == []  # common rules still there
    (item,) = [r for r in summary["effects"]["items"] if r["changed"]]
    assert item["item"] == "NR-LAND-SITE" and item["days_saved"] == 7 * item["days_changed"]

    md = (tmp_path / "out" / "report.md").read_text("utf-8")
    row = next(line for line in md.splitlines() if line.startswith("| NR-LAND-SITE |"))
    assert f"+{7 * item['days_changed']:,} (saved; +7 per case" in row
    assert "natural_resources/multi_review.yaml (2019.1)" in md
    assert "multi_review_draft/multi_review.yaml (2019.2)" in md
    assert re.search(r"compress-merged-land-site .*\(redefined by the candidate and fired\)", md)


def test_markdown_and_html_reports_say_the_same(tmp_path, history):
    draft = tmp_path / "draft"
    shutil.copytree(RULES_DIR / "common", draft / "common")
    (draft / "common" / "tolerance.yaml").unlink()
    summary = _replay(history, tmp_path / "out", draft)
    assert summary["changed"] > 0 and summary["examples"]
    md = (tmp_path / "out" / "report.md").read_text("utf-8")
    page = (tmp_path / "out" / "report.html").read_text("utf-8")
    for text in text_of(blocks(summary)):
        assert text.replace("|", "\\|") in md, text
        assert escape(text) in page, text
    assert "common.tolerance | removed" in md


def test_a_draft_folder_the_replay_does_not_read_is_named(tmp_path, history):
    draft = tmp_path / "draft"
    shutil.copytree(RULES_DIR, draft, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    summary = _replay(history, tmp_path / "out", draft)
    assert summary["changed"] == 0
    notes = summary["policies"]["candidate"]["notes"]
    assert any(n.startswith("oa/ is not read") for n in notes)
    assert "oa/ is not read" in (tmp_path / "out" / "report.md").read_text("utf-8")
