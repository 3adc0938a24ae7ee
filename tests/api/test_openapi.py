"""The OpenAPI document is complete, and what the server really answers conforms to it."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
import requests
import schemathesis
from casekit import application, tolerated_application

from kernel.http.app import MOUNTED, create_app
from sandbox.generate import write

DOCUMENT = {"flow": "incoming", "title": "关于国庆期间安全生产的紧急通知", "type": "通知",
            "urgency": "特急", "received_at": "2019-09-30T17:00:00+08:00"}


@pytest.fixture
def doc(live_api):
    return requests.get(live_api.url + "/openapi.json", timeout=30).json()


def operations(doc):
    return [(path, method, op) for path, item in doc["paths"].items()
            for method, op in item.items()]


def test_every_route_of_the_kernel_and_every_plugin_is_in_the_document(live_api, doc):
    app = create_app(live_api.kernel, sweep=False)
    served = {(r.path, r.method.lower()) for _, r in app[MOUNTED]}
    assert served == {(path, method) for path, method, _ in operations(doc)}
    tags = {op["tags"][0] for _, _, op in operations(doc)}
    assert {"kernel", "oa", "sandbox"} <= tags


def test_every_parameter_has_a_schema_and_every_answer_its_statuses(doc):
    for path, method, op in operations(doc):
        params = op.get("parameters", [])
        assert all(p.get("schema") for p in params), (path, method)
        assert {p["name"] for p in params if p["in"] == "path"} == {
            part[1:-1] for part in path.split("/") if part.startswith("{")}
        statuses = set(op["responses"])
        assert "500" in statuses and statuses & {"200", "201", "202"}, (path, method)
        if op.get("security") != []:
            assert {"401", "403"} <= statuses, (path, method)
        if "{" in path:
            assert "404" in statuses, (path, method)
        if "application/json" in op.get("requestBody", {}).get("content", {}):
            assert {"400", "413", "422"} <= statuses, (path, method)
        if any(p["in"] == "query" for p in params):
            assert "422" in statuses, (path, method)


def test_list_answers_are_arrays(doc):
    for path, model in (("/v1/items", "Item"), ("/v1/rulesets", "RulesetInfo"),
                        ("/v1/plugins", "PluginInfo")):
        schema = doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        assert schema["schema"] == {"type": "array",
                                    "items": {"$ref": f"#/components/schemas/{model}"}}


def test_a_method_a_path_does_not_serve_is_405_with_allow(live_api):
    resp = requests.patch(live_api.url + "/v1/cases", headers=live_api.headers, timeout=30)
    assert resp.status_code == 405
    assert set(resp.headers["Allow"].split(",")) == {"GET", "POST"}
    assert resp.json()["error"]["code"] == "method_not_allowed"


class Checked:
    """Calls the live API and checks every answer against the document's operation."""

    def __init__(self, api):
        self.api = api
        self.schema = schemathesis.openapi.from_url(api.url + "/openapi.json")

    def __call__(self, method: str, template: str, status: int, path: str | None = None,
                 **kw) -> requests.Response:
        kw.setdefault("headers", self.api.headers)
        resp = requests.request(method, self.api.url + (path or template), timeout=60, **kw)
        assert resp.status_code == status, resp.text
        self.schema[template][method].validate_response(resp)
        return resp


