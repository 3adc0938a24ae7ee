"""The HTTP API on a real aiohttp server: routes, roles, and every error path as JSON 4xx."""

from __future__ import annotations

import asyncio
import copy
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient, TestServer
from casekit import application, tolerated_application

from kernel.http.app import ROUTES, create_app, openapi
from kernel.http.auth import ConfigError, ServerConfig, TokenSpec, load_config
from kernel.http.serve import serve
from kernel.store.lifecycle import Lifecycle

CLERK, AUDITOR, AUTHOR = "clerk-token-0123456789", "auditor-token-012345", "author-token-0123456"
TOKENS = ServerConfig(tokens=[TokenSpec(token=CLERK, role="clerk"),
                              TokenSpec(token=AUDITOR, role="auditor"),
                              TokenSpec(token=AUTHOR, role="rule_author",
                                        department="natural_resources")])
TZ = ZoneInfo("Asia/Shanghai")


def call(kernel, steps, config: ServerConfig | None = None):
    """Run ``steps(client)`` against a real server on a free loopback port."""

    async def main():
        app = create_app(kernel, config, sweep=False)
        async with TestClient(TestServer(app)) as client:
            return await steps(client)

    return asyncio.run(main())


async def json_of(resp):
    return resp.status, await resp.json()


def test_submit_get_supplement_pause_complete(kernel):
    async def steps(c):
        s, created = await json_of(await c.post("/v1/cases", json=tolerated_application()))
        assert (s, created["state"], created["created"]) == (201, "awaiting_supplement", True)
        cid = created["id"]
        s, view = await json_of(await c.get(f"/v1/cases/{cid}",
                                            params={"as_of": "2019-07-26T10:00:00+08:00"}))
        assert (view["supplement_by"], view["due"]["committed"]) == ("2019-08-01", "2019-08-01")
        assert view["clock"]["remaining_working_days"] == 4  # 07-26 is used once it begins
        s, view = await json_of(await c.post(f"/v1/cases/{cid}/supplements", json={
            "materials": ["NR-M-BOUNDARY-SURVEY"], "at": "2019-07-30T10:00:00+08:00"}))
        assert (s, view["state"]) == (200, "in_review")
        s, view = await json_of(await c.post(f"/v1/cases/{cid}/clock", json={
            "action": "pause", "reason": "专家评审", "length": {"working_days": 15},
            "at": "2019-08-05T10:00:00+08:00"}))
        assert view["clock"]["paused"] and view["due"]["committed"] is None
        s, view = await json_of(await c.post(f"/v1/cases/{cid}/complete", json={
            "result": "granted", "at": "2019-08-20T10:00:00+08:00"}))
        assert view["state"] == "completed"
        s, listed = await json_of(await c.get("/v1/cases", params={"state": "completed"}))
        assert [x["id"] for x in listed["cases"]] == [cid]

    call(kernel, steps)


def test_idempotency_key(kernel):
    async def steps(c):
        h = {"Idempotency-Key": "abc"}
        a = await json_of(await c.post("/v1/cases", json=application(), headers=h))
        b = await json_of(await c.post("/v1/cases", json=application(), headers=h))
        assert (a[0], b[0], a[1]["id"]) == (201, 200, b[1]["id"])
        s, err = await json_of(await c.post("/v1/cases", json=tolerated_application(), headers=h))
        assert (s, err["error"]["code"]) == (422, "idempotency_key_reused")

    call(kernel, steps)


def test_read_routes(kernel):
    async def steps(c):
        assert (await c.get("/healthz")).status == 200
        s, items = await json_of(await c.get("/v1/items"))
        assert "NR-LAND-SITE" in {i["code"] for i in items}
        s, item = await json_of(await c.get("/v1/items/NR-LAND-SITE"))
        assert item["committed_limit"] == {"unit": "working_days", "amount": 20}
        s, plugins = await json_of(await c.get("/v1/plugins"))
        assert {"natural_resources", "recorder"} <= {p["name"] for p in plugins}
        s, sets = await json_of(await c.get("/v1/rulesets"))
        assert "natural_resources.multi_review" in {r["ruleset"] for r in sets}
        s, d = await json_of(await c.get("/v1/calendar/deadline",
                                         params={"start": "2019-09-30", "working_days": "1"}))
        assert d["due"] == "2019-10-08"  # the National Day week 10-01..10-07 is not counted
        s, d = await json_of(await c.post("/v1/evaluate", json=application()))
        assert d["time_limits"]["committed"]["amount"] == 5
        docs = await c.get("/docs")
        assert "/v1/cases/{id}/supplements" in await docs.text()
        s, spec = await json_of(await c.get("/openapi.json"))
        assert "/v1/calendar/deadline" in spec["paths"]

    call(kernel, steps)


