"""Procedure clocks over HTTP: art. 45 pauses (closed list, expected length, a notice)."""

from __future__ import annotations

from casekit import application
from test_api import call, json_of

CASES = "/v1/cases"


async def _case(c, **changes) -> str:
    return (await (await c.post(CASES, json=application(**changes))).json())["id"]


def test_an_art_45_pause_needs_a_listed_step_and_its_length(kernel):
    async def steps(c):
        cid = await _case(c)
        clock = f"{CASES}/{cid}/clock"
        at = "2019-07-29T10:00:00+08:00"
        s, err = await json_of(await c.post(clock, json={
            "action": "pause", "reason": "等领导回来", "length": {"working_days": 3}, "at": at}))
        assert (s, err["error"]["code"], err["error"]["field"]) == (422, "invalid", "reason")
        assert "专家评审" in err["error"]["message"]
        s, err = await json_of(await c.post(clock, json={
            "action": "pause", "reason": "专家评审", "at": at}))
        assert (s, err["error"]["field"]) == (422, "length")
        s, err = await json_of(await c.post(clock, json={
            "action": "pause", "reason": "专家评审", "length": {"office_hours": 4}, "at": at}))
        assert (s, err["error"]["field"]) == (422, "length")
        s, view = await json_of(await c.get(f"{CASES}/{cid}"))
        assert not view["clock"]["paused"] and [e["kind"] for e in view["events"]] == [
            "submitted", "decided", "notified"]
        s, view = await json_of(await c.post(clock, json={
            "action": "pause", "reason": "专家评审", "length": {"working_days": 15}, "at": at}))
        assert (s, view["clock"]["paused"], view["due"]["committed"]) == (200, True, None)
        (step,) = view["clock"]["special_steps"]
        # 15 working days after Monday 2019-07-29: Monday 08-19.
        assert (step["step"], step["expected_end"], step["length"]) == (
            "专家评审", "2019-08-19", {"unit": "working_days", "amount": 15})
        assert step["notice"].startswith("特别程序告知书：您申请的建设项目用地预审与选址意见书")
        assert "第四十五条" in step["notice"] and "15个工作日（至2019-08-19）" in step["notice"]
        assert view["events"][-1]["payload"]["notice"] == step["notice"]
        s, err = await json_of(await c.post(clock, json={
            "action": "pause", "reason": "检测", "length": {"working_days": 2}, "at": at}))
        assert (s, err["error"]["code"]) == (409, "invalid_clock")
        s, view = await json_of(await c.post(clock, json={
            "action": "resume", "at": "2019-08-02T15:00:00+08:00"}))
        # 07-29 .. 08-02 are not counted; 07-26 was used, 4 days follow: 08-08
        assert view["due"]["committed"] == "2019-08-08" and not view["clock"]["paused"]
        assert view["events"][-1]["payload"] == {
            **view["events"][-1]["payload"], "reason": "专家评审", "step": "专家评审"}

    call(kernel, steps)


def test_an_art_42_extension_is_approved_once_with_its_reason_and_moves_the_dates(kernel):
    async def steps(c):
        cid = await _case(c)  # accepted 2019-07-25: committed 08-01, legal 08-22
        ext = f"{CASES}/{cid}/extension"
        body = {"approver": "局长王某", "reason": "需组织专家现场踏勘，二十日内不能作出决定",
                "at": "2019-07-31T10:00:00+08:00"}
        s, err = await json_of(await c.post(ext, json={**body, "working_days": 11}))
        assert (s, err["error"]["field"]) == (422, "working_days")
        s, err = await json_of(await c.post(ext, json={"reason": "x"}))
        assert (s, err["error"]["field"]) == (422, "approver")
        s, view = await json_of(await c.post(ext, json=body))
        assert s == 200
        # Ten more working days: committed 08-01 → 08-15, legal 08-22 → 09-05.
        assert view["due"] == {"committed": "2019-08-15", "legal": "2019-09-05"}
        extension = view["extension"]
        assert (extension["approver"], extension["working_days"], extension["allowed"]) == (
            "局长王某", 10, 10)
        assert extension["due_before"] == {"committed": "2019-08-01", "legal": "2019-08-22"}
        assert extension["due_after"] == view["due"]
        assert "第四十二条" in extension["notice"] and "需组织专家现场踏勘" in extension["notice"]
        assert "延长10个工作日，延长后的法定办理期限至2019-09-05" in extension["notice"]
        assert view["events"][-1]["kind"] == "extended"
        s, view = await json_of(await c.get(f"{CASES}/{cid}",
                                            params={"as_of": "2019-08-13T10:00:00+08:00"}))
        assert view["clock"]["remaining_working_days"] == 2  # 08-13 is in use: 13 of 15
        s, err = await json_of(await c.post(ext, json=body))
        assert (s, err["error"]["code"]) == (409, "already_extended")
        filing = await _case(c, items=["NR-JOINT-SURVEY"],
                             materials=["NR-M-JS-APPLICATION", "NR-M-SURVEY-REPORT",
                                        "NR-M-SURVEY-CONTRACT"])
        s, err = await json_of(await c.post(f"{CASES}/{filing}/extension", json=body))
        assert (s, err["error"]["code"]) == (409, "no_extension")

    call(kernel, steps)


