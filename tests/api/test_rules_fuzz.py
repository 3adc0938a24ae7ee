"""Hostile rule files over the real API: each refused 422 in bounded time, the rules untouched."""

from __future__ import annotations

import hashlib
import random
import tempfile
import time
from pathlib import Path

import pytest
import requests

URL = "/v1/rulesets/natural_resources.fuzz"
BOUND = 5.0  # seconds per request: generous, a hang or a crawl is what this catches
LEAF = "{fact: item.code, eq: NR-LAND-SITE}"


def ruleset(when: str = LEAF, then: str = "[{accept: {}}]", head: str = "") -> str:
    return (f"{head}ruleset: natural_resources.fuzz\nversion: \"1\"\n"
            "department: natural_resources\nreference: 测试\neffective: {from: 2019-01-01}\n"
            f"rules:\n  - id: r1\n    title: t\n    when: {when}\n    then: {then}\n")


def _doubling_bomb(levels: int) -> str:
    lines = ['l0: &l0 ["lol"]'] + [f"l{i}: &l{i} [*l{i - 1}, *l{i - 1}]"
                                   for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def _block_nots(depth: int) -> str:
    return ruleset(when="\n" + "".join("  " * (i + 3) + "not:\n" for i in range(depth))
                   + "  " * (depth + 3) + LEAF)


HOSTILE: dict[str, str | bytes] = {
    "alias bomb": _doubling_bomb(40),
    "alias bomb in a rule": ruleset(head=_doubling_bomb(30)),
    "many aliases": "a: &a [x]\n" + "".join(f"b{i}: *a\n" for i in range(500)),
    "not 500 deep": ruleset(when="{not: " * 500 + LEAF + "}" * 500),
    "all 200 deep": ruleset(when="{all: [" * 200 + LEAF + "]}" * 200),
    "any 100 deep, block": ruleset(when="\n" + "".join(
        "  " * (i + 3) + "any:\n" + "  " * (i + 3) + "- " for i in range(100)) + LEAF),
    "not 300 deep, block": _block_nots(300),
    "lists 10,000 deep": "a: " + "[" * 10_000 + "]" * 10_000,
    "over 256 KiB": ruleset(head="# " + "x" * (300 << 10) + "\n"),
    "a million values": "a: [" + "1," * 120_000 + "1]\n",
    "unknown operator": ruleset(when="{fact: item.code, regex: '.*'}"),
    "unknown combinator": ruleset(when="{xor: [" + LEAF + ", " + LEAF + "]}"),
    "unknown action": ruleset(then="[{exec: {cmd: ls}}]"),
    "python tag": ruleset(head="x: !!python/object/apply:os.system ['true']\n"),
    "unknown tag": ruleset(when="!cond " + LEAF),
    "binary tag": ruleset(head="x: !!binary AAAA\n"),
    "nul byte": ruleset().replace("title: t", "title: t\x00").encode(),
    "nul escape": ruleset().replace("title: t", 'title: "t\\0"'),
    "nul escape in a value": ruleset(when='{fact: item.code, eq: "NR-LAND-SITE\\0x"}'),
    "not utf-8": ruleset().encode("utf-8").replace(b"t\n", b"\xff\xfe\n", 1),
    "utf-16": ruleset().encode("utf-16"),
    "empty": "",
    "a list": "- 1\n- 2\n",
    "a number": "42\n",
    "two documents": ruleset() + "---\n" + ruleset(),
    "duplicate key": ruleset(head="ruleset: natural_resources.other\n"),
    "unknown fact": ruleset(when="{fact: no.such.fact, eq: 1}"),
    "wrong type": ruleset(when="{fact: item.code, eq: 3}"),
    "another ruleset id": ruleset().replace("natural_resources.fuzz", "natural_resources.x", 1),
    "version too long": ruleset().replace('version: "1"', f"version: \"{'9' * 41}\""),
}


# What some are refused for: the reason, not merely some 422.
SAYS = {"alias bomb": "aliases are expanded", "not 500 deep": "nested more than 64 deep",
        "all 200 deep": "nested more than 64 deep", "lists 10,000 deep": "nested more than",
        "nul escape": "NUL character", "over 256 KiB": "at most", "python tag": "YAML",
        "unknown operator": "regex"}


def _random_garbage(seed: int) -> bytes:
    rnd = random.Random(seed)
    pieces = ["{", "}", "[", "]", ":", "- ", "&a ", "*a ", "!x ", "\n", "  ", "not:", "all:",
              "\"", "'", "#", "%", "\\0", "\t", "?", "|", ">"]
    return ruleset(when="[" + "".join(rnd.choice(pieces) for _ in range(400))).encode()


def rulebook_state(api) -> tuple:
    """What is in force (GET /v1/rulesets) and every rule file's bytes."""
    listed = requests.get(api.url + "/v1/rulesets", headers=api.headers, timeout=30).json()
    files = sorted((str(p), hashlib.sha256(p.read_bytes()).hexdigest())
                   for d in api.kernel.rule_dirs for p in Path(d).rglob("*") if p.is_file())
    return listed, files


@pytest.fixture
def before(live_api):
    return rulebook_state(live_api)


def put(api, body: str | bytes) -> tuple[requests.Response, float]:
    data = body.encode("utf-8") if isinstance(body, str) else body
    started = time.monotonic()
    resp = requests.put(api.url + URL, data=data, timeout=60,
                        headers={**api.headers, "Content-Type": "application/yaml"})
    return resp, time.monotonic() - started


def test_hostile_rule_files_are_422_quickly_and_change_nothing(live_api, before):
    bodies = {**HOSTILE, **{f"garbage {i}": _random_garbage(i) for i in range(20)}}
    for name, body in bodies.items():
        resp, took = put(live_api, body)
        assert resp.status_code == 422, (name, resp.status_code, resp.text[:300])
        assert took < BOUND, (name, took)
        err = resp.json()["error"]
        assert err["code"] in ("rules_invalid", "invalid"), (name, err)
        assert SAYS.get(name, "") in err["message"], (name, err)
        for where in (tempfile.gettempdir(), str(Path(live_api.kernel.rule_dirs[0]).parent)):
            assert where not in resp.text, (name, resp.text[:300])
    assert rulebook_state(live_api) == before
    with live_api.kernel.db.connect() as conn:
        from kernel.store.tables import RulesChange

        assert conn.execute(RulesChange.__table__.select()).all() == []


def test_a_body_past_the_request_limit_is_413(live_api, before):
    resp, took = put(live_api, ruleset(head="# " + "x" * (2 << 20) + "\n"))
    assert (resp.status_code, resp.json()["error"]["code"]) == (413, "body_too_large")
    assert took < BOUND and rulebook_state(live_api) == before


def test_a_good_file_after_the_fuzz_still_goes_live(live_api, before):
    for body in HOSTILE.values():
        put(live_api, body)
    resp, _ = put(live_api, ruleset())
    assert resp.status_code == 200, resp.text
    assert rulebook_state(live_api) != before


@pytest.mark.parametrize("name", ["natural_resources." + "x" * 500, "Natural.Up",
                                     "natural_resources.中文", "-x", "natural_resources.a%20b"])
def test_a_ruleset_id_no_file_could_be_named_after_is_422(live_api, before, name):
    resp = requests.put(f"{live_api.url}/v1/rulesets/{name}", timeout=60,
                        data=ruleset().replace("natural_resources.fuzz", name, 1).encode(),
                        headers={**live_api.headers, "Content-Type": "application/yaml"})
    assert resp.status_code == 422, resp.text[:300]
    assert resp.json()["error"]["field"] == "ruleset"
    assert rulebook_state(live_api) == before