def test_openapi_is_generated_from_the_models():
    doc = openapi([("kernel", r) for r in ROUTES])
    schemas = doc["components"]["schemas"]
    assert {"Application", "Decision", "CaseView", "ErrorBody"} <= schemas.keys()
    assert doc["paths"]["/v1/cases"]["post"]["requestBody"]["content"]["application/json"][
        "schema"] == {"$ref": "#/components/schemas/Application"}
    assert "credit_code" in schemas["Organisation"]["properties"]


def _bad_credit_code() -> dict:
    data = application()
    data["applicant"]["credit_code"] = data["applicant"]["credit_code"][:-1] + "0"
    return data


BAD_SUBMISSIONS = [
    (b"{not json", 400, "malformed_json", None),
    ({**application(), "items": "NR-LAND-SITE"}, 422, "invalid", "items"),
    ({**application(), "items": ["NR-NOPE"]}, 422, "unknown_item", "items.0"),
    (_bad_credit_code(), 422, "invalid", "applicant.organisation.credit_code"),
    ({**application(), "submitted_at": "2090-03-01T10:00:00+08:00"}, 422,  # past the horizon
     "calendar_not_covered", "submitted_at"),
    ({**application(), "facts": {"project.kind": 3}}, 422, "invalid", "facts.project.kind"),
    ({**application(), "region": "XX"}, 422, "invalid", "region"),
    ([1, 2], 422, "invalid", None),
]


@pytest.mark.parametrize("path", ["/v1/cases", "/v1/evaluate"])
def test_bad_submissions_are_4xx_and_store_nothing(kernel, path):
    async def steps(c):
        for body, status, code, field in BAD_SUBMISSIONS:
            kw = ({"data": body, "headers": {"Content-Type": "application/json"}}
                  if isinstance(body, bytes) else {"json": copy.deepcopy(body)})
            s, err = await json_of(await c.post(path, **kw))
            assert (s, err["error"]["code"], err["error"]["field"]) == (status, code, field), err
        s, listed = await json_of(await c.get("/v1/cases"))
        assert listed["cases"] == []

    call(kernel, steps)


def test_case_errors(kernel):
    async def steps(c):
        accepted = (await (await c.post("/v1/cases", json=application())).json())["id"]
        s, err = await json_of(await c.post(f"/v1/cases/{accepted}/supplements",
                                            json={"materials": ["NR-M-BOUNDARY-SURVEY"]}))
        assert (s, err["error"]["code"]) == (409, "not_awaiting_supplement")
        s, err = await json_of(await c.post(f"/v1/cases/{accepted}/supplements",
                                            json={"materials": []}))
        assert (s, err["error"]["field"]) == (422, "materials")
        s, err = await json_of(await c.post(f"/v1/cases/{accepted}/clock",
                                            json={"action": "stop", "reason": "x"}))
        assert (s, err["error"]["field"]) == (422, "action")
        s, err = await json_of(await c.post(f"/v1/cases/{accepted}/clock",
                                            json={"action": "resume", "reason": "x"}))
        assert (s, err["error"]["code"]) == (409, "invalid_clock")
        s, err = await json_of(await c.get("/v1/cases/nope"))
        assert (s, err["error"]["code"]) == (404, "not_found")
        s, err = await json_of(await c.get("/v1/items/NOPE"))
        assert (s, err["error"]["code"]) == (404, "not_found")
        s, err = await json_of(await c.get("/v1/cases", params={"overdue": "perhaps"}))
        assert (s, err["error"]["field"]) == (422, "overdue")
        s, err = await json_of(await c.get("/v1/calendar/deadline", params={
            "start": "2019-07-25", "working_days": "1", "calendar_days": "2"}))
        assert (s, err["error"]["code"]) == (422, "invalid")
        s, err = await json_of(await c.get("/v1/calendar/deadline", params={
            "start": "2000-07-25", "working_days": "1"}))
        assert (s, err["error"]["code"], err["error"]["field"]) == (
            422, "calendar_not_covered", "start")

    call(kernel, steps)


