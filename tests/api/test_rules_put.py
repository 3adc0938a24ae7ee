"""PUT /v1/rulesets/{ruleset}: own department only, checked with the whole rulebook, then live."""

from __future__ import annotations

import asyncio
import hashlib
import shutil

import pytest
from aiohttp.test_utils import TestClient, TestServer
from casekit import TEST_RULES, application
from sqlalchemy import select
from sqlmodel import Session

from kernel import Item, hookimpl
from kernel.core import Kernel
from kernel.http.app import create_app
from kernel.http.auth import ServerConfig, TokenSpec
from kernel.store import start_kernel
from kernel.store.tables import RulesChange

NR, HOUSING, CLERK = "nr-author-0123456789", "housing-author-01234", "clerk-token-0123456789"
ADMIN = "admin-token-0123456789"
CONFIG = ServerConfig(tokens=[
    TokenSpec(token=ADMIN, role="admin", name="管理员"),
    TokenSpec(token=NR, role="rule_author", department="natural_resources", name="王工"),
    TokenSpec(token=HOUSING, role="rule_author", department="housing"),
    TokenSpec(token=CLERK, role="clerk")], rules_check_interval=0.05)
URL = "/v1/rulesets/natural_resources.multi_review"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def rule_dirs(tmp_path):
    """Writable copies of the test rule folders: the repository's files are never written."""
    out = []
    for i, d in enumerate(TEST_RULES):
        copy = tmp_path / "rules" / f"{i}" / d.name
        shutil.copytree(d, copy)
        out.append(copy)
    return out


@pytest.fixture
def started(db_url, rule_dirs):
    kernels = []

    def start(**kw) -> Kernel:
        kernels.append(start_kernel(db_url=db_url, rule_dirs=rule_dirs, **kw))
        return kernels[-1]

    yield start
    for k in kernels:
        k.close()


def multi_review(committed: int) -> str:
    """The shipped ruleset with another committed limit for the land-site item (same
    version: replaces the file)."""
    text = (TEST_RULES[1] / "multi_review.yaml").read_text(encoding="utf-8")
    assert "committed: {working_days: 5}" in text
    return text.replace("committed: {working_days: 5}",
                        f"committed: {{working_days: {committed}}}", 1)


def run(kernel, steps, sweep=False):
    async def main():
        app = create_app(kernel, CONFIG, sweep=sweep)
        async with TestClient(TestServer(app)) as client:
            return await steps(client)

    return asyncio.run(main())


async def committed_days(c) -> int:
    resp = await c.post("/v1/evaluate", json=application(), headers=bearer(NR))
    return (await resp.json())["time_limits"]["committed"]["amount"]


def test_own_department_changes_its_ruleset_and_it_is_live_and_audited(started, rule_dirs):
    kernel = started()
    body = multi_review(4)
    shipped = (rule_dirs[1] / "multi_review.yaml").read_bytes()

    async def steps(c):
        assert await committed_days(c) == 5
        resp = await c.put(URL, data=body.encode(), headers=bearer(NR))
        done = await resp.json()
        assert resp.status == 200, done
        assert await committed_days(c) == 4
        return done

    done = run(kernel, steps)
    assert (done["ruleset"], done["version"], done["author"]) == (
        "natural_resources.multi_review", "2019.2", "王工")
    assert done["hash"] == hashlib.sha256(body.encode()).hexdigest()
    assert (rule_dirs[1] / "multi_review.yaml").read_text(encoding="utf-8") == body
    with Session(kernel.db) as s:
        rows = s.scalars(select(RulesChange)).all()
    # the file as it was is kept as the revision before: a change never overwrites a version
    assert [(r.ruleset, r.department, r.file, r.revision, r.action, r.hash) for r in rows] == [
        ("natural_resources.multi_review", "natural_resources", "multi_review.yaml", 1,
         "baseline", hashlib.sha256(shipped).hexdigest()),
        ("natural_resources.multi_review", "natural_resources", "multi_review.yaml", 2,
         "put", done["hash"])]


def test_other_department_and_other_roles_are_refused(started, rule_dirs):
    kernel = started()
    before = (rule_dirs[1] / "multi_review.yaml").read_text(encoding="utf-8")
    moved = multi_review(4).replace("department: natural_resources", "department: housing")

    async def steps(c):
        out = []
        for token, body in ((HOUSING, multi_review(4)), (HOUSING, moved), (CLERK, before)):
            resp = await c.put(URL, data=body.encode(), headers=bearer(token))
            out.append((resp.status, (await resp.json())["error"]["code"]))
        # a new ruleset that claims natural_resources, from housing's author
        resp = await c.put("/v1/rulesets/natural_resources.extra",
                           data=multi_review(20).replace("multi_review", "extra").encode(),
                           headers=bearer(HOUSING))
        out.append((resp.status, (await resp.json())["error"]["code"]))
        out.append(await committed_days(c))
        return out

    assert run(kernel, steps) == [(403, "forbidden")] * 4 + [5]
    assert (rule_dirs[1] / "multi_review.yaml").read_text(encoding="utf-8") == before


BROKEN = [
    # (what, change to the file, line the problem is reported on)
    # a flow list opened on line 11; the parser fails at the block entry "-" on line 12
    ("YAML syntax", lambda t: t.replace("      all:\n", "      all: [\n"), 12),
    # condition problems are reported at the rule's "when:" (line 10)
    ("unknown fact", lambda t: t.replace("fact: item.code", "fact: item.colour"), 10),
    ("same days as another ruleset's version",
     lambda t: t.replace("natural_resources.multi_review", "test.tolerance")
     .replace('"2019.2"', '"2019.3"'), 2),
]


