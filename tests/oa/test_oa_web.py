"""The /v1/oa/ routes on a real aiohttp server: the flow, and every bad-input path."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import TestClient, TestServer

from kernel.http.app import create_app

DOC = {"flow": "incoming", "title": "关于国庆期间安全生产的紧急通知", "type": "通知",
       "urgency": "特急", "sender": "市应急管理局", "received_at": "2019-09-30T17:00:00+08:00"}


def serve(kernel, scenario):
    """Run ``scenario(client)`` against the kernel's API, with the routes the plugin adds."""
    async def main():
        app = create_app(kernel, sweep=False)
        async with TestClient(TestServer(app)) as client:
            return await scenario(client)
    return asyncio.run(main())


async def _json(resp, status):
    body = await resp.json()
    assert resp.status == status, body
    return body


async def _create(client, **changes):
    return await _json(await client.post("/v1/oa/documents", json={**DOC, **changes}), 201)


async def _advance(client, doc_id, **body):
    return await client.post(f"/v1/oa/documents/{doc_id}/advance", json=body)


def test_a_document_through_the_api(kernel):
    async def scenario(client):
        doc = await _create(client)
        assert doc["steps"][0]["due_at"] == "2019-10-08T17:00:00+08:00"
        got = await _json(await client.get(f"/v1/oa/documents/{doc['id']}"), 200)
        assert got == doc
        times = ["2019-10-08T09:30:00+08:00", "2019-10-08T10:00:00+08:00",
                 "2019-10-08T11:00:00+08:00"]
        for step, when in zip(["签收", "register", "初审"], times, strict=True):
            doc = await _json(await _advance(client, doc["id"], step=step, at=when), 200)
        assert doc["current_step"] == "handle"
        # 承办 from 8 Oct 11:00: 1 h before lunch, 4 h, then 2 h on the 9th; chase 2 h before.
        assert doc["steps"][-1]["due_at"] == "2019-10-09T11:00:00+08:00"
        due = await _json(await client.get("/v1/oa/due", params={
            "as_of": "2019-10-09T09:30:00+08:00"}), 200)
        assert [r["step"] for r in due["due_soon"]] == ["handle"] and due["overdue"] == []
        chased = await _json(await client.post("/v1/oa/chase", params={
            "as_of": "2019-10-09T09:30:00+08:00"}), 200)
        assert [c["doc_id"] for c in chased["chased"]] == [doc["id"]]
        again = await _json(await client.post("/v1/oa/chase", params={
            "as_of": "2019-10-09T09:40:00+08:00"}), 200)
        assert again["chased"] == []
        rates = await _json(await client.get("/v1/oa/metrics", params={
            "from": "2019-09-01", "to": "2019-10-31"}), 200)
        assert rates["overall"]["steps_finished"] == 3 and rates["overall"]["documents"] == 1
    serve(kernel, scenario)


BAD_CREATE = [
    ({"urgency": "紧急"}, "urgency"),
    ({"urgency": "URGENT"}, "urgency"),
    ({"flow": "sideways"}, "flow"),
    ({"title": ""}, "title"),
    ({"colour": "red"}, "colour"),
    ({"received_at": "2019-09-30T17:00:00"}, "received_at"),  # whose 17:00?
    ({"received_at": "2035-09-30T17:00:00+08:00"}, "received_at"),  # no holiday schedule
]


@pytest.mark.parametrize(("changes", "field"), BAD_CREATE)
def test_bad_documents_are_refused_and_nothing_is_stored(kernel, changes, field):
    async def scenario(client):
        resp = await client.post("/v1/oa/documents", json={**DOC, **changes})
        err = (await _json(resp, 422))["error"]
        assert err["field"] == field and err["message"] and err["code"]
        rates = await _json(await client.get("/v1/oa/metrics"), 200)
        assert rates["overall"]["documents"] == 0
    serve(kernel, scenario)


def test_bodies_that_are_not_documents(kernel):
    async def scenario(client):
        resp = await client.post("/v1/oa/documents", data=b"{not json",
                                 headers={"Content-Type": "application/json"})
        assert (await _json(resp, 400))["error"]["code"] == "malformed_json"
        resp = await client.post("/v1/oa/documents", json=[DOC])
        assert (await _json(resp, 422))["error"]["code"] == "invalid"
    serve(kernel, scenario)


