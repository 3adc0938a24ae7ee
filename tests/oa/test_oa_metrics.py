"""Delay rate and error rate from stored steps, per department and per period."""

from __future__ import annotations

from datetime import date

from oakit import at

from plugins.oa.metrics import metrics
from plugins.oa.models import Advance, NewDocument

A, B = "市住建局", "市医保局"


def _new(oa, flow, lead, when, **kw):
    return oa.create(NewDocument(flow=flow, title="公文", type="函", lead=lead,
                                 received_at=at(when), **kw))


def _steps(oa, doc, *finishes, **last):
    for when in finishes[:-1]:
        doc = oa.advance(doc["id"], Advance(at=at(when)))
    return oa.advance(doc["id"], Advance(at=at(finishes[-1]), **last))


def _history(oa):
    # A: 登记 started 2 Sep 11:00 is due 5 Sep 17:30 (3 working days) and finished on the
    # 10th: the only late step of all.
    _steps(oa, _new(oa, "incoming", A, "2019-09-02 10:00"),
           "2019-09-02 11:00", "2019-09-10 10:00", "2019-09-10 11:00")
    # A: not for this office: the rules return it when 初审 is finished.
    ours = _steps(oa, _new(oa, "incoming", A, "2019-09-03 10:00", ours=False),
                  "2019-09-03 10:30", "2019-09-03 11:00", "2019-09-03 11:30")
    # B: the clerk returns it at 初审.
    mine = _steps(oa, _new(oa, "incoming", B, "2019-09-04 10:00"),
                  "2019-09-04 10:30", "2019-09-04 11:00", "2019-09-04 11:30",
                  result="returned", reason="文种使用错误")
    # B: outgoing, returned at 复核 to the signer, signed again: back at 复核.
    out = _steps(oa, _new(oa, "outgoing", B, "2019-09-05 10:00"),
                 "2019-09-05 11:00", "2019-09-05 14:00", "2019-09-05 15:00", "2019-09-05 16:00",
                 result="returned", reason="需作实质性修改")
    out = _steps(oa, out, "2019-09-06 10:00")
    # B: arrived in October, nothing finished yet.
    _new(oa, "incoming", B, "2019-10-08 10:00")
    return ours, mine, out


def test_returns_and_their_reasons(oa):
    ours, mine, out = _history(oa)
    assert ours["status"] == "returned" and ours["current_step"] is None
    assert ours["steps"][-1]["result"] == "returned"
    assert ours["steps"][-1]["reason"] == "不属于本机关办理事项"
    assert mine["status"] == "returned" and mine["steps"][-1]["reason"] == "文种使用错误"
    assert out["status"] == "open" and out["current_step"] == "recheck"
    assert [(s["step"], s["result"]) for s in out["steps"]] == [
        ("draft", "done"), ("check", "done"), ("sign", "done"), ("recheck", "returned"),
        ("sign", "done"), ("recheck", None)]


def test_rates_overall_per_department_and_per_month(oa):
    _history(oa)
    m = metrics(oa.engine)
    # 5 documents, 3 returned (two at 初审, one at 复核); 3+3+3+5 steps finished, 1 late.
    assert m["overall"] == {"steps_finished": 14, "steps_late": 1, "delay_rate": 0.0714,
                            "documents": 5, "documents_returned": 3, "error_rate": 0.6}
    a, b = m["by_department"][A], m["by_department"][B]
    assert (a["documents"], a["documents_returned"], a["error_rate"]) == (2, 1, 0.5)
    assert (a["steps_finished"], a["steps_late"], a["delay_rate"]) == (6, 1, 0.1667)
    assert (b["documents"], b["documents_returned"], b["error_rate"]) == (3, 2, 0.6667)
    assert (b["steps_finished"], b["steps_late"], b["delay_rate"]) == (8, 0, 0.0)
    assert m["by_month"]["2019-09"]["documents"] == 4
    assert m["by_month"]["2019-10"] == {"steps_finished": 0, "steps_late": 0,
                                        "delay_rate": None, "documents": 1,
                                        "documents_returned": 0, "error_rate": 0.0}


def test_rates_for_a_period_and_a_department(oa):
    _history(oa)
    october = metrics(oa.engine, date(2019, 10, 1), date(2019, 10, 31))
    assert october["overall"]["documents"] == 1 and october["overall"]["delay_rate"] is None
    # Steps finished from 6 Sep on: the late 登记 and the 初审 on the 10th, the re-signing.
    later = metrics(oa.engine, date(2019, 9, 6), None)["overall"]
    assert (later["steps_finished"], later["steps_late"]) == (3, 1)
    only_b = metrics(oa.engine, department=B)
    assert only_b["overall"]["documents"] == 3 and list(only_b["by_department"]) == [B]
