"""The replay routes on a real aiohttp server: roles, bad input as 4xx, progress and reports."""

import asyncio
import shutil
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from sandbox.api import ReplayJobs, setup

DATA = Path(__file__).with_name("data")
AUTHOR = {"X-Onetrip-Role": "rule_author"}


async def _done(client, location):
    for _ in range(200):
        state = await (await client.get(location)).json()
        if state["status"] in ("done", "failed"):
            return state
        await asyncio.sleep(0.05)
    raise AssertionError("replay did not finish")


def _app(tmp_path, sbx_args, sbx_history):
    histories = tmp_path / "histories"
    histories.mkdir()
    shutil.copy(sbx_history, histories / "2019.jsonl")
    app = web.Application()
    setup(app, ReplayJobs(tmp_path / "jobs", histories, workers=1, kernel_args=sbx_args))
    return app


def test_replay_over_http(tmp_path, sbx_args, sbx_history):
    async def scenario():
        body = {"cases": "2019.jsonl", "baseline": str(DATA / "rules_base"),
                "candidate": str(DATA / "rules_draft")}
        async with TestClient(TestServer(_app(tmp_path, sbx_args, sbx_history))) as client:
            assert (await client.post("/v1/sandbox/replays", json=body)).status == 403
            bad = await client.post("/v1/sandbox/replays", json={**body, "cases": "../x"},
                                    headers=AUTHOR)
            assert bad.status == 400 and (await bad.json())["field"] == "cases"
            bad = await client.post("/v1/sandbox/replays", json={**body, "on_error": "maybe"},
                                    headers=AUTHOR)
            assert bad.status == 400 and (await bad.json())["field"] == "on_error"
            started = await client.post("/v1/sandbox/replays", json=body, headers=AUTHOR)
            assert started.status == 202
            state = await _done(client, started.headers["Location"])
            assert state["status"] == "done" and state["progress"] == 1.0
            assert state["summary"]["cases"] == 300 and state["summary"]["changed"] > 0
            report = await client.get(state["links"]["report.html"])
            assert report.status == 200 and "<svg" in await report.text()
            upload = await client.post(
                "/v1/sandbox/replays?candidate=no-such-policy", headers=AUTHOR,
                data=sbx_history.read_bytes())
            failed = await _done(client, upload.headers["Location"])
            assert failed["status"] == "failed" and "no-such-policy" in failed["error"]
            assert (await client.get("/v1/sandbox/replays/nope")).status == 404

    asyncio.run(scenario())