def test_a_year_without_a_notice_is_answered_provisionally(kernel):
    async def steps(c):
        s, decision = await json_of(await c.post("/v1/evaluate", json={
            **application(), "submitted_at": "2026-12-28T10:00:00+08:00"}))
        assert (s, decision["due"]["committed"], decision["due"]["provisional"]) == (
            200, "2027-01-05", True)
        s, end = await json_of(await c.get("/v1/calendar/deadline", params={
            "start": "2026-12-28", "working_days": "5"}))
        assert (s, end["due"], end["provisional"]) == (200, "2027-01-05", True)
        assert "2027年节假日安排尚未公布" in end["provisional_note"]

    call(kernel, steps)


def test_terminated_case_cannot_complete(kernel):
    async def steps(c):
        cid = (await (await c.post("/v1/cases", json=tolerated_application())).json())["id"]
        lc = Lifecycle(kernel)
        lc.sweep(datetime(2019, 8, 5, tzinfo=TZ))
        lc.sweep(datetime(2019, 9, 30, tzinfo=TZ))
        s, err = await json_of(await c.post(f"/v1/cases/{cid}/complete",
                                            json={"result": "granted"}))
        assert (s, err["error"]["code"]) == (409, "invalid_state")
        s, view = await json_of(await c.get(f"/v1/cases/{cid}"))
        assert view["state"] == "terminated"

    call(kernel, steps)


def test_roles(kernel):
    def auth(token):
        return {"Authorization": f"Bearer {token}"}

    async def steps(c):
        assert (await c.get("/v1/items")).status == 401
        assert (await c.get("/v1/items", headers=auth("wrong-token-xxxxxxxx"))).status == 401
        assert (await c.get("/healthz")).status == 200
        s, err = await json_of(await c.post("/v1/cases", json=application(),
                                            headers=auth(AUDITOR)))
        assert (s, err["error"]["code"]) == (403, "forbidden")
        assert (await c.post("/v1/cases", json=application(), headers=auth(AUTHOR))).status == 403
        assert (await c.get("/v1/cases", headers=auth(AUDITOR))).status == 200
        assert (await c.post("/v1/cases", json=application(), headers=auth(CLERK))).status == 201

    call(kernel, steps, TOKENS)


def test_tokens_from_env_and_refusal_to_bind_without_them():
    config = load_config(None, env={"ONETRIP_TOKENS": f"{AUTHOR}=rule_author:natural_resources"})
    assert (config.tokens[0].role, config.tokens[0].department) == (
        "rule_author", "natural_resources")
    assert serve("0.0.0.0", 0, None, 1, None) == 2


def test_plugin_routes_need_the_grant_they_declare_or_read_or_cases(tmp_path):
    from kernel import hookimpl
    from kernel.routes import Route

    async def ok(request):
        return {"ok": True}

    class Routes:
        @hookimpl
        def onetrip_web_routes(self):
            return [Route("GET", "/v1/probe/thing", ok),
                    Route("post", "/v1/probe/thing", ok),  # cases, as any write by default
                    Route("POST", "/v1/probe/replay", ok, "sandbox")]

    from kernel.store import start_kernel

    kernel = start_kernel(db_url=f"sqlite:///{tmp_path / 'k.db'}",
                          extra_plugins=[("probe", Routes())])

    def auth(token):
        return {"Authorization": f"Bearer {token}"}

    async def steps(c):
        assert (await c.get("/v1/probe/thing")).status == 401
        assert (await c.get("/v1/probe/thing", headers=auth(AUDITOR))).status == 200
        assert (await c.post("/v1/probe/thing", headers=auth(AUDITOR))).status == 403
        assert (await c.post("/v1/probe/thing", headers=auth(CLERK))).status == 200
        assert (await c.post("/v1/probe/replay", headers=auth(AUDITOR))).status == 200
        assert (await c.post("/v1/probe/replay", headers=auth(CLERK))).status == 403

    call(kernel, steps, TOKENS)
    kernel.close()


def test_the_config_file_hands_settings_to_the_kernel_but_not_what_the_command_line_gives(
        tmp_path):
    config = tmp_path / "server.yaml"
    config.write_text("settings: {sandbox_jobs: 2, sandbox_dir: replays}\n")
    assert load_config(config, env={}).settings == {"sandbox_jobs": 2, "sandbox_dir": "replays"}
    config.write_text("settings: {db_url: 'sqlite://', sandbox_jobs: 2}\n")
    with pytest.raises(ConfigError, match="settings: .*db_url: given by --db"):
        load_config(config, env={})