def test_the_correction_notice_route_records_it_once_within_five_working_days(kernel):
    async def steps(c):
        missing = application()
        missing["materials"] = [m for m in missing["materials"] if m != "NR-M-SITE-PLAN"]
        cid = (await (await c.post(CASES, json=missing)).json())["id"]
        late = (await (await c.post(CASES, json=missing)).json())["id"]
        s, view = await json_of(await c.post(f"{CASES}/{cid}/correction-notice", json={
            "at": "2019-07-29T10:00:00+08:00"}))
        assert (s, view["state"], view["events"][-1]["kind"]) == (
            200, "correction_required", "correction_notified")
        assert view["decision"]["correction_notice_by"] == "2019-08-01"
        s, err = await json_of(await c.post(f"{CASES}/{cid}/correction-notice", json={
            "at": "2019-07-30T10:00:00+08:00"}))
        assert (s, err["error"]["code"]) == (409, "invalid_state")
        s, err = await json_of(await c.post(f"{CASES}/{late}/correction-notice", json={
            "at": "2019-08-02T09:00:00+08:00"}))
        assert (s, err["error"]["code"]) == (409, "invalid_state")
        assert "deemed accepted" in err["error"]["message"]
        s, view = await json_of(await c.get(f"{CASES}/{late}"))
        assert (view["state"], view["due"]["committed"]) == ("in_review", "2019-08-01")

    call(kernel, steps)


def test_completion_records_the_result_its_remedies_and_the_service_date(kernel):
    async def steps(c):
        granted, refused = await _case(c), await _case(c)
        done = "2019-09-27T16:00:00+08:00"  # Friday before National Day
        s, err = await json_of(await c.post(f"{CASES}/{granted}/complete", json={"at": done}))
        assert (s, err["error"]["field"]) == (422, "result")
        s, err = await json_of(await c.post(f"{CASES}/{refused}/complete", json={
            "result": "not_granted", "at": done}))
        assert (s, err["error"]["field"]) == (422, "reasons")
        s, view = await json_of(await c.post(f"{CASES}/{granted}/complete", json={
            "result": "granted", "at": done}))
        # Ten working days after 09-27: Sunday 09-29 is a make-up working day, National Day
        # (10-01..07) is not counted, Saturday 10-12 is a make-up working day: 10-16.
        assert (view["state"], view["result"]["result"], view["result"]["deliver_by"]) == (
            "completed", "granted", "2019-10-16")
        assert view["result"]["notice"].startswith("准予行政许可决定书")
        s, view = await json_of(await c.post(f"{CASES}/{refused}/complete", json={
            "result": "not_granted", "reasons": ["选址不符合国土空间规划"],
            "review_body": "遂宁市人民政府", "at": done}))
        result = view["result"]
        assert (result["result"], result["reasons"], result["deliver_by"]) == (
            "not_granted", ["选址不符合国土空间规划"], "2019-10-16")
        notice = result["notice"]
        assert notice.startswith("不予行政许可决定书") and "选址不符合国土空间规划" in notice
        assert "六十日内向遂宁市人民政府申请行政复议" in notice
        assert "六个月内向有管辖权的人民法院提起行政诉讼" in notice
        s, err = await json_of(await c.post(f"{CASES}/{refused}/complete", json={
            "result": "granted", "at": done}))
        assert (s, err["error"]["code"]) == (409, "invalid_state")

    call(kernel, steps)
