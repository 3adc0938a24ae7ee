"""Chasing (催办) fires before a step is overdue, once; due-soon and overdue lists."""

from __future__ import annotations

import json
from datetime import datetime

from oakit import at

from kernel.cli import main
from kernel.store import start_kernel
from plugins.oa import service_of
from plugins.oa.models import Advance, NewDocument


def _doc(oa, urgency="平件", when="2019-09-26 10:00"):
    return oa.create(NewDocument(flow="incoming", title="关于报送统计数据的函", type="函",
                                 urgency=urgency, received_at=at(when)))


def test_normal_document_is_chased_at_half_time_once(oa):
    doc = _doc(oa)
    step = doc["steps"][0]
    # Due 30 Sep 17:30. Office time from 26 Sep 10:00: 6 h that day, then 7 h on each of
    # 27, 29 (make-up Sunday) and 30 Sep: 27 h. Half is 13.5 h: 6 + 7 on the 26th and 27th,
    # then 0.5 h into 29 Sep.
    assert step["due_at"] == at("2019-09-30 17:30").isoformat()
    assert step["chase_at"] == at("2019-09-29 09:30").isoformat()
    assert oa.chase(at("2019-09-29 09:29")) == []
    chased = oa.chase(at("2019-09-29 09:30"))
    assert [c["doc_id"] for c in chased] == [doc["id"]]
    assert datetime.fromisoformat(chased[0]["chased_at"]) < datetime.fromisoformat(
        chased[0]["due_at"])
    assert oa.chase(at("2019-09-29 09:31")) == []
    assert oa.chase(at("2019-09-30 17:31")) == []  # overdue now, and still chased only once
    assert oa.get(doc["id"])["steps"][0]["chased_at"] == at("2019-09-29 09:30").isoformat()


def test_extra_urgent_is_chased_two_office_hours_before_due(oa):
    doc = _doc(oa, urgency="特急", when="2019-09-30 17:00")
    # Due 8 Oct 17:00 (7 office hours over the holiday); 2 office hours before is 15:00.
    assert doc["steps"][0]["chase_at"] == at("2019-10-08 15:00").isoformat()
    assert oa.chase(at("2019-10-08 14:59")) == []
    assert len(oa.chase(at("2019-10-08 15:00"))) == 1


def test_a_finished_step_is_not_chased_and_the_next_gets_its_own_chase(oa):
    doc = _doc(oa)
    oa.advance(doc["id"], Advance(at=at("2019-09-27 09:00")))
    chased = oa.chase(at("2019-10-30 09:00"))
    assert [c["step"] for c in chased] == ["register"]


def test_due_soon_and_overdue_lists(oa):
    doc = _doc(oa)
    before = oa.due(at("2019-09-29 09:00"))
    assert before["due_soon"] == [] and before["overdue"] == []
    soon = oa.due(at("2019-09-30 10:00"))
    assert [r["doc_id"] for r in soon["due_soon"]] == [doc["id"]] and soon["overdue"] == []
    late = oa.due(at("2019-09-30 17:31"))
    assert [r["doc_id"] for r in late["overdue"]] == [doc["id"]] and late["due_soon"] == []


def test_two_kernels_on_one_database_chase_a_step_once(db_url):
    first, second = start_kernel(db_url=db_url), start_kernel(db_url=db_url)
    try:
        _doc(service_of(first))
        got = [service_of(k).chase(at("2019-09-29 10:00")) for k in (first, second)]
    finally:
        first.close()
        second.close()
    assert [len(g) for g in got] == [1, 0]


def test_cli_chase_is_idempotent(db_url, capsys):
    kernel = start_kernel(db_url=db_url)
    try:
        doc = _doc(service_of(kernel))
    finally:
        kernel.close()
    argv = ["oa", "chase", "--as-of", "2019-09-29T10:00:00+08:00", "--db", db_url]
    assert main(argv) == 0
    assert [c["doc_id"] for c in json.loads(capsys.readouterr().out)] == [doc["id"]]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_oa_rules_lint_names_file_and_line(tmp_path, capsys):
    assert main(["oa", "lint"]) == 0
    assert "rules: ok" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text("""\
ruleset: oa.bad
version: "1"
department: oa
reference: 本地惯例
effective: {from: 2019-01-01}
rules:
  - id: x
    title: 未声明的事实与动作
    when: {fact: doc.colour, eq: red}
    then:
      - set_step_limit: {working_days: 2, office_hours: 3}
      - accept: {}
""", encoding="utf-8")
    assert main(["oa", "lint", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:9: rule x: unknown fact 'doc.colour'" in err
    assert f"{bad}:11:" in err and "exactly one" in err
    assert f"{bad}:12: unknown action 'accept'" in err  # the kernel's case actions are not OA's
