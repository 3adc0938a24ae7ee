"""Hostile input on a real server: every answer a 4xx with the one error body, naming the field."""

from __future__ import annotations

import json
import tempfile
import time

import pytest
import requests
from casekit import application

DOCUMENT = {"flow": "incoming", "title": "关于国庆期间安全生产的紧急通知", "type": "通知",
            "urgency": "特急", "received_at": "2019-09-30T17:00:00+08:00"}
DEEP_LIST, DEEP_OBJECT = "[" * 10_000 + "]" * 10_000, '{"a":' * 10_000 + "1" + "}" * 10_000
HUGE = "1" * 5000  # past Python's 4,300-digit int-str limit
OVERFLOWING = ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00")


def check(resp: requests.Response, status: int | None = None, field: object = ...) -> dict:
    """A 4xx (``status`` if given) with the one error body; ``field`` if given."""
    assert 400 <= resp.status_code < 500, (resp.status_code, resp.text[:300])
    assert status is None or resp.status_code == status, (resp.status_code, resp.text[:300])
    err = resp.json()["error"]
    assert {"code", "message", "field"} <= err.keys()
    assert field is ... or err["field"] == field, err
    assert tempfile.gettempdir() not in resp.text
    return err


@pytest.fixture
def api(live_api):
    """The live API with a case and an OA document to act on."""
    def post(path, body):
        resp = requests.post(live_api.url + path, json=body, headers=live_api.headers, timeout=30)
        assert resp.status_code == 201, resp.text
        return resp.json()["id"]

    live_api.case = post("/v1/cases", application())
    live_api.doc = post("/v1/oa/documents", DOCUMENT)
    return live_api


def send(api, method: str, path: str, raw: str | bytes | None = None, **kw) -> requests.Response:
    headers = {**api.headers, **kw.pop("headers", {})}
    if raw is not None:
        kw["data"] = raw.encode() if isinstance(raw, str) else raw
        headers.setdefault("Content-Type", "application/json")
    return requests.request(method, api.url + path, headers=headers, timeout=30, **kw)


def json_routes(api) -> list[str]:
    case, doc = f"/v1/cases/{api.case}", f"/v1/oa/documents/{api.doc}"
    return ["/v1/evaluate", "/v1/cases", f"{case}/supplements", f"{case}/clock",
            f"{case}/complete", "/v1/oa/documents", f"{doc}/advance", "/v1/sandbox/replays"]


def test_bodies_no_parser_should_take_are_4xx_on_every_json_route(api):
    for path in json_routes(api):
        for raw in (DEEP_LIST, DEEP_OBJECT, HUGE, f'{{"a": [{HUGE}]}}'):
            check(send(api, "POST", path, raw))


def test_an_integer_past_the_int_str_limit_is_422_naming_its_field(api):
    body = json.dumps(application()).replace('"industrial"', HUGE)
    check(send(api, "POST", "/v1/cases", body), 422, "facts.project.kind")
    body = json.dumps({**DOCUMENT, "ours": 0}).replace('"ours": 0', f'"ours": {HUGE}')
    check(send(api, "POST", "/v1/oa/documents", body), 422, "ours")
    check(send(api, "GET", "/v1/cases", params={"limit": HUGE}), 422, "limit")


def test_times_whose_offset_overflows_are_422_in_every_time_field_and_query(api):
    case, doc = f"/v1/cases/{api.case}", f"/v1/oa/documents/{api.doc}"
    for when in OVERFLOWING:
        for path, body, field in (
                ("/v1/evaluate", {**application(), "submitted_at": when}, "submitted_at"),
                ("/v1/cases", {**application(), "submitted_at": when}, "submitted_at"),
                (f"{case}/supplements", {"materials": ["X"], "at": when}, "at"),
                (f"{case}/clock", {"action": "pause", "reason": "听证", "at": when}, "at"),
                (f"{case}/complete", {"at": when, "result": "granted"}, "at"),
                ("/v1/oa/documents", {**DOCUMENT, "received_at": when}, "received_at"),
                (f"{doc}/advance", {"at": when}, "at")):
            check(send(api, "POST", path, json.dumps(body)), 422, field)
        for method, path, query, field in (
                ("GET", case, {"as_of": when}, "as_of"),
                ("GET", "/v1/cases", {"as_of": when}, "as_of"),
                ("GET", "/v1/calendar/deadline", {"start": when, "working_days": "3"}, "start"),
                ("GET", "/v1/calendar/deadline", {"start": when, "office_hours": "3"}, "start"),
                ("GET", "/v1/oa/due", {"as_of": when}, "as_of"),
                ("POST", "/v1/oa/chase", {"as_of": when}, "as_of")):
            check(send(api, method, path, params=query), 422, field)


def test_an_offset_past_64_bits_is_422(api):
    for offset in (str(2**63), str(2**64)):
        check(send(api, "GET", "/v1/cases", params={"offset": offset}), 422, "offset")