@pytest.mark.parametrize("what,change,line", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_file_is_422_with_its_line_and_the_old_rules_stay(started, rule_dirs, what,
                                                                 change, line):
    kernel = started()
    text = multi_review(4)
    broken = change(text)
    assert broken != text
    # the test ruleset's id is not <department>.<name>: only an admin may change it
    url, who = (URL, NR) if "tolerance" not in broken else ("/v1/rulesets/test.tolerance", ADMIN)
    before = sorted(p.read_text(encoding="utf-8") for d in rule_dirs for p in d.rglob("*")
                    if p.is_file())

    async def steps(c):
        resp = await c.put(url, data=broken.encode(), headers=bearer(who))
        err = (await resp.json())["error"]
        return resp.status, err, await committed_days(c)

    status, err, days = run(kernel, steps)
    assert (status, err["code"], days) == (422, "rules_invalid", 5)
    assert err["problems"][0]["line"] == line, err
    assert err["problems"][0]["file"].endswith(".yaml")
    assert f":{line}:" in err["message"]
    after = sorted(p.read_text(encoding="utf-8") for d in rule_dirs for p in d.rglob("*")
                    if p.is_file())
    assert after == before  # nothing written, not even a temporary file


def test_another_process_notices_the_change(started):
    writer, follower = started(), started()

    async def steps(c):
        resp = await c.put(URL, data=multi_review(3).encode(), headers=bearer(NR))
        assert resp.status == 200

    run(writer, steps)

    async def follow(c):
        for _ in range(100):
            if await committed_days(c) == 3:
                return True
            await asyncio.sleep(0.05)
        return False

    # the follower loaded its rules before the change; its watcher reloads them
    assert [r.title for r in follower.rulebook.rules if r.id == "compress-merged-land-site"] \
        == [r.title for r in writer.rulebook.rules if r.id == "compress-merged-land-site"]
    before = follower.rulebook
    assert run(follower, follow, sweep=True)
    assert follower.rulebook is not before


def _put_all(kernel, puts):
    async def steps(c):
        out = []
        for token, url, body in puts:
            resp = await c.put(url, data=body.encode(), headers=bearer(token))
            out.append((resp.status, (await resp.json())["error"]["code"]
                        if resp.status >= 400 else "ok"))
        out.append(await committed_days(c))
        return out

    return run(kernel, steps)


def test_a_short_or_foreign_ruleset_id_never_replaces_another_file(started, rule_dirs):
    kernel = started()
    before = (rule_dirs[1] / "multi_review.yaml").read_text(encoding="utf-8")
    short = multi_review(5).replace("natural_resources.multi_review", "multi_review")
    foreign = multi_review(5).replace("natural_resources.multi_review", "housing.multi_review")
    out = _put_all(kernel, [(NR, "/v1/rulesets/multi_review", short),
                            (NR, "/v1/rulesets/housing.multi_review", foreign)])
    assert out == [(422, "invalid"), (422, "invalid"), 5]
    assert (rule_dirs[1] / "multi_review.yaml").read_text(encoding="utf-8") == before


def test_common_rules_are_for_admins_only(started, rule_dirs):
    kernel = started()
    text = (rule_dirs[0] / "tolerance.yaml").read_text(encoding="utf-8")
    out = _put_all(kernel, [(NR, "/v1/rulesets/common.tolerance",
                             text.replace("department: common", "department: natural_resources")),
                            (NR, "/v1/rulesets/common.tolerance", text)])
    assert [o[0] for o in out[:2]] == [403, 403]


# missing materials >= 5: no case of the department's own YAML cases, which a change must pass
REJECT_ALL = """ruleset: natural_resources.reject_all
version: "1"
department: natural_resources
reference: 测试
effective: {from: 2019-01-01}
rules:
  - id: reject-everything
    title: 一律不予受理
    when: {fact: materials.missing, ge: 5}
    then: [{reject: {reason: 测试}}]
"""


def test_a_rule_author_may_not_decide_other_departments_items(started, rule_dirs):
    kernel = started(extra_plugins=[("estate", Estate())])
    own = REJECT_ALL.replace("when: {fact: materials.missing, ge: 5}", (
        "when: {all: [{fact: item.department, eq: natural_resources},"
        " {fact: materials.missing, ge: 5}]}"))
    out = _put_all(kernel, [
        (NR, "/v1/rulesets/natural_resources.reject_all", REJECT_ALL),
        (NR, "/v1/rulesets/natural_resources.reject_all", REJECT_ALL.replace(
            "{fact: materials.missing, ge: 5}",
            "{all: [{not: {fact: item.code, in: [NR-LAND-SITE]}}, "
            "{fact: materials.missing, ge: 5}]}")),
        (ADMIN, "/v1/rulesets/natural_resources.reject_all", REJECT_ALL),
    ])
    assert out[:3] == [(403, "forbidden"), (403, "forbidden"), (200, "ok")]
    assert _put_all(kernel, [(NR, "/v1/rulesets/natural_resources.reject_all", own)])[0] == (
        200, "ok")


class Estate:
    """Another department with one item, so a rule can reach beyond its own."""

    @hookimpl
    def onetrip_register_items(self, items):
        items.add(Item(code="RE-MORTGAGE", name="抵押权首次登记", department="real_estate",
                       legal_basis="不动产登记暂行条例", legal_limit={"working_days": 30},
                       committed_limit={"working_days": 1},
                       materials=[{"code": "RE-M1", "name": "申请书", "role": "main"}]))
