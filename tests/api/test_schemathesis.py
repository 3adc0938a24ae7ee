"""Schemathesis, every check, against the whole API (kernel, OA, sandbox) on a real server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import requests
import schemathesis
from casekit import tolerated_application

CONFIG = Path(__file__).with_name("schemathesis.toml")
DOCUMENT = {"flow": "incoming", "title": "关于国庆期间安全生产的紧急通知", "type": "通知",
            "urgency": "特急", "received_at": "2019-09-30T17:00:00+08:00"}
# Bounded: at most this many cases per operation and phase, and the whole run in TIMEOUT.
MAX_EXAMPLES, TIMEOUT = 12, 240


def post(api, path: str, body: dict) -> dict:
    resp = requests.post(api.url + path, json=body, headers=api.headers, timeout=30)
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_the_document_is_valid_openapi_with_every_route(live_api):
    schema = schemathesis.openapi.from_url(f"{live_api.url}/openapi.json")
    schema.validate()  # against the OpenAPI 3.1 meta-schema
    paths = schema.raw_schema["paths"]
    assert {"/v1/cases/{id}", "/v1/oa/documents/{doc_id}/advance",
            "/v1/sandbox/replays/{id}/{name}", "/openapi.json", "/docs"} <= paths.keys()


def test_schemathesis_finds_nothing(live_api, tmp_path, caplog):
    env = {**os.environ, "ONETRIP_ST_TOKEN": live_api.token,
           "ONETRIP_ST_CASE": post(live_api, "/v1/cases", tolerated_application())["id"],
           "ONETRIP_ST_DOCUMENT": post(live_api, "/v1/oa/documents", DOCUMENT)["id"]}
    run = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "--no-color",
         "run", f"{live_api.url}/openapi.json", "--checks", "all",
         "--max-examples", str(MAX_EXAMPLES), "--seed", "1", "--generation-database", "none",
         "--workers", "1", "--request-timeout", "30"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert run.returncode == 0, run.stdout[-30000:] + run.stderr[-5000:]
    assert not [r for r in caplog.records if r.name.startswith("onetrip")], caplog.text
