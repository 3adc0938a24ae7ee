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


def _two_days_less(path, rule_id: str) -> set[str]:
    """Shorten one rule's committed limit by two working days; the items it names."""
    import yaml

    data = yaml.safe_load(path.read_text("utf-8"))
    data["version"] = "draft"
    rule = next(r for r in data["rules"] if r["id"] == rule_id)
    (limit,) = [a["set_time_limit"] for a in rule["then"] if "set_time_limit" in a]
    limit["committed"]["working_days"] -= 2
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    leaf = rule["when"]["all"][0] if "all" in rule["when"] else rule["when"]
    return set(leaf.get("in") or [leaf.get("eq")])


def test_a_department_folder_stands_in_for_that_department_only(tmp_path, history):
    draft = tmp_path / "multi_review_draft"
    shutil.copytree(RULES_DIR / "natural_resources", draft)
    named = _two_days_less(draft / "multi_review.yaml", "compress-merged-land-site")
    summary = _replay(history, tmp_path / "out", draft)

    assert summary["changed"] > 0
    assert summary["policies"]["candidate"]["notes"] == [
        "stands in for the natural_resources rules; the others are those in force"]
    (changed,) = summary["rule_changes"]["files"]["changed"]
    assert changed["ruleset"] == "natural_resources.multi_review"
    assert changed["candidate"][0]["file"] == "multi_review_draft/multi_review.yaml"
    assert summary["rule_changes"]["files"]["removed"] == []  # common rules still there
    items = [r for r in summary["effects"]["items"] if r["changed"]]
    assert items and {r["item"] for r in items} <= named
    md = (tmp_path / "out" / "report.md").read_text("utf-8")
    for item in items:
        assert item["days_saved"] == 2 * item["days_changed"] > 0
        row = next(line for line in md.splitlines() if line.startswith(f"| {item['item']} |"))
        assert f"+{item['days_saved']:,} (saved; +2 per case" in row
    assert f"natural_resources/multi_review.yaml ({changed['baseline'][0]['version']})" in md
    assert "multi_review_draft/multi_review.yaml (draft)" in md
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