def test_kernel_answers_conform(live_api):
    call = Checked(live_api)
    call("POST", "/v1/evaluate", 200, json=application())
    case = call("POST", "/v1/cases", 201, json=tolerated_application(),
                headers={**live_api.headers, "Idempotency-Key": "k1"}).json()
    call("POST", "/v1/cases", 200, json=tolerated_application(),
         headers={**live_api.headers, "Idempotency-Key": "k1"})
    at = f"/v1/cases/{case['id']}"
    call("GET", "/v1/cases/{id}", 200, at, params={"as_of": "2019-07-26T10:00:00+08:00"})
    call("GET", "/v1/cases", 200, params={"state": "awaiting_supplement", "overdue": "false"})
    call("POST", "/v1/cases/{id}/supplements", 200, at + "/supplements", json={
        "materials": ["NR-M-BOUNDARY-SURVEY"], "at": "2019-07-30T10:00:00+08:00"})
    call("POST", "/v1/cases/{id}/clock", 200, at + "/clock", json={
        "action": "pause", "reason": "专家评审", "length": {"working_days": 2},
        "at": "2019-08-05T10:00:00+08:00"})
    call("POST", "/v1/cases/{id}/clock", 200, at + "/clock", json={
        "action": "resume", "at": "2019-08-07T10:00:00+08:00"})
    call("POST", "/v1/cases/{id}/clock", 422, at + "/clock", json={
        "action": "pause", "reason": "等领导回来", "length": {"working_days": 2}})
    call("POST", "/v1/cases/{id}/extension", 200, at + "/extension", json={
        "approver": "局长王某", "reason": "需组织现场踏勘", "at": "2019-08-08T10:00:00+08:00"})
    call("POST", "/v1/cases/{id}/complete", 200, at + "/complete", json={
        "result": "not_granted", "reasons": ["选址不符合国土空间规划"],
        "at": "2019-08-20T10:00:00+08:00"})
    call("POST", "/v1/cases/{id}/complete", 409, at + "/complete", json={"result": "granted"})
    call("POST", "/v1/cases/{id}/correction-notice", 409, at + "/correction-notice", json={})
    call("GET", "/v1/cases/{id}", 404, "/v1/cases/nope")
    call("POST", "/v1/evaluate", 400, data=b"{", headers={**live_api.headers,
                                                          "Content-Type": "application/json"})
    call("POST", "/v1/evaluate", 401, json=application(), headers={})


def test_catalogue_rules_and_calendar_answers_conform(live_api):
    call = Checked(live_api)
    for path in ("/v1/items", "/v1/plugins", "/v1/rulesets", "/healthz", "/openapi.json"):
        call("GET", path, 200)
    call("GET", "/docs", 200)
    call("GET", "/v1/items/{code}", 200, "/v1/items/NR-LAND-SITE")
    call("GET", "/v1/calendar/deadline", 200, params={"start": "2019-09-30", "working_days": 1})
    call("GET", "/v1/calendar/deadline", 422, params={"start": "2019-09-30"})
    spec, path, _ = live_api.kernel.rulebook.files[0]
    text = Path(path).read_bytes()
    call("PUT", "/v1/rulesets/{ruleset}", 200, f"/v1/rulesets/{spec.ruleset}", data=text,
         headers={**live_api.headers, "Content-Type": "application/yaml"})
    call("PUT", "/v1/rulesets/{ruleset}", 422, f"/v1/rulesets/{spec.ruleset}", data=b"rules: 1",
         headers={**live_api.headers, "Content-Type": "application/yaml"})


def test_oa_answers_conform(live_api):
    call = Checked(live_api)
    doc = call("POST", "/v1/oa/documents", 201, json=DOCUMENT).json()
    at = f"/v1/oa/documents/{doc['id']}"
    call("GET", "/v1/oa/documents/{doc_id}", 200, at)
    call("POST", "/v1/oa/documents/{doc_id}/advance", 200, at + "/advance", json={
        "step": "签收", "at": "2019-10-08T09:30:00+08:00"})
    call("POST", "/v1/oa/documents/{doc_id}/advance", 409, at + "/advance", json={
        "step": "承办"})
    call("GET", "/v1/oa/due", 200, params={"as_of": "2019-10-12T09:30:00+08:00"})
    call("POST", "/v1/oa/chase", 200, params={"as_of": "2019-10-12T09:30:00+08:00"})
    call("GET", "/v1/oa/metrics", 200, params={"from": "2019-09-01", "to": "2019-10-31"})
    call("GET", "/v1/oa/metrics", 422, params={"from": "2019-10-01", "to": "2019-09-01"})


def test_sandbox_answers_conform(live_api):
    call = Checked(live_api)
    history = io.StringIO()
    write(live_api.kernel, history, cases=20, year=2019, seed=3, then=False)
    started = call("POST", "/v1/sandbox/replays", 202, data=history.getvalue().encode(),
                   headers={**live_api.headers, "Content-Type": "application/x-ndjson"})
    path = started.headers["Location"]
    for _ in range(600):
        state = call("GET", "/v1/sandbox/replays/{id}", 200, path).json()
        if state["status"] in ("done", "failed"):
            break
        time.sleep(0.05)
    assert state["status"] == "done", state
    for link in state["links"].values():
        call("GET", "/v1/sandbox/replays/{id}/{name}", 200, link)
    call("POST", "/v1/sandbox/replays", 400, json={"cases": "nothing.jsonl"})
    call("GET", "/v1/sandbox/replays/{id}", 404, "/v1/sandbox/replays/nope")