def test_a_query_parameter_given_twice_is_422(api):
    for method, path in (("GET", "/v1/cases"), ("GET", f"/v1/cases/{api.case}"),
                         ("GET", "/v1/oa/due")):
        name = "offset" if path == "/v1/cases" else "as_of"
        value = "1" if name == "offset" else "2019-08-01T10:00:00+08:00"
        check(send(api, method, f"{path}?{name}={value}&{name}={value}"), 422, name)


def _with_nul() -> list[tuple[str, dict, str]]:
    app, org = application(), application()["applicant"]
    return [
        ("/v1/cases", {**app, "applicant": {**org, "name": "某某\x00公司"}}, "applicant.name"),
        ("/v1/evaluate", {**app, "materials": [*app["materials"], "NR-M-\x00"]}, "materials.6"),
        ("/v1/cases", {**app, "facts": {"project.kind": "indus\x00trial"}},
         "facts.project.kind"),
        ("/v1/cases", {**app, "region": "GX\x00"}, "region"),
        ("/v1/oa/documents", {**DOCUMENT, "title": "关于\x00"}, "title"),
        ("/v1/oa/documents", {**DOCUMENT, "co_handling": ["办公室", "x\x00"]}, "co_handling.1"),
        ("/v1/sandbox/replays", {"cases": "2019\x00.jsonl"}, "cases"),
    ]


def test_a_nul_character_in_any_string_is_422_naming_the_field(api):
    for path, body, field in _with_nul():
        check(send(api, "POST", path, json.dumps(body)), 422, field)
    check(send(api, "POST", f"/v1/cases/{api.case}/clock",
               json.dumps({"action": "pause", "reason": "听\x00证"})), 422, "reason")
    check(send(api, "POST", f"/v1/oa/documents/{api.doc}/advance",
               json.dumps({"reason": "x\x00"})), 422, "reason")
    check(send(api, "GET", "/v1/oa/metrics", params={"department": "x\x00"}), 422, "department")
    listed = send(api, "GET", "/v1/cases").json()["cases"]
    assert [c["id"] for c in listed] == [api.case]  # nothing was stored


def test_epochs_empty_keys_and_non_objects_are_4xx(api):
    check(send(api, "POST", "/v1/cases", json.dumps({**application(), "submitted_at": 1564020000})),
          422, "submitted_at")
    check(send(api, "POST", "/v1/cases", json.dumps(application()),
               headers={"Idempotency-Key": ""}), 422, "Idempotency-Key")
    for raw in ("[1, 2]", "42", '"x"', "null"):
        check(send(api, "POST", "/v1/sandbox/replays", raw))


def test_unknown_paths_are_404_and_unserved_methods_405_whatever_the_token(api):
    for headers in ({}, {"Authorization": "Bearer wrong-token-0123456789"}, api.headers):
        for path in ("/nope", "/v1/nope", f"/v1/cases/{api.case}/nope/x", "/v1/oa/nope"):
            for method in ("GET", "POST", "DELETE"):
                resp = requests.request(method, api.url + path, headers=headers, timeout=30)
                check(resp, 404)
        resp = requests.delete(api.url + "/v1/cases", headers=headers, timeout=30)
        check(resp, 405)
        assert set(resp.headers["Allow"].split(",")) == {"GET", "POST"}


def test_strings_longer_than_their_column_are_422(api):
    org = application()["applicant"]
    for path, body, field in (
            ("/v1/cases", {**application(), "applicant": {**org, "name": "某" * 201}},
             "applicant.organisation.name"),
            ("/v1/oa/documents", {**DOCUMENT, "type": "通" * 61}, "type")):
        check(send(api, "POST", path, json.dumps(body)), 422, field)


def test_a_holiday_notice_that_is_an_alias_bomb_is_422_at_once(api):
    bomb = "\n".join(['l0: &l0 ["lol"]'] + [f"l{i}: &l{i} [*l{i - 1}, *l{i - 1}]"
                                            for i in range(1, 41)]) + "\n"
    started = time.monotonic()
    resp = send(api, "POST", "/v1/calendar/schedules?name=bomb.yaml", bomb,
                headers={"Content-Type": "application/yaml"})
    assert time.monotonic() - started < 5.0  # the calendar's own loader would take minutes
    assert "aliases" in check(resp, 422, "body")["message"]


def test_an_action_dated_in_the_future_or_before_its_case_is_422_naming_at(api):
    case = f"/v1/cases/{api.case}"
    for when in ("2999-01-01T00:00:00+08:00", "2019-07-01T00:00:00+08:00"):
        for path, body in ((f"{case}/supplements", {"materials": ["X"], "at": when}),
                           (f"{case}/clock", {"action": "pause", "reason": "听证", "at": when,
                                              "length": {"working_days": 5}}),
                           (f"{case}/complete", {"result": "granted", "at": when})):
            check(send(api, "POST", path, json.dumps(body)), 422, "at")
    assert send(api, "GET", case).json()["state"] == "in_review"
