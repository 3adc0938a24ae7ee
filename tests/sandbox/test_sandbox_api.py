"""Replay routes in the kernel API on a real server: roles, 4xx, progress, reports."""

import asyncio
import shutil

import pytest
from aiohttp.test_utils import TestClient, TestServer

from kernel.cli import main
from kernel.http.app import create_app
from kernel.http.auth import ServerConfig, TokenSpec
from kernel.routes import Busy
from rules import RULES_DIR
from sandbox.jobs import ReplayPolicies

CLERK, AUDITOR = "clerk-token-0123456789", "auditor-token-012345"
TOKENS = ServerConfig(tokens=[TokenSpec(token=CLERK, role="clerk"),
                              TokenSpec(token=AUDITOR, role="auditor")])
AS_AUDITOR = {"Authorization": f"Bearer {AUDITOR}"}
TOLERANCE = """\
ruleset: draft.tolerance
version: draft
department: common
reference: 容缺受理制度（草案）
effective: {from: 2019-01-01}
rules:
  - id: tolerate-secondary
    title: 主件齐全的，可容缺的辅件先予受理
    when: {fact: materials.missing_main, eq: 0}
    then:
      - tolerate_missing: {materials: tolerable}
"""
COMMITTED = """\
ruleset: draft.committed
version: draft
department: common
reference: 承诺时限（草案）
effective: {from: 2019-01-01}
rules:
  - id: draft-committed-limit
    title: 行政许可事项一律承诺3个工作日
    when: {fact: item.kind, eq: licence}
    then:
      - set_time_limit: {committed: {working_days: 3}}
"""


async def _finished(client, location):
    for _ in range(400):
        state = await (await client.get(location, headers=AS_AUDITOR)).json()
        if state["status"] in ("done", "failed"):
            return state
        await asyncio.sleep(0.05)
    raise AssertionError("replay did not finish")


def _setup(tmp_path):
    histories = tmp_path / "replays" / "histories"
    histories.mkdir(parents=True)
    assert main(["sandbox", "generate", "--cases", "150", "--no-outcomes",
                 "--out", str(histories / "2019.jsonl")]) == 0
    draft = tmp_path / "replays" / "policies" / "draft"
    shutil.copytree(RULES_DIR, draft)
    (draft / "common" / "tolerance.yaml").write_text(TOLERANCE, "utf-8")
    # bad-credit applicants missing a tolerable material are rare among 150 cases of a large
    # catalogue: the draft also shortens every licence's committed limit, so changes show
    (draft / "common" / "committed.yaml").write_text(COMMITTED, "utf-8")
    return histories / "2019.jsonl", draft


async def _bad_requests(client, body):
    no_token = await client.post("/v1/sandbox/replays", json=body)
    clerk = await client.post("/v1/sandbox/replays", json=body,
                              headers={"Authorization": f"Bearer {CLERK}"})
    outside = await client.post("/v1/sandbox/replays", json={**body, "cases": "../x"},
                                headers=AS_AUDITOR)
    choice = await client.post("/v1/sandbox/replays", json={**body, "on_error": "maybe"},
                               headers=AS_AUDITOR)
    foreign = [await client.post("/v1/sandbox/replays", json={**body, "candidate": p},
                                 headers=AS_AUDITOR) for p in ("/proc/self", "../../..")]
    assert [(r.status, (await r.json())["error"]["field"]) for r in foreign] == [
        (422, "candidate")] * 2
    assert (no_token.status, clerk.status, outside.status, choice.status) == (401, 403, 400, 400)
    assert (await outside.json())["error"]["field"] == "cases"
    assert (await choice.json())["error"]["field"] == "on_error"


def test_replay_over_http(tmp_path, make_kernel, monkeypatch):
    # a history of items with tolerable materials, which the draft's tolerance changes
    monkeypatch.setenv("ONETRIP_DISABLE_PLUGINS", "real_estate")
    history, draft = _setup(tmp_path)
    monkeypatch.delenv("ONETRIP_DISABLE_PLUGINS")
    kernel = make_kernel(sandbox_dir=str(tmp_path / "replays"), sandbox_workers=1)
    body = {"cases": "2019.jsonl", "candidate": draft.name}

    async def scenario():
        async with TestClient(TestServer(create_app(kernel, TOKENS, sweep=False))) as client:
            await _bad_requests(client, body)
            started = await client.post("/v1/sandbox/replays", json=body, headers=AS_AUDITOR)
            assert started.status == 202
            state = await _finished(client, started.headers["Location"])
            assert state["status"] == "done" and state["progress"] == 1.0
            assert state["summary"]["cases"] == 150 and state["summary"]["changed"] > 0
            report = await client.get(state["links"]["report.html"], headers=AS_AUDITOR)
            assert report.status == 200 and "<svg" in await report.text()
            upload = await client.post("/v1/sandbox/replays?candidate=no-such-policy",
                                       headers=AS_AUDITOR, data=history.read_bytes())
            failed = await _finished(client, upload.headers["Location"])
            assert failed["status"] == "failed" and "no-such-policy" in failed["error"]
            missing = await client.get("/v1/sandbox/replays/nope", headers=AS_AUDITOR)
            assert (missing.status, (await missing.json())["error"]["code"]) == (404, "not_found")

    asyncio.run(scenario())


def test_replays_under_way_are_stopped_at_shutdown(tmp_path, make_kernel):
    history, _ = _setup(tmp_path)
    kernel = make_kernel(sandbox_dir=str(tmp_path / "replays"), sandbox_workers=1)
    jobs = kernel.pm.get_plugin("sandbox").jobs
    assert (jobs.root, jobs.limit) == (tmp_path / "replays", 1)
    job = jobs.reserve()
    with pytest.raises(Busy):
        jobs.reserve()
    upload = jobs.upload_path(job)
    shutil.copy(history, upload)
    jobs.start(job, upload, ReplayPolicies())
    proc = jobs.procs[job.id]
    kernel.close()
    assert proc.poll() is not None  # the worker was stopped, not left running
    assert (job.status, job.error) == ("failed", "stopped: the server shut down")
    assert not upload.exists()
    with pytest.raises(Busy):
        jobs.reserve()


def test_uploads_past_the_limit_are_413_and_kept_nowhere(tmp_path, make_kernel):
    history, draft = _setup(tmp_path)
    broken = draft / "common" / "broken.yaml"
    broken.write_text("ruleset: draft.broken\nversion: 1\n", "utf-8")
    kernel = make_kernel(sandbox_dir=str(tmp_path / "replays"), sandbox_workers=1,
                         sandbox_max_upload=history.stat().st_size - 1)

    async def scenario():
        async with TestClient(TestServer(create_app(kernel, TOKENS, sweep=False))) as client:
            for chunked in (False, True):
                data = history.read_bytes()
                resp = await client.post("/v1/sandbox/replays", headers=AS_AUDITOR, data=(
                    _chunks(data) if chunked else data))
                assert (resp.status, (await resp.json())["error"]["code"]) == (
                    413, "body_too_large")
            assert list((tmp_path / "replays" / "uploads").glob("*")) == []
            started = await client.post("/v1/sandbox/replays", headers=AS_AUDITOR, json={
                "cases": "2019.jsonl", "candidate": draft.name})
            failed = await _finished(client, started.headers["Location"])
            assert failed["status"] == "failed" and "broken.yaml" in failed["error"]
            assert str(tmp_path) not in failed["error"]  # no folder of the server's

    asyncio.run(scenario())


async def _chunks(data: bytes):
    for i in range(0, len(data), 4096):
        yield data[i:i + 4096]
