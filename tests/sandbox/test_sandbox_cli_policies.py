"""Policies from git revisions, and the command line end to end on the built-in departments."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from kernel.cli import main
from sandbox.replay import ReplayOptions, replay

DATA = Path(__file__).with_name("data")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                   cwd=repo, check=True, capture_output=True)


def test_git_revisions_as_baseline_and_candidate(tmp_path, sbx_args, sbx_history):
    repo = tmp_path / "repo"
    (repo / "rules").mkdir(parents=True)
    _git(repo, "init", "-q")
    for src in ("rules_base", "rules_draft"):
        shutil.copy(DATA / src / "sbx.yaml", repo / "rules" / "sbx.yaml")
        _git(repo, "add", "rules")
        _git(repo, "commit", "-qm", src)
    by_git = replay(ReplayOptions(cases=sbx_history, baseline="HEAD~1", candidate="HEAD",
                                  repo=repo, out=tmp_path / "git", kernel=sbx_args, workers=1))
    by_dir = replay(ReplayOptions(cases=sbx_history, baseline=str(DATA / "rules_base"),
                                  candidate=str(DATA / "rules_draft"), out=tmp_path / "dir",
                                  kernel=sbx_args, workers=1))
    assert by_git["changed"] == by_dir["changed"] > 0
    assert by_git["candidate"] == by_dir["candidate"]
    assert by_git["policies"]["baseline"]["label"] == "rules/ at git revision HEAD~1"


def test_cli_generate_then_replay_the_rules_in_force(tmp_path, capsys):
    history = tmp_path / "h.jsonl"
    assert main(["sandbox", "generate", "--cases", "300", "--seed", "1",
                 "--out", str(history)]) == 0
    out = tmp_path / "out"
    assert main(["replay", str(history), "--out", str(out), "--workers", "2", "--quiet"]) == 0
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["cases"] == 300 and summary["bad_rows"] == 0 and summary["changed"] == 0
    # the rules in force then are the rules in force now: the history's outcomes agree
    assert summary["recorded"]["outcomes"] == summary["baseline"]["outcomes"]
    assert "300 cases in" in capsys.readouterr().err


def test_cli_errors_name_the_argument_or_the_line(tmp_path, capsys):
    history = tmp_path / "h.jsonl"
    history.write_text('{"case_id": "x"}\n', "utf-8")
    args = ["replay", str(history), "--out", str(tmp_path / "o"), "--quiet"]
    assert main([*args, "--candidate", "no-such-thing"]) == 2
    assert "--candidate: 'no-such-thing' is not a folder" in capsys.readouterr().err
    assert main([*args, "--on-error", "fail"]) == 2
    assert f"{history}:1: application: Field required" in capsys.readouterr().err


def test_a_copy_of_the_rules_tree_decides_like_the_rules_in_force(tmp_path, capsys):
    from rules import RULES_DIR

    history = tmp_path / "h.jsonl"
    assert main(["sandbox", "generate", "--cases", "200", "--out", str(history)]) == 0
    draft = tmp_path / "draft"
    shutil.copytree(RULES_DIR, draft)  # every folder, including ones other engines read
    out = tmp_path / "out"
    assert main(["replay", str(history), "--candidate", str(draft), "--out", str(out),
                 "--quiet"]) == 0
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["cases"] == 200 and summary["changed"] == 0


def test_credit_in_the_rows_reaches_the_replay(tmp_path):
    history = tmp_path / "h.jsonl"
    assert main(["sandbox", "generate", "--cases", "400", "--out", str(history)]) == 0
    rows = [json.loads(line) for line in history.read_text("utf-8").splitlines()]
    tolerated = next(r for r in rows if r["then"]["outcome"] == "accepted_with_tolerance")
    listed = json.loads(json.dumps(tolerated))
    listed["case_id"] += "-listed"
    listed["application"]["applicant"] = {"kind": "person", "name": "失信人",
                                          "id_number": "510903198001010011"}
    listed["credit"] = {"listings": [{"kind": "judgment_defaulter", "authority": "法院",
                                      "from": "2018-01-01"}]}
    cases = tmp_path / "two.jsonl"
    cases.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n"
                             for r in (tolerated, listed)), "utf-8")
    out = tmp_path / "out"
    assert main(["replay", str(cases), "--out", str(out), "--quiet", "--workers", "1"]) == 0
    outcomes = json.loads((out / "summary.json").read_text("utf-8"))["baseline"]["outcomes"]
    assert outcomes["accepted_with_tolerance"] == 1 and outcomes["correction_required"] == 1


@pytest.mark.parametrize("spec", ["/proc/self", "../../..", "/", "rules/../../..", "-x"])
def test_server_policies_outside_the_rules_roots_are_refused_unread(tmp_path, spec):
    from sandbox.policy import PolicyError, resolve

    root = tmp_path / "roots"
    (root / "draft").mkdir(parents=True)
    with pytest.raises(PolicyError) as err:
        resolve(spec, tmp_path, field="candidate", roots=(root,))
    assert err.value.field == "candidate" and "rules roots" in str(err.value)


def test_server_policies_may_name_a_folder_under_a_root(tmp_path):
    from sandbox.policy import resolve

    root = tmp_path / "roots"
    (root / "draft").mkdir(parents=True)
    assert resolve("draft", tmp_path, roots=(root,)).root == (root / "draft").resolve()
