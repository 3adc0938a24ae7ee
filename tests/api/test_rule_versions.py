"""Rule versions over HTTP: a change adds a revision (who, when, why, hash), the YAML in force
and every revision can be fetched, a rollback is one call, the audit log pages; a change that
breaks its department's YAML cases is refused. Served through the test kit's live API."""

from __future__ import annotations

import hashlib
import shutil
from urllib.parse import quote

import pytest
from casekit import TEST_RULES, application

from kernel.http.auth import tokens_from_env
from kernel.store import start_kernel

ADMIN, NR, HOUSING = "admin-token-0123456789", "nr-author-0123456789", "housing-author-01234"
TOKENS = [
    {"token": ADMIN, "role": "admin", "name": "管理员李某"},
    {"token": NR, "role": "rule_author", "department": "natural_resources", "name": "王工"},
    {"token": HOUSING, "role": "rule_author", "department": "housing"},
]
URL = "/v1/rulesets/natural_resources.multi_review"


@pytest.fixture
def rule_dirs(tmp_path):
    out = []
    for i, d in enumerate(TEST_RULES):
        copy = tmp_path / "rules" / f"{i}" / d.name
        shutil.copytree(d, copy)
        out.append(copy)
    return out


@pytest.fixture
def api(db_url, rule_dirs, onetrip_api):
    kernel = start_kernel(db_url=db_url, rule_dirs=rule_dirs)
    yield onetrip_api(kernel, TOKENS)
    kernel.close()


def committed(api) -> int:
    status, decision = api.post("/v1/evaluate", json=application(), token=NR)
    assert status == 200, decision
    return decision["time_limits"]["committed"]["amount"]


def changed(text: str, days: int) -> str:
    assert "committed: {working_days: 5}" in text
    return text.replace("committed: {working_days: 5}", f"committed: {{working_days: {days}}}", 1)


def test_put_fetch_rollback_and_audit(api, rule_dirs):
    shipped = (rule_dirs[1] / "multi_review.yaml").read_text(encoding="utf-8")
    status, in_force = api.get(URL, token=NR)
    assert (status, in_force) == (200, shipped)

    new = changed(shipped, 4)
    status, put = api.put(URL + "?reason=" + quote("按2020年新承诺压缩至4个工作日"),
                          data=new.encode(), token=NR)
    assert status == 200, put
    assert (put["revision"], put["action"], put["author"], put["reason"]) == (
        2, "put", "王工", "按2020年新承诺压缩至4个工作日")
    assert put["hash"] == hashlib.sha256(new.encode()).hexdigest()
    assert committed(api) == 4
    assert api.get(URL, token=NR).body == new

    status, versions = api.get(URL + "/versions", token=NR)
    assert status == 200
    assert [(r["revision"], r["action"], r["can_roll_back"]) for r in versions["revisions"]] \
        == [(1, "baseline", True), (2, "put", True)]
    assert versions["in_force"][0]["hash"] == put["hash"]
    assert api.get(URL + "/versions/1", token=NR).body == shipped  # the version replaced is kept
    assert api.get(URL + "/versions/9", token=NR).status == 404

    status, back = api.post(URL + "/rollback", json={"to": 1, "reason": "新承诺未获批准"},
                            token=ADMIN)
    assert status == 200, back
    assert (back["revision"], back["action"], back["author"], back["reason"]) == (
        3, "rollback", "管理员李某", "rollback to revision 1: 新承诺未获批准")
    assert committed(api) == 5
    assert (rule_dirs[1] / "multi_review.yaml").read_text(encoding="utf-8") == shipped

    status, page = api.get("/v1/audit?limit=2", token=NR)
    assert status == 200
    assert page["total"] == 3
    assert [(e["revision"], e["action"]) for e in page["entries"]] == [(3, "rollback"),
                                                                       (2, "put")]
    rest = api.get("/v1/audit?limit=2&offset=2", token=NR).body["entries"]
    assert [e["revision"] for e in rest] == [1]
    assert "text" not in page["entries"][0]


def test_a_change_that_breaks_its_departments_cases_is_refused(api, rule_dirs):
    path = rule_dirs[1] / "multi_review.yaml"
    shipped = path.read_text(encoding="utf-8")
    renamed = shipped.replace("id: compress-merged-land-site", "id: compress-land-site")
    status, body = api.put(URL, data=renamed.encode(), token=NR)
    assert status == 422, body
    problem = body["error"]["problems"][0]
    assert problem["file"] == "natural_resources/cases/multi_review.yaml"
    assert problem["line"] == 4
    assert "多审合一：用地预审与选址意见书合并办理" in problem["message"]
    assert "fired: compress-merged-land-site did not fire" in problem["message"]
    assert path.read_text(encoding="utf-8") == shipped
    assert api.get("/v1/audit", token=NR).body["total"] == 0


def test_another_departments_author_may_not_roll_back(api, rule_dirs):
    text = (rule_dirs[1] / "multi_review.yaml").read_text(encoding="utf-8")
    assert api.put(URL, data=changed(text, 22).encode(), token=NR).status == 200
    status, body = api.post(URL + "/rollback", json={"to": 1}, token=HOUSING)
    assert (status, body["error"]["code"]) == (403, "forbidden")
    status, body = api.post(URL + "/rollback", json={"to": 0}, token=NR)
    assert (status, body["error"]["field"]) == (422, "to")
    assert committed(api) == 22


def test_a_token_names_its_person_in_the_environment():
    (token,) = tokens_from_env("tok-0123456789abcdef=rule_author:natural_resources:王工")
    assert (token.role, token.department, token.name) == ("rule_author", "natural_resources",
                                                          "王工")
    (admin,) = tokens_from_env("tok-0123456789abcdef=admin")
    assert (admin.department, admin.name) == (None, None)


def test_the_facts_route_lists_every_fact_with_its_provider(api):
    status, facts = api.get("/v1/facts", token=NR)
    assert status == 200
    rows = {f["name"]: f for f in facts}
    assert rows["credit.dishonest"]["plugin"] == "credit"
    assert rows["project.kind"]["applicant"] is True
    assert rows["doc.urgency"]["rulebook"] == "oa"
    assert rows["application.submitted_on"]["type"] == "integer"
