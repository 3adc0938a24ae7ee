"""A rule file that would hang the engine, sent to a real `onetrip serve`: 422 at once, the
server answering meanwhile and the rules in force unchanged; one just inside the limit works."""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import requests
from livekit import server_process

from kernel.engine import MAX_FANOUT
from rules import RULES_DIR

ROOT = Path(__file__).resolve().parents[2]
BOUND = 5.0  # seconds: a check takes well under one; the engine, once hung, never answers
URL = "/v1/rulesets/natural_resources.wide"
JSON = {"Content-Type": "application/json"}


def wide(alternatives: int) -> str:
    leaves = "".join(f"          - {{fact: materials.missing, eq: {i}}}\n"
                     for i in range(alternatives))
    return ("ruleset: natural_resources.wide\nversion: \"1\"\ndepartment: natural_resources\n"
            "reference: 测试\neffective: {from: 2019-01-01}\nrules:\n  - id: flag-names\n"
            "    title: t\n    when:\n      all:\n        - {fact: item.code, eq: NR-LAND-SITE}\n"
            f"        - any:\n{leaves}    then: [{{flag: {{code: named, message: m}}}}]\n")


def test_past_the_engine_limit_is_422_quickly_and_inside_it_goes_live(tmp_path):
    for folder in ("common", "natural_resources"):
        shutil.copytree(RULES_DIR / folder, tmp_path / folder)
    with server_process(tmp_path, "--rules", str(tmp_path / "common"),
                        "--rules", str(tmp_path / "natural_resources")) as url:
        before = requests.get(url + "/v1/rulesets", timeout=10).json()
        answered, stop = [], threading.Event()

        def ask() -> None:
            while not stop.wait(0.05):
                started = time.monotonic()
                resp = requests.get(url + "/healthz", timeout=BOUND * 2)
                answered.append((resp.status_code, time.monotonic() - started))

        watcher = threading.Thread(target=ask, daemon=True)
        watcher.start()
        started = time.monotonic()
        refused = requests.put(url + URL, data=wide(MAX_FANOUT + 1).encode(), timeout=BOUND * 4,
                               headers={"Content-Type": "application/yaml"})
        took = time.monotonic() - started
        stop.set()
        watcher.join(BOUND * 2)
        assert refused.status_code == 422, refused.text[:300]
        assert took < BOUND
        err = refused.json()["error"]
        assert "wide.yaml:7: rule flag-names: 512 different conditions" in err["message"], err
        assert answered and all(status == 200 and t < BOUND for status, t in answered)
        assert requests.get(url + "/v1/rulesets", timeout=10).json() == before

        done = requests.put(url + URL, data=wide(MAX_FANOUT - 1).encode(), timeout=60,
                            headers={"Content-Type": "application/yaml"})
        assert done.status_code == 200, done.text[:300]
        land_site = json.loads((ROOT / "examples" / "land_site_complete.json").read_text())
        decided = requests.post(url + "/v1/evaluate", json=land_site, timeout=60).json()
        assert "named" in [f["code"] for f in decided["flags"]]
