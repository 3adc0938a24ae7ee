"""好差评: only a completed case is rated; a bad rating opens a follow-up closed by a reply."""

from __future__ import annotations

from datetime import date

from kernel.models import TimeLimit

DONE = "2019-08-30T16:00:00+08:00"


def _completed(hall) -> str:
    cid = hall.submit()
    hall.complete(cid, DONE)
    return cid


def test_only_a_completed_case_is_rated_once(hall):
    cid = hall.submit()
    res = hall.call("POST", f"/v1/cases/{cid}/rating", json={"level": "满意"})
    assert res.status_code == 409 and res.json()["error"]["code"] == "not_completed"
    hall.complete(cid, DONE)
    res = hall.call("POST", f"/v1/cases/{cid}/rating", role="clerk", json={
        "level": "满意", "comment": "办事很快", "channel": "online",
        "rated_at": "2019-08-30T16:30:00+08:00"})
    assert res.status_code == 201, res.text
    body = res.json()
    assert body["follow_up"] is None
    assert (body["rating"]["good"], body["rating"]["department"]) == (True, "natural_resources")
    again = hall.call("POST", f"/v1/cases/{cid}/rating", json={"level": "不满意"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_rated"


def test_bad_input_names_the_field_and_stores_nothing(hall):
    cid = _completed(hall)
    for body, field in (({"level": "一般"}, "level"), ({"level": "满意", "channel": "fax"},
                                                      "channel"),
                        ({"level": "满意", "rated_at": "2019-08-01T10:00:00+08:00"}, "rated_at"),
                        ({"level": "满意", "extra": 1}, "extra")):
        res = hall.call("POST", f"/v1/cases/{cid}/rating", json=body)
        assert res.status_code == 422 and res.json()["error"]["field"] == field, (body, res.text)
    assert hall.call("POST", "/v1/cases/nope/rating", json={"level": "满意"}).status_code == 404
    assert hall.call("GET", "/v1/supervision/satisfaction").json()["overall"]["ratings"] == 0


def test_a_bad_rating_opens_a_follow_up_with_an_owner_and_a_working_day_due_date(hall):
    cid = _completed(hall)
    rated = "2019-09-02T10:00:00+08:00"
    res = hall.call("POST", f"/v1/cases/{cid}/rating", json={
        "level": "非常不满意", "comment": "窗口人员态度差", "rated_at": rated})
    assert res.status_code == 201, res.text
    follow = res.json()["follow_up"]
    expected = hall.kernel.calendar.due(date(2019, 9, 2),
                                        TimeLimit(unit="working_days", amount=15)).day
    # 15 working days from Monday 09-02, over the Mid-Autumn Festival (09-13): 09-24
    assert (follow["owner"], follow["due_on"], follow["status"]) == (
        "natural_resources", expected.isoformat(), "open")
    assert expected == date(2019, 9, 24)
    listed = hall.call("GET", "/v1/supervision/follow-ups?status=open", role="auditor").json()
    assert [f["id"] for f in listed] == [follow["id"]]

    reply = f"/v1/supervision/follow-ups/{follow['id']}/reply"
    res = hall.call("POST", reply, role="clerk", json={
        "reply": "已约谈窗口人员并致歉", "by": "自然资源和规划局",
        "at": "2019-09-25T09:00:00+08:00"})
    assert res.status_code == 200, res.text
    assert (res.json()["status"], res.json()["late"]) == ("closed", True)  # after 09-24
    assert hall.call("POST", reply, json={"reply": "再次"}).json()["error"]["code"] == "closed"
    assert hall.call("POST", reply.replace(str(follow["id"]), "999"),
                     json={"reply": "x"}).status_code == 404
    assert hall.call("POST", reply, json={"reply": ""}).json()["error"]["field"] == "reply"
    assert hall.call("GET", "/v1/supervision/follow-ups?status=open").json() == []


def test_satisfaction_is_good_over_all_ratings_per_department_item_window_and_month(hall):
    levels = ["非常满意", "满意", "基本满意", "不满意"]
    for level in levels:
        cid = _completed(hall)
        hall.call("POST", f"/v1/cases/{cid}/rating", json={
            "level": level, "rated_at": "2019-09-03T10:00:00+08:00"})
    sat = hall.call("GET", "/v1/supervision/satisfaction", role="auditor").json()
    assert sat["overall"] == {"good": 3, "ratings": 4, "satisfaction": 0.75}
    assert sat["by_department"]["natural_resources"]["satisfaction"] == 0.75
    assert sat["by_item"]["NR-LAND-SITE"]["ratings"] == 4
    assert sat["by_month"]["2019-09"]["good"] == 3
    assert sat["by_window"]["natural_resources:own"]["ratings"] == 4  # no window recorded
    assert hall.call("GET", "/v1/supervision/satisfaction?from=2019-10-01").json()[
        "overall"]["ratings"] == 0
    assert hall.call("GET", "/v1/supervision/satisfaction",
                     role="clerk").status_code == 403  # supervision: auditors and admins
