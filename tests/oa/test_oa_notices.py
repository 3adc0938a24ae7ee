"""Formal notices from case decisions appear as outgoing documents in the OA flow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kernel.store import start_kernel
from kernel.store.outbox import Outbox
from plugins.oa import service_of
from plugins.oa.metrics import metrics
from rules import RULES_DIR

EXAMPLE = Path(__file__).parents[2] / "examples" / "land_site_complete.json"
TOLERANCE = """\
ruleset: test.tolerance
version: "1"
department: natural_resources
reference: 遂宁市容缺受理制度（测试用）
effective: {from: 2019-01-01}
rules:
  - id: tolerate-secondary
    title: 主件齐全、辅件欠缺的，容缺受理
    when: {fact: materials.missing_main, eq: 0}
    then:
      - tolerate_missing: {materials: tolerable}
"""


@pytest.fixture
def tolerant(db_url, tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "tolerance.yaml").write_text(TOLERANCE, encoding="utf-8")
    k = start_kernel(db_url=db_url, rule_dirs=[RULES_DIR / "common",
                                               RULES_DIR / "natural_resources", rules])
    yield k
    k.close()


def _application(missing: str) -> dict:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["materials"] = [m for m in data["materials"] if m != missing]
    return data


def _outgoing(kernel, case_id):
    service = service_of(kernel)
    from sqlmodel import Session, select

    from plugins.oa.models import OADocument

    with Session(service.engine) as s:
        ids = s.exec(select(OADocument.id).where(OADocument.case_id == case_id)).all()
    return [service.get(i) for i in ids]


def test_tolerance_notice_becomes_an_outgoing_document(tolerant):
    decision, ctx = tolerant.evaluate(_application("NR-M-BOUNDARY-SURVEY"), case_id="C-2019-001")
    assert decision.outcome == "accepted_with_tolerance"
    Outbox(tolerant).decision(ctx, decision)
    docs = {d["type"]: d for d in _outgoing(tolerant, "C-2019-001")}
    assert set(docs) == {"受理通知书", "容缺受理通知书"}
    notice = docs["容缺受理通知书"]
    assert notice["flow"] == "outgoing" and notice["current_step"] == "draft"
    assert notice["lead"] == "natural_resources" and notice["urgency"] == "加急"
    assert "勘测定界图及技术报告" in notice["body"]
    # Accepted at 2019-07-25 10:00 (Thu); 加急 drafting is due a working day later.
    assert notice["steps"][0]["due_at"] == "2019-07-26T17:30:00+08:00"
    assert flagless(decision)


def flagless(decision) -> bool:
    return not [f for f in decision.flags if f.get("code") == "plugin_error"]


def test_the_same_decision_told_twice_opens_its_notices_once(tolerant):
    decision, ctx = tolerant.evaluate(_application("NR-M-BOUNDARY-SURVEY"), case_id="C-2")
    Outbox(tolerant).decision(ctx, decision)
    Outbox(tolerant).decision(ctx, decision)
    assert len(_outgoing(tolerant, "C-2")) == 2
    assert flagless(decision)


def test_correction_notice_and_dry_runs(kernel):
    decision, ctx = kernel.evaluate(_application("NR-M-SITE-PLAN"), case_id="C-3")
    assert decision.outcome == "correction_required"  # a main material is never tolerated
    Outbox(kernel).decision(ctx, decision)
    assert [d["type"] for d in _outgoing(kernel, "C-3")] == ["补正材料通知书"]
    dry, dry_ctx = kernel.evaluate(_application("NR-M-SITE-PLAN"))
    Outbox(kernel).decision(dry_ctx, dry)  # no case id: nothing stored, nothing to track
    assert metrics(service_of(kernel).engine)["overall"]["documents"] == 1


def test_a_correction_notice_is_due_within_the_art_32_window_and_its_dispatch_reaches_the_case(
        kernel):
    from oakit import at

    from kernel.store.lifecycle import Lifecycle
    from plugins.oa.models import Advance

    lc = Lifecycle(kernel)
    case_id, _ = lc.submit(_application("NR-M-SITE-PLAN"))  # received Thu 2019-07-25 10:00
    (doc,) = _outgoing(kernel, case_id)
    # Five working days after 07-25: the notice is due by the close of Thursday 08-01.
    assert (doc["type"], doc["deadline"]) == ("补正材料通知书", "2019-08-01T17:30:00+08:00")
    service = service_of(kernel)
    finished = ["07-26 09:00", "07-29 09:00", "07-30 09:00", "07-31 09:00", "08-01 10:00",
                "08-01 11:00", "08-01 15:00"]
    for when in finished:
        doc = service.advance(doc["id"], Advance(at=at(f"2019-{when}")))
        if doc["status"] == "open":  # 加急 is a working day a step, never past the window
            assert doc["steps"][-1]["due_at"] <= "2019-08-01T17:30:00+08:00"
    assert doc["status"] == "finished"
    assert [s["due_at"] for s in doc["steps"][-2:]] == ["2019-08-01T17:30:00+08:00"] * 2
    view = lc.get(case_id)
    assert view["events"][-1]["kind"] == "correction_notified"
    assert lc.sweep(at("2019-08-05 09:00")) == 0
    assert lc.get(case_id)["state"] == "correction_required"


def test_the_notices_of_a_guangxi_case_run_on_the_guangxi_calendar(kernel):
    app = {**json.loads(EXAMPLE.read_text(encoding="utf-8")), "region": "GX",
           "submitted_at": "2024-04-10T10:00:00+08:00"}
    decision, ctx = kernel.evaluate(app, case_id="GX-1")
    Outbox(kernel).decision(ctx, decision)
    (doc,) = _outgoing(kernel, "GX-1")
    # 加急 drafting is due a working day later: 04-11/12 are 壮族三月三, so Monday 04-15.
    assert (doc["region"], doc["steps"][0]["due_at"]) == ("GX", "2024-04-15T17:30:00+08:00")
