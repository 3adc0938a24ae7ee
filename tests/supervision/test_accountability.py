"""责任追究制: a late case records its overdue working days and the step that ran late."""

from __future__ import annotations

from plugins.supervision import supervision_of


def test_a_late_case_names_the_overdue_working_days_and_the_late_step(hall_without_oa):
    hall = hall_without_oa
    cid = hall.submit()  # accepted 2019-07-25: committed 27 working days, due 2019-09-02
    hall.complete(cid, "2019-09-05T16:00:00+08:00")
    res = hall.call("GET", f"/v1/cases/{cid}/accountability", role="auditor")
    assert res.status_code == 200, res.text
    record = res.json()
    assert (record["due_on"], record["overdue_working_days"]) == ("2019-09-02", 3)
    assert record["legal_overdue_working_days"] == 0  # legal 140 working days
    assert (record["department"], record["window"]) == ("natural_resources",
                                                        "natural_resources:own")
    step = record["step"]
    assert (step["source"], step["step"], step["name"], step["department"]) == (
        "case", "review", "审查决定", "natural_resources")
    assert step["ran_out_at"].startswith("2019-09-03T00:00:00")
    listed = hall.call("GET", "/v1/supervision/accountability?from=2019-09-01").json()
    assert [r["case_id"] for r in listed] == [cid]


def test_paused_time_never_counts_against_the_agency(hall_without_oa):
    hall = hall_without_oa
    cid = hall.submit()
    res = hall.call("POST", f"/v1/cases/{cid}/clock", json={
        "action": "pause", "reason": "专家评审", "length": {"working_days": 15},
        "at": "2019-08-05T10:00:00+08:00"})
    assert res.status_code == 200, res.text
    hall.call("POST", f"/v1/cases/{cid}/clock", json={"action": "resume",
                                                      "at": "2019-08-09T15:00:00+08:00"})
    hall.complete(cid, "2019-09-05T16:00:00+08:00")  # after 09-02, before the new 09-09
    res = hall.call("GET", f"/v1/cases/{cid}/accountability")
    assert res.status_code == 404 and res.json()["error"]["code"] == "no_record"
    late = hall.submit()
    hall.call("POST", f"/v1/cases/{late}/clock", json={
        "action": "pause", "reason": "专家评审", "length": {"working_days": 15},
        "at": "2019-08-05T10:00:00+08:00"})
    hall.call("POST", f"/v1/cases/{late}/clock", json={"action": "resume",
                                                       "at": "2019-08-09T15:00:00+08:00"})
    hall.complete(late, "2019-09-11T16:00:00+08:00")  # two working days past 09-09
    assert hall.call("GET", f"/v1/cases/{late}/accountability").json()[
        "overdue_working_days"] == 2


def test_a_late_notice_document_is_the_responsible_step(hall):
    cid = hall.submit()  # the OA plugin opens its 受理通知书, which nobody moves on
    hall.complete(cid, "2019-09-04T16:00:00+08:00")
    record = hall.call("GET", f"/v1/cases/{cid}/accountability").json()
    step = record["step"]
    assert (record["overdue_working_days"], step["source"], step["step"], step["name"]) == (
        2, "oa", "draft", "拟稿")
    assert step["title"].startswith("受理通知书") and step["finished_at"] is None
    assert step["due_at"] < step["ran_out_at"]


def test_an_event_delivered_twice_records_once(hall_without_oa):
    hall = hall_without_oa
    cid = hall.submit()
    hall.complete(cid, "2019-09-05T16:00:00+08:00")
    sv = supervision_of(hall.kernel)
    from datetime import datetime

    assert sv.account(cid, datetime.fromisoformat("2019-09-05T16:00:00+08:00")) is None
    assert len(sv.accountability()) == 1
    assert hall.call("GET", "/v1/cases/nope/accountability").status_code == 404