BAD_ADVANCE = [
    ({"step": "承办"}, 409, "out_of_order", "step"),
    ({"step": "reply"}, 409, "out_of_order", "step"),
    ({"step": "盖章"}, 422, "invalid", "step"),
    ({"result": "returned", "reason": "格式错误"}, 422, "invalid", "result"),  # not at 初审
    ({"result": "lost"}, 422, "invalid", "result"),
    ({"at": "2019-09-30T16:59:00+08:00"}, 422, "invalid", "at"),  # before the step began
    ({"at": "2035-01-02T10:00:00+08:00"}, 422, "calendar_not_covered", "at"),
]


@pytest.mark.parametrize(("body", "status", "code", "field"), BAD_ADVANCE)
def test_bad_advances_leave_the_document_unchanged(kernel, body, status, code, field):
    async def scenario(client):
        doc = await _create(client)
        err = (await _json(await _advance(client, doc["id"], **body), status))["error"]
        assert (err["code"], err["field"]) == (code, field), err
        assert await _json(await client.get(f"/v1/oa/documents/{doc['id']}"), 200) == doc
    serve(kernel, scenario)


def test_a_return_needs_a_reason(kernel):
    async def scenario(client):
        doc = await _create(client)
        for step in ("sign_in", "register"):
            doc = await _json(await _advance(client, doc["id"], step=step,
                                             at="2019-10-08T10:00:00+08:00"), 200)
        resp = await _advance(client, doc["id"], result="returned", reason="  ")
        assert (await _json(resp, 422))["error"]["field"] == "reason"
        assert await _json(await client.get(f"/v1/oa/documents/{doc['id']}"), 200) == doc
    serve(kernel, scenario)


def test_no_step_on_a_finished_document(kernel):
    async def scenario(client):
        doc = await _create(client, ours=False)  # the rules return it at 初审
        for _ in range(3):
            doc = await _json(await _advance(client, doc["id"],
                                             at="2019-10-08T10:00:00+08:00"), 200)
        assert doc["status"] == "returned"
        assert doc["steps"][-1]["reason"] == "不属于本机关办理事项"
        err = (await _json(await _advance(client, doc["id"]), 409))["error"]
        assert (err["code"], err["field"]) == ("finished", "doc_id")
        assert await _json(await client.get(f"/v1/oa/documents/{doc['id']}"), 200) == doc
    serve(kernel, scenario)


def test_unknown_documents(kernel):
    async def scenario(client):
        for resp in (await client.get("/v1/oa/documents/nope"),
                     await _advance(client, "nope", step="签收")):
            err = (await _json(resp, 404))["error"]
            assert (err["code"], err["field"]) == ("not_found", "doc_id")
    serve(kernel, scenario)


@pytest.mark.parametrize(("method", "path", "params", "field"), [
    ("get", "/v1/oa/due", {"as_of": "yesterday"}, "as_of"),
    ("get", "/v1/oa/due", {"as_of": "2019-10-09T09:30:00"}, "as_of"),
    ("post", "/v1/oa/chase", {"as_of": "2019-13-01T00:00:00+08:00"}, "as_of"),
    ("get", "/v1/oa/metrics", {"from": "2019-02-30"}, "from"),
    ("get", "/v1/oa/metrics", {"from": "2019-10-01", "to": "2019-09-01"}, "to"),
])
def test_bad_query_parameters(kernel, method, path, params, field):
    async def scenario(client):
        resp = await getattr(client, method)(path, params=params)
        assert (await _json(resp, 422))["error"]["field"] == field
    serve(kernel, scenario)


def test_the_oa_routes_are_documented_with_their_models(kernel):
    async def scenario(client):
        return await _json(await client.get("/openapi.json"), 200)

    spec = serve(kernel, scenario)
    create = spec["paths"]["/v1/oa/documents"]["post"]
    assert create["tags"] == ["oa"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/NewDocument"}
    assert create["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/DocumentView"}
    advance = spec["paths"]["/v1/oa/documents/{doc_id}/advance"]["post"]
    assert {"404", "409", "422"} <= advance["responses"].keys()
    metrics = spec["paths"]["/v1/oa/metrics"]["get"]
    assert [p["name"] for p in metrics["parameters"]] == ["from", "to", "department"]
