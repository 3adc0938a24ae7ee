"""Fire the hardening catalogue of bad input at real `onetrip serve` processes on loopback.

    python benchmarks/probe_bad_input.py [--quick]

Two servers are started in a throw-away folder (their own SQLite store, copies of the rule
folders): one with tokens (admin, clerk, auditor, a natural-resources rule author) and one
without (loopback only, every caller an admin). Every route of /openapi.json gets hostile
bodies, queries and paths, as each role, with a bad token and with none; then malformed HTTP
on raw sockets. A 5xx, a connection refused or reset, or an answer slower than
``STALL`` seconds counts as a 5xx seen. Prints "bad inputs tried: N, 5xx seen: M" and exits 1
when M > 0. ``--quick`` sends each input as fewer callers (the test suite's bounded run).
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from livekit import server_process  # noqa: E402  (the tests' server helper, by path)

STALL = 20.0  # seconds: what takes longer is a stalled server
TOKENS = {"admin": "probe-admin-0123456789abcdef", "clerk": "probe-clerk-0123456789abcdef",
          "auditor": "probe-auditor-0123456789abcd",
          "rule_author": "probe-author-0123456789abcde"}
DEEP_LIST, DEEP_OBJECT = "[" * 10_000 + "]" * 10_000, '{"a":' * 10_000 + "1" + "}" * 10_000
HUGE = "1" * 5000
OVERFLOWING = ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00")
DOCUMENT = {"flow": "incoming", "title": "关于国庆期间安全生产的紧急通知", "type": "通知",
            "urgency": "特急", "received_at": "2019-09-30T17:00:00+08:00"}
RULES_HEAD = ("ruleset: natural_resources.probe\nversion: \"1\"\ndepartment: natural_resources\n"
              "reference: 测试\neffective: {from: 2019-01-01}\nrules:\n  - id: r1\n    title: t\n")
LEAF = "{fact: item.code, eq: NR-LAND-SITE}"


def application(**changes) -> dict:
    data = json.loads((ROOT / "examples" / "land_site_complete.json").read_text("utf-8"))
    return {**data, **changes}


def applicant(**changes) -> dict:
    return application(applicant={**application()["applicant"], **changes})


def person(id_number: str) -> dict:
    return application(applicant={"kind": "person", "name": "张三", "id_number": id_number})


def rule_file(when: str = LEAF, head: str = "") -> str:
    return f"{head}{RULES_HEAD}    when: {when}\n    then: [{{accept: {{}}}}]\n"


def wide(alternatives: int) -> str:
    leaves = "".join(f"        - {{fact: materials.missing, eq: {i}}}\n"
                     for i in range(alternatives))
    return f"{RULES_HEAD}    when:\n      any:\n{leaves}    then: [{{accept: {{}}}}]\n"


@dataclass
class Probe:
    label: str
    method: str
    path: str
    kw: dict = field(default_factory=dict)


def _json(label: str, path: str, body: object, method: str = "POST") -> Probe:
    raw = body if isinstance(body, str | bytes) else json.dumps(body, ensure_ascii=False)
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    return Probe(label, method, path, {"data": data,
                                       "headers": {"Content-Type": "application/json"}})


def _yaml(label: str, path: str, text: str | bytes, method: str = "PUT") -> Probe:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return Probe(label, method, path, {"data": data,
                                       "headers": {"Content-Type": "application/yaml"}})


def bodies(case: str, doc: str) -> Iterator[Probe]:
    """Hostile JSON bodies on every JSON route."""
    c, d = f"/v1/cases/{case}", f"/v1/oa/documents/{doc}"
    routes = ["/v1/evaluate", "/v1/cases", f"{c}/supplements", f"{c}/clock",
              f"{c}/correction-notice", f"{c}/extension", f"{c}/complete", "/v1/oa/documents",
              f"{d}/advance", "/v1/sandbox/replays"]
    for path in routes:
        for name, raw in (("nested 10,000 deep list", DEEP_LIST),
                          ("nested 10,000 deep object", DEEP_OBJECT),
                          ("integer of 5,000 digits", HUGE),
                          ("huge in a list", f'{{"a": [{HUGE}]}}'),
                          ("a list", "[1, 2]"), ("a number", "42"), ("a string", '"x"'),
                          ("null", "null"), ("truncated", '{"a": '), ("empty", ""),
                          ("not utf-8", b'{"a": "\xff\xfe"}'), ("NUL escape", '{"a": "\\u0000"}'),
                          ("NaN", '{"a": NaN}'), ("duplicate keys", '{"a": 1, "a": 2}')):
            yield _json(f"{name} to {path}", path, raw)


def times(case: str, doc: str) -> Iterator[Probe]:
    c, d = f"/v1/cases/{case}", f"/v1/oa/documents/{doc}"
    for when in (*OVERFLOWING, 1564020000, "2019-07-25T10:00:00", "2019-02-30T10:00:00+08:00",
                 "1900-01-01T00:00:00+08:00", "3000-01-01T00:00:00+08:00"):
        for path, body in (("/v1/evaluate", application(submitted_at=when)),
                           ("/v1/cases", application(submitted_at=when)),
                           (f"{c}/supplements", {"materials": ["X"], "at": when}),
                           (f"{c}/clock", {"action": "pause", "reason": "听证", "at": when,
                                           "length": {"working_days": 5}}),
                           (f"{c}/complete", {"at": when, "result": "granted"}),
                           (f"{c}/extension", {"approver": "局长", "reason": "r", "at": when}),
                           (f"{c}/correction-notice", {"at": when}),
                           ("/v1/oa/documents", {**DOCUMENT, "received_at": when}),
                           (f"{d}/advance", {"at": when})):
            yield _json(f"time {when} in {path}", path, body)
    for when in (*OVERFLOWING, "yesterday", "2019-13-01", "x" * 5000):
        for method, path, query in (("GET", c, {"as_of": when}), ("GET", "/v1/cases",
                                                                   {"as_of": when}),
                                    ("GET", "/v1/calendar/deadline",
                                     {"start": when, "working_days": "3"}),
                                    ("GET", "/v1/calendar/deadline",
                                     {"start": when, "office_hours": "3"}),
                                    ("GET", "/v1/oa/due", {"as_of": when}),
                                    ("POST", "/v1/oa/chase", {"as_of": when}),
                                    ("GET", "/v1/oa/metrics", {"from": when})):
            yield Probe(f"time {when[:30]} in {path}?", method, path, {"params": query})


def queries(case: str) -> Iterator[Probe]:
    for value in (str(2**63), str(2**64), "-1", "x", HUGE, "1e3", " 1", "0x10"):
        for name in ("offset", "limit"):
            yield Probe(f"{name}={value[:20]}", "GET", "/v1/cases", {"params": {name: value}})
    yield Probe("offset twice", "GET", "/v1/cases?offset=1&offset=2")
    yield Probe("state with NUL", "GET", "/v1/cases", {"params": {"state": "x\x00"}})
    yield Probe("overdue=maybe", "GET", "/v1/cases", {"params": {"overdue": "maybe"}})
    for q in ({"working_days": str(10**6)}, {"working_days": "-3"}, {"working_days": "0"},
              {"working_days": "3", "calendar_days": "3"}, {}, {"office_hours": HUGE},
              {"start": "2019-07-25", "office_hours": "3"}):
        yield Probe(f"deadline {list(q)}", "GET", "/v1/calendar/deadline",
                    {"params": {"start": "2019-07-25T10:00:00+08:00", **q}})
    for q in ({"from": "2019-12-31", "to": "2019-01-01"}, {"department": "x" * 5000},
              {"department": "x\x00"}, {"from": "0001-01-01"}):
        yield Probe(f"metrics {list(q)}", "GET", "/v1/oa/metrics", {"params": q})
    yield Probe("as_of with NUL", "GET", f"/v1/cases/{case}", {"params": {"as_of": "\x00"}})


def inputs() -> Iterator[Probe]:
    """Fields at and past their limits, NUL characters, identifiers in other scripts."""
    org = application()["applicant"]
    for name, body in (
            ("name of 201", applicant(name="某" * 201)), ("NUL in name", applicant(name="某\x00")),
            ("NUL in material", application(materials=["NR-M-\x00"])),
            ("NUL in fact", application(facts={"project.kind": "indus\x00trial"})),
            ("region with NUL", application(region="GX\x00")),
            ("unknown region", application(region="ZZ")),
            ("unknown item", application(items=["NO-SUCH-ITEM"])),
            ("no items", application(items=[])), ("items not a list", application(items="x")),
            ("10,000 items", application(items=["NR-LAND-SITE"] * 10_000)),
            ("fact not declared", application(facts={"x.y": 1})),
            ("fact of wrong type", application(facts={"project.kind": 3})),
            ("fact huge string", application(facts={"project.kind": "x" * 100_000})),
            ("0 as false", application(facts={"project.land_approved": 0})),
            ("kind unknown", applicant(kind="robot")),
            ("credit code arabic-indic", applicant(credit_code="٩١350100M000100Y43")),
            ("credit code fullwidth digits", applicant(credit_code="９１350100M000100Y43")),
            ("credit code lower case", applicant(credit_code=org["credit_code"].lower())),
            ("credit code bad check", applicant(credit_code="91350100M000100Y44")),
            ("credit code with O", applicant(credit_code="91350100O000100Y43")),
            ("id arabic-indic", person("١١0105194912310021")),
            ("id devanagari", person("११0105194912310021")),
            ("id fullwidth", person("１１0105194912310021")),
            ("id short", person("11010519491231002")),
            ("id bad check", person("110105194912310022")),
            ("id Feb 30", person("110105194902300021")),
            ("id with space", person("110105 194912310021")),
            ("channel long", application(channel="x" * 1000)),
            ("materials not strings", application(materials=[1, 2])),
            ("agent without id", application(agent={"name": "李四"}))):
        for path in ("/v1/evaluate", "/v1/cases"):
            yield _json(f"{name} to {path}", path, body)
    for name, body in (("type of 61", {**DOCUMENT, "type": "通" * 61}),
                       ("title NUL", {**DOCUMENT, "title": "关于\x00"}),
                       ("urgency unknown", {**DOCUMENT, "urgency": "至急"}),
                       ("flow unknown", {**DOCUMENT, "flow": "sideways"}),
                       ("co_handling NUL", {**DOCUMENT, "co_handling": ["办公室", "x\x00"]}),
                       ("co_handling 10,000", {**DOCUMENT, "co_handling": ["办"] * 10_000}),
                       ("ours a string", {**DOCUMENT, "ours": "yes"})):
        yield _json(f"OA {name}", "/v1/oa/documents", body)
    yield _json("OA ours huge", "/v1/oa/documents",
                json.dumps({**DOCUMENT, "ours": 0}).replace('"ours": 0', f'"ours": {HUGE}'))


def actions(case: str, doc: str) -> Iterator[Probe]:
    c, d = f"/v1/cases/{case}", f"/v1/oa/documents/{doc}"
    for path, body in (
            (f"{c}/supplements", {"materials": []}), (f"{c}/supplements", {"materials": ["X"]}),
            (f"{c}/supplements", {"materials": ["X"] * 10_000}),
            (f"{c}/supplements", {"materials": ["NR-M-BOUNDARY-SURVEY"],
                                  "at": "2019-07-01T00:00:00+08:00"}),
            (f"{c}/supplements", {"materials": ["NR-M-BOUNDARY-SURVEY"],
                                  "at": "2999-01-01T00:00:00+08:00"}),
            (f"{c}/clock", {"action": "pause", "reason": "喝茶", "length": {"working_days": 5}}),
            (f"{c}/clock", {"action": "pause", "reason": "听证"}),
            (f"{c}/clock", {"action": "pause", "reason": "听证", "length": {"working_days": -5}}),
            (f"{c}/clock", {"action": "pause", "reason": "听证",
                            "length": {"working_days": 10**12}}),
            (f"{c}/clock", {"action": "stop"}), (f"{c}/clock", {"action": "resume"}),
            (f"{c}/extension", {"approver": "局长", "reason": "r", "working_days": 0}),
            (f"{c}/extension", {"approver": "局长", "reason": "r", "working_days": 10**6}),
            (f"{c}/extension", {"approver": "", "reason": ""}),
            (f"{c}/complete", {"result": "maybe"}), (f"{c}/complete", {"result": "not_granted"}),
            (f"{c}/complete", {"result": "granted", "reasons": ["x"] * 10_000}),
            (f"{c}/correction-notice", {"extra": 1}),
            (f"{d}/advance", {"result": "exploded"}), (f"{d}/advance", {"reason": "x\x00"}),
            ("/v1/cases/nope/supplements", {"materials": ["X"]}),
            (f"/v1/cases/{'x' * 5000}/complete", {"result": "granted"}),
            ("/v1/oa/documents/nope/advance", {})):
        yield _json(f"action {path[-24:]} {json.dumps(body, ensure_ascii=False)[:40]}", path,
                    body)
    yield Probe("empty Idempotency-Key", "POST", "/v1/cases", {
        "data": json.dumps(application()).encode(),
        "headers": {"Content-Type": "application/json", "Idempotency-Key": ""}})
    yield Probe("Idempotency-Key of 5,000", "POST", "/v1/cases", {
        "data": json.dumps(application()).encode(),
        "headers": {"Content-Type": "application/json", "Idempotency-Key": "k" * 5000}})


def rules() -> Iterator[Probe]:
    url = "/v1/rulesets/natural_resources.probe"
    bomb = "\n".join(['l0: &l0 ["lol"]'] + [f"l{i}: &l{i} [*l{i - 1}, *l{i - 1}]"
                                            for i in range(1, 41)]) + "\n"
    for name, text in (
            ("alias bomb", bomb), ("not 500 deep", rule_file("{not: " * 500 + LEAF + "}" * 500)),
            ("all 200 deep", rule_file("{all: [" * 200 + LEAF + "]}" * 200)),
            ("lists 10,000 deep", "a: " + "[" * 10_000 + "]" * 10_000),
            ("over 256 KiB", rule_file(head="# " + "x" * (300 << 10) + "\n")),
            ("over the request limit", rule_file(head="# " + "x" * (2 << 20) + "\n")),
            ("NUL byte", rule_file().replace("title: t", "title: t\x00")),
            ("NUL escape", rule_file().replace("title: t", 'title: "t\\0"')),
            ("python tag", rule_file(head="x: !!python/object/apply:os.system ['true']\n")),
            ("unknown operator", rule_file("{fact: item.code, regex: '.*'}")),
            ("unknown fact", rule_file("{fact: no.such, eq: 1}")),
            ("512 alternatives", wide(512)), ("600 alternatives", wide(600)),
            ("utf-16", rule_file().encode("utf-16")), ("empty", ""), ("a list", "- 1\n"),
            ("two documents", rule_file() + "---\n" + rule_file()),
            ("other ruleset id", rule_file().replace("natural_resources.probe",
                                                     "natural_resources.x", 1)),
            ("reaches every department", rule_file("{fact: materials.missing, ge: 0}"))):
        yield _yaml(f"rules: {name}", url, text)
    for ruleset in ("multi_review", "common.probe", "oa.probe", "..", "natural_resources.%00",
                    "x" * 500, "natural_resources.multi_review"):
        yield _yaml(f"rules: id {ruleset[:20]}", f"/v1/rulesets/{ruleset}",
                    rule_file().replace("natural_resources.probe", ruleset, 1))
    for name, text in (("not YAML", "{"), ("alias bomb", bomb), ("no source", "holidays: []\n")):
        yield _yaml(f"schedule: {name}", "/v1/calendar/schedules", text, "POST")
    for name in ("../x.yaml", "x\x00.yaml", "/etc/passwd", "a" * 300):
        yield Probe(f"schedule name {name[:20]}", "POST", "/v1/calendar/schedules", {
            "params": {"name": name}, "data": b"source: x\n",
            "headers": {"Content-Type": "application/yaml"}})


def sandbox() -> Iterator[Probe]:
    url = "/v1/sandbox/replays"
    base = {"cases": "2019.jsonl"}
    for name, body in (
            ("candidate /proc/self", {**base, "candidate": "/proc/self"}),
            ("candidate ../../..", {**base, "candidate": "../../.."}),
            ("candidate /etc", {**base, "candidate": "/etc"}),
            ("baseline option", {**base, "baseline": "--upload-pack=touch x"}),
            ("baseline far back", {**base, "baseline": "HEAD~99999999"}),
            ("baseline shell", {**base, "baseline": "$(reboot)"}),
            ("cases outside", {"cases": "../x"}), ("cases absolute", {"cases": "/etc/passwd"}),
            ("cases NUL", {"cases": "2019\x00.jsonl"}), ("on_error maybe", {**base,
                                                                              "on_error": "maybe"}),
            ("unknown key", {**base, "rm": "-rf"}), ("no cases", {})):
        yield _json(f"sandbox {name}", url, body)
    yield Probe("sandbox upload of a wrong type", "POST", url, {
        "data": b"\x00\x01", "headers": {"Content-Type": "application/octet-stream"}})
    yield Probe("sandbox upload not JSON lines", "POST", url, {
        "data": b"not json\n{\n", "headers": {"Content-Type": "application/x-ndjson"}})
    for path in ("/v1/sandbox/replays/nope", "/v1/sandbox/replays/../../etc/passwd",
                 "/v1/sandbox/replays/x/..%2F..%2Fetc%2Fpasswd", "/v1/sandbox/replays/x/report",
                 f"/v1/sandbox/replays/{'x' * 5000}"):
        yield Probe(f"sandbox GET {path[:40]}", "GET", path)


def transport() -> Iterator[Probe]:
    """Content types, unknown paths and methods, cross-site requests."""
    body = json.dumps(application()).encode()
    for ctype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                  "application/json; charset=utf-16", "", "application/yaml"):
        yield Probe(f"Content-Type {ctype or 'none'}", "POST", "/v1/cases",
                    {"data": body, "headers": {"Content-Type": ctype}})
    for path in ("/nope", "/v1/nope", "/v1/cases/x/nope/y", "/v1/oa/nope", "/%00", "/v1/../etc",
                 "/" + "a" * 5000):
        for method in ("GET", "POST", "DELETE", "PATCH"):
            yield Probe(f"{method} unknown {path[:20]}", method, path)
    for method, path in (("DELETE", "/v1/cases"), ("PUT", "/v1/evaluate"), ("POST", "/healthz"),
                         ("DELETE", "/v1/rulesets/x"), ("TRACE", "/v1/cases")):
        yield Probe(f"{method} not served on {path}", method, path)
    for origin in ("https://evil.example", "null", "http://127.0.0.1.evil.example"):
        yield Probe(f"Origin {origin}", "POST", "/v1/cases", {
            "data": body, "headers": {"Content-Type": "application/json", "Origin": origin}})
    yield Probe("Host evil", "GET", "/v1/cases", {"headers": {"Host": "evil.example"}})


RAW = (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n",
       b"G\x00T / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
       b"GET / HTTP/9.Z\r\nHost: 127.0.0.1\r\n\r\n",
       b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nnocolon\r\n\r\n",
       b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: " + b"a" * 20_000 + b"\r\n\r\n",
       b"GET /" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
       b"POST /v1/evaluate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n"
       b"Content-Length: 3\r\n\r\n{}",
       b"POST /v1/evaluate HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
       b"zz\r\n{}\r\n0\r\n\r\n")


@dataclass
class Report:
    tried: int = 0
    statuses: Counter = field(default_factory=Counter)
    bad: list[str] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)

    def count(self, label: str, status: int | str, took: float = 0.0) -> None:
        self.tried += 1
        self.statuses[status] += 1
        if isinstance(status, int) and status < 300:
            self.accepted.append(f"{status}: {label}")
        if not isinstance(status, int) or status >= 500 or took > STALL:
            self.bad.append(f"{status} in {took:.1f}s: {label}")


def _send(url: str, who: dict, probe: Probe, report: Report) -> None:
    kw = dict(probe.kw)
    kw["headers"] = {**who, **kw.get("headers", {})}
    started = time.monotonic()
    try:
        resp = requests.request(probe.method, url + probe.path, timeout=STALL * 2, **kw)
        status = resp.status_code
        if 400 <= status < 500 and "error" not in resp.json():
            status = f"{status} without the error body"
    except (requests.RequestException, ValueError) as exc:
        status = type(exc).__name__
    report.count(f"{probe.method} {probe.label} as {who or 'no token'}", status,
                 time.monotonic() - started)


def _raw(url: str, raw: bytes, report: Report) -> None:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=STALL) as sock:
            sock.sendall(raw)
            head = sock.recv(65536).split(b"\r\n", 1)[0].split()
        status: int | str = int(head[1]) if len(head) > 1 else "no answer"
    except OSError as exc:
        status = type(exc).__name__
    report.count(f"raw {raw[:30]!r}", status)


def _seed(url: str, who: dict) -> tuple[str, str]:
    """A case awaiting a supplement and an OA document to act on."""
    data = application()
    data["materials"] = [m for m in data["materials"] if m != "NR-M-BOUNDARY-SURVEY"]
    case = requests.post(url + "/v1/cases", json=data, headers=who, timeout=60).json()["id"]
    doc = requests.post(url + "/v1/oa/documents", json=DOCUMENT, headers=who,
                        timeout=60).json()["id"]
    return case, doc


def catalogue(case: str, doc: str) -> list[Probe]:
    return [*bodies(case, doc), *times(case, doc), *queries(case), *inputs(),
            *actions(case, doc), *rules(), *sandbox(), *transport()]


def probe(folder: Path, quick: bool = False) -> Report:
    """Start the two servers in ``folder``, fire everything, check they still answer."""
    for name in ("common", "natural_resources"):
        shutil.copytree(ROOT / "rules" / name, folder / "rules" / name)
    rules = [a for name in ("common", "natural_resources")
             for a in ("--rules", str(folder / "rules" / name))]
    config = folder / "server.yaml"
    config.write_text(json.dumps({"tokens": [
        {"token": t, "role": role, **({"department": "natural_resources"}
                                      if role == "rule_author" else {})}
        for role, t in TOKENS.items()]}), "utf-8")
    report = Report()
    env = {"ONETRIP_CALENDAR_DIR": str(folder / "calendars")}
    with ExitStack() as stack:
        (folder / "a").mkdir()
        (folder / "b").mkdir()
        guarded = stack.enter_context(server_process(folder / "a", *rules, "--config",
                                                     str(config), env=env))
        open_ = stack.enter_context(server_process(folder / "b", *rules, env=env))
        bearer = {role: {"Authorization": f"Bearer {t}"} for role, t in TOKENS.items()}
        # (server, caller, every how many-th input): all of it without tokens, where every
        # input reaches its handler; each role on the other server, and no or a bad token
        callers = [(open_, {}, 1), (guarded, bearer["admin"], 1 if not quick else 5),
                   *((guarded, bearer[r], 1 if not quick else 15)
                     for r in ("clerk", "auditor", "rule_author")),
                   (guarded, {}, 10), (guarded, {"Authorization": "Bearer wrong-token-01234"}, 10)]
        seeded = {url: _seed(url, who) for url, who in ((open_, {}), (guarded, bearer["admin"]))}
        for url, who, every in callers:
            for p in catalogue(*seeded[url])[::every]:
                _send(url, who, p, report)
        for url in (open_, guarded):
            for raw in RAW:
                _raw(url, raw, report)
            healthy = requests.get(url + "/healthz", headers=bearer["admin"], timeout=STALL)
            report.count("healthz after the probe", healthy.status_code)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer callers per input")
    parser.add_argument("--accepted", action="store_true", help="list the inputs taken (2xx)")
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="onetrip-probe-") as tmp:
        report = probe(Path(tmp), args.quick)
    for line in report.bad + (report.accepted if args.accepted else []):
        print("  ", line)
    print("answers:", ", ".join(f"{s}: {n}" for s, n in sorted(report.statuses.items(),
                                                                key=lambda x: str(x[0]))))
    print(f"bad inputs tried: {report.tried}, 5xx seen: {len(report.bad)} "
          f"({time.monotonic() - started:.0f} s)")
    return 1 if report.bad else 0


if __name__ == "__main__":
    sys.exit(main())
