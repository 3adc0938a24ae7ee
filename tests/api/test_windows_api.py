"""The one-window hall over HTTP: a Saturday case stored as served that day, a closed window 422."""

from __future__ import annotations

import json
from pathlib import Path

from test_api import call, json_of

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "real_estate"


def example(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def test_a_saturday_case_is_stored_and_shown_as_served_that_day(kernel, recorder):
    async def steps(c):
        s, created = await json_of(await c.post("/v1/cases", json=example(
            "saturday_mortgage.json")))
        assert (s, created["state"]) == (201, "in_review")
        s, view = await json_of(await c.get(f"/v1/cases/{created['id']}"))
        assert (view["served_on"], view["received_on"]) == ("2019-08-10", "2019-08-12")
        assert view["routing"]["accepted_at"]["code"] == "510900-ZW-05"
        assert view["routing"]["collect_at"] == "510900-ZW-05"
        submitted = view["events"][0]
        assert submitted["kind"] == "submitted"
        assert submitted["payload"]["served_on"] == "2019-08-10"
        assert submitted["payload"]["window"]["level"] == "city"
        return created["id"]

    case_id = call(kernel, steps)
    heard = [p for cid, kind, p in recorder.events if cid == case_id and kind == "submitted"]
    assert heard and heard[0]["served_on"] == "2019-08-10"


def test_a_case_taken_while_its_hall_is_closed_is_a_422_naming_submitted_at(kernel):
    sunday = {**example("saturday_mortgage.json"), "submitted_at": "2019-08-11T10:00:00+08:00"}

    async def steps(c):
        for path in ("/v1/evaluate", "/v1/cases"):
            s, body = await json_of(await c.post(path, json=sunday))
            assert (s, body["error"]["field"]) == (422, "submitted_at"), path
            assert "does not accept cases" in body["error"]["message"]
        s, listed = await json_of(await c.get("/v1/cases"))
        assert listed["cases"] == []

    call(kernel, steps)
