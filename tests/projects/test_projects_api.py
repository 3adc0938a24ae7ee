"""Projects over HTTP on a live server (SQLite, and PostgreSQL when asked) and on the CLI."""

import json

import pytest
import requests
from conftest import PROJECTS, example
from livekit import serving

from kernel.cli import main
from kernel.http.app import create_app
from kernel.http.auth import ServerConfig, TokenSpec
from kernel.store import start_kernel

TOKEN = "admin-token-0123456789abcdef"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def api(db_url):
    kernel = start_kernel(db_url=db_url, disabled=set())
    config = ServerConfig(tokens=[TokenSpec(token=TOKEN, role="admin")])
    with serving(create_app(kernel, config, sweep=False)) as url:
        yield url
    kernel.close()


def post(url, body):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return requests.post(f"{url}/v1/projects", data=data, timeout=60,
                         headers={**HEADERS, "Content-Type": "application/json"})


def test_submit_then_read_a_project_plan(api):
    created = post(api, example("industrial"))
    assert created.status_code == 201, created.text
    plan = created.json()["plan"]
    assert (plan["legal"], plan["committed"]) == (
        {"unit": "working_days", "amount": 242}, {"unit": "working_days", "amount": 45})
    nr = next(d for d in plan["departments"] if d["department"] == "natural_resources")
    assert (nr["legal"]["amount"], nr["committed"]["amount"]) == (140, 27)
    assert all(set(s) >= {"legal", "committed", "critical_path"} for s in plan["stages"])
    read = requests.get(f"{api}/v1/projects/2020-510900-44-02-000123", headers=HEADERS,
                        timeout=60)
    assert read.status_code == 200 and read.json() == created.json()
    again = post(api, example("industrial"))
    assert (again.status_code, again.json()["error"]["code"]) == (409, "exists")


@pytest.mark.parametrize(("body", "status", "field"), [
    (b"{not json", 400, None),
    ({**example("industrial"), "kind": "commercial"}, 422, "kind"),
    ({**example("industrial"), "owner": {"kind": "organisation", "name": "x",
                                         "credit_code": "91510900MA62003010"}},
     422, "owner.credit_code"),
    ({**example("industrial"), "stages": list(reversed(example("industrial")["stages"]))},
     422, "stages"),
    ({**example("industrial"), "stages": [{"stage": "land_use_planning",
                                           "items": [{"code": "NOPE"}]}]},
     422, "stages.0.items.0.code"),
    ({**example("industrial"), "start": "1900-01-01"}, 422, None),
])
def test_bad_projects_are_refused_naming_the_field_and_not_stored(api, body, status, field):
    answer = post(api, body)
    assert answer.status_code == status, answer.text
    if field is not None:
        assert answer.json()["error"]["field"] == field
    assert requests.get(f"{api}/v1/projects/2020-510900-44-02-000123", headers=HEADERS,
                        timeout=60).status_code == 404


def test_cli_plan_prints_the_chain_and_its_critical_path(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["project", "plan", str(PROJECTS / "industrial.json")]) == 0
    out = capsys.readouterr().out
    assert "chain: legal 242 → committed 45 working days" in out
    assert "natural_resources    legal  140  committed   27" in out
    assert "critical path: NR-LAND-SITE → CN-RATIFICATION → NR-LAND-PLANNING-PERMIT" in out
    assert main(["project", "plan", "--json", str(PROJECTS / "industrial.json")]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["committed"] == {"unit": "working_days", "amount": 45}
    assert list(tmp_path.iterdir()) == []  # a dry run: no database left behind


def test_cli_plan_names_the_field_of_a_bad_project(capsys, tmp_path):
    bad = tmp_path / "bad.json"
    data = example("industrial")
    data["stages"][0]["items"][2]["needs"] = ["NR-LAND-PLANNING"]
    bad.write_text(json.dumps(data), encoding="utf-8")
    assert main(["project", "plan", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}: stages.0.items.2.needs.0: CN-RATIFICATION needs NR-LAND-PLANNING" in err
