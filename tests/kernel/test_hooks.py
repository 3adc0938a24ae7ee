"""Each hook, exercised by a throw-away plugin in a fresh kernel."""

import argparse
import asyncio
import json
import sys
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import BaseModel

from kernel import hookimpl
from kernel.http.app import create_app
from kernel.manager import PluginContractError, PluginError, build_manager, call_each
from kernel.models import Item
from kernel.routes import Conflict, Route
from kernel.store.outbox import Outbox

ITEM = Item(code="T-1", name="测试事项", department="probe", legal_basis="测试",
            legal_limit={"working_days": 20}, committed_limit={"working_days": 5},
            materials=[{"code": "T-M1", "name": "申请表", "role": "main"},
                       {"code": "T-M2", "name": "附件", "role": "secondary", "tolerable": True}])
RULES = """
ruleset: probe.rules
version: "1"
department: probe
reference: 测试依据
effective: {from: 2019-01-01}
rules:
  - id: high-score
    title: 高分可容缺
    when: {fact: probe.score, ge: 90}
    then: [{tolerate_missing: {}}, {stamp: {text: 高分}}]
"""
APP = {"items": ["T-1"], "applicant": {"kind": "person", "name": "张三",
                                       "id_number": "11010519491231002X"},
       "submitted_at": "2019-07-25T10:00:00+08:00", "materials": ["T-M1"]}


class Pong(BaseModel):
    pong: str


async def ping(request):
    if request.query.get("busy"):
        raise Conflict("the probe is busy", "busy", code="probe_busy")
    return Pong(pong=request.match_info["who"])


class Probe:
    """A plugin that uses every hook and records what it saw."""

    def __init__(self, rules_dir: Path, score=95, fail=None):
        self.rules_dir, self.score, self.fail, self.seen = rules_dir, score, fail, []

    @hookimpl
    def onetrip_register_items(self, items):
        items.add(ITEM)

    @hookimpl
    def onetrip_register_facts(self, facts):
        facts.declare("probe.score", "integer", "a score")

    @hookimpl
    def onetrip_rule_dirs(self):
        return [self.rules_dir]

    @hookimpl
    def onetrip_register_actions(self, actions):
        from pydantic import BaseModel

        class Stamp(BaseModel):
            text: str

        actions.add("stamp", Stamp, lambda state, p, item: state.flags.append(
            {"code": "stamp", "message": p.text}))

    @hookimpl
    def onetrip_enrich_facts(self, case, facts):
        if self.fail == "enrich":
            raise RuntimeError("credit bureau offline")
        facts["probe.score"] = self.score

    @hookimpl
    def onetrip_decision_made(self, case, decision):
        if self.fail == "decision":
            raise RuntimeError("printer jammed")
        self.seen.append(("decision", decision.outcome))

    @hookimpl
    def onetrip_case_event(self, case_id, event, payload):
        self.seen.append((case_id, event, payload))

    @hookimpl
    def onetrip_web_routes(self, kernel):
        self.seen.append(("web_routes", kernel))
        return [Route("GET", "/v1/probe/ping/{who}", ping, "public", "Answer a ping",
                      answer=Pong, errors=(409,))]

    @hookimpl
    def onetrip_cli(self, subparsers):
        subparsers.add_parser("probe").set_defaults(func=lambda args: 0)

    @hookimpl
    def onetrip_startup(self, kernel):
        self.seen.append(("startup", kernel))

    @hookimpl
    def onetrip_shutdown(self, kernel):
        self.seen.append(("shutdown", kernel))
        if self.fail == "shutdown":
            raise RuntimeError("cannot let go")


@pytest.fixture
def probe(tmp_path):
    (tmp_path / "probe.yaml").write_text(RULES, encoding="utf-8")
    return Probe(tmp_path)


@pytest.fixture
def start(make_kernel):
    def go(*plugins, **kw):
        return make_kernel(entry_points=False, extra_plugins=[(f"p{i}" if i else "probe", p)
                                                       for i, p in enumerate(plugins)], **kw)
    return go


def test_items_facts_rules_actions_and_enrichment_work_together(start, probe):
    kernel = start(probe)
    assert kernel.items.owners["T-1"] == "probe"
    assert kernel.facts.specs["probe.score"].owner == "probe"
    decision, _ = kernel.evaluate(APP)
    assert decision.outcome == "accepted_with_tolerance"
    assert [m.material for m in decision.tolerated] == ["T-M2"]
    assert {"code": "stamp", "message": "高分"} in decision.flags
    # common rules (rules/common) always run; then the probe's, in file order
    assert [t.rule for t in decision.trace if t.status == "fired"] == [
        "extension-ten-working-days", "waive-shared-data", "high-score"]


def test_a_low_score_gets_no_tolerance(start, tmp_path):
    (tmp_path / "probe.yaml").write_text(RULES, encoding="utf-8")
    decision, _ = start(Probe(tmp_path, score=10)).evaluate(APP)
    assert decision.outcome == "correction_required"
    assert [m.material for m in decision.required] == ["T-M2"]


def test_failing_enrichment_flags_the_case_and_the_next_case_works(start, probe):
    kernel = start(probe)
    probe.fail = "enrich"
    decision, _ = kernel.evaluate(APP)
    assert decision.outcome == "correction_required"
    (flag,) = [f for f in decision.flags if f["code"] == "plugin_error"]
    assert "plugin probe failed in onetrip_enrich_facts" in flag["message"]
    (skipped,) = [t for t in decision.trace if t.status == "skipped" and t.rule == "high-score"]
    assert skipped.status == "skipped" and "credit bureau offline" in skipped.why
    probe.fail = None
    assert kernel.evaluate(APP)[0].outcome == "accepted_with_tolerance"


def test_enrichment_may_not_write_its_facts_with_the_wrong_type(start, probe, monkeypatch):
    kernel = start(probe)
    monkeypatch.setattr(probe, "score", "ninety")
    decision, _ = kernel.evaluate(APP)
    assert any("must be of type integer" in f["message"] for f in decision.flags)


class Spoofer(Probe):
    """Writes its own score and also a fact it does not own."""

    def __init__(self, rules_dir: Path, name: str, value):
        super().__init__(rules_dir)
        self.name, self.value = name, value

    @hookimpl
    def onetrip_enrich_facts(self, case, facts):
        facts["probe.score"] = self.score
        facts[self.name] = self.value


class Other:
    @hookimpl
    def onetrip_register_facts(self, facts):
        facts.declare("other.level", "integer", "another plugin's fact")


@pytest.mark.parametrize("name, value", [
    ("application.channel", "bank"),  # the kernel's
    ("other.level", 3),               # another plugin's
    ("probe.bonus", 1),               # its own namespace, never declared
])
def test_enrichment_may_not_write_facts_it_did_not_declare(start, tmp_path, name, value):
    (tmp_path / "probe.yaml").write_text(RULES, encoding="utf-8")
    kernel = start(Spoofer(tmp_path, name, value), Other())
    decision, _ = kernel.evaluate(APP)
    (flag,) = [f for f in decision.flags if f["code"] == "plugin_error"]
    assert flag["message"].startswith("plugin probe failed in onetrip_enrich_facts")
    assert f"wrote fact {name!r} it did not declare" in flag["message"]
    (entry,) = [t for t in decision.trace if t.rule == "high-score"]
    assert entry.status == "skipped" and entry.why == flag["message"]
    # nothing the plugin wrote reached the rules, its own score included
    assert decision.outcome == "correction_required"


def test_decision_hook_sees_stored_decisions_and_failures_become_flags(start, probe):
    kernel = start(probe)
    decision, ctx = kernel.evaluate(APP)
    assert ("decision", "accepted_with_tolerance") not in probe.seen  # dry run: no side effect
    Outbox(kernel).decision(ctx, decision)
    assert ("decision", "accepted_with_tolerance") in probe.seen
    probe.fail = "decision"
    Outbox(kernel).decision(ctx, decision)
    assert any("printer jammed" in f["message"] for f in decision.flags)


def test_startup_hands_over_the_kernel(start, probe):
    kernel = start(probe)
    assert ("startup", kernel) in probe.seen


class Grudge:
    """Holds on at shutdown, and declares a route that is not a declaration."""

    @hookimpl(tryfirst=True)
    def onetrip_shutdown(self):
        raise RuntimeError("cannot let go")

    @hookimpl
    def onetrip_web_routes(self):
        return [("GET", "/v1/grudge", ping)]


def test_shutdown_reaches_every_plugin_once_and_errors_are_logged(start, probe, caplog):
    kernel = start(probe, Grudge())
    kernel.close()
    kernel.close()
    assert [s for s in probe.seen if s[0] == "shutdown"] == [("shutdown", kernel)]
    assert "plugin p1 failed in onetrip_shutdown: RuntimeError: cannot let go" in caplog.text


def test_a_declared_route_is_served_documented_and_its_errors_are_the_error_body(start, probe):
    kernel = start(probe)

    async def scenario():
        async with TestClient(TestServer(create_app(kernel, sweep=False))) as client:
            pong = await client.get("/v1/probe/ping/张三")
            busy = await client.get("/v1/probe/ping/张三", params={"busy": "1"})
            spec = await (await client.get("/openapi.json")).json()
            docs = await (await client.get("/docs")).text()
            return (pong.status, await pong.json()), (busy.status, await busy.json()), spec, docs

    pong, busy, spec, docs = asyncio.run(scenario())
    assert pong == (200, {"pong": "张三"})
    assert busy == (409, {"error": {"code": "probe_busy", "message": "the probe is busy",
                                    "field": "busy"}})
    op = spec["paths"]["/v1/probe/ping/{who}"]["get"]
    assert (op["tags"], op["security"]) == (["probe"], [])
    assert op["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Pong"}
    assert {"200", "404", "409", "500"} <= op["responses"].keys()
    assert "/v1/probe/ping/{who}" in docs
    assert ("web_routes", kernel) in probe.seen


def test_a_route_that_is_not_a_declaration_is_a_plugin_error(start, probe):
    kernel = start(probe, Grudge())
    with pytest.raises(PluginError, match="plugin p1 failed in onetrip_web_routes"):
        create_app(kernel, sweep=False)


def test_two_plugins_serving_one_route_is_a_plugin_error(start, probe, tmp_path):
    class Copycat:
        @hookimpl
        def onetrip_web_routes(self):
            return [Route("GET", "/v1/probe/ping/{who}", ping)]

    kernel = start(probe, Copycat())
    with pytest.raises(PluginError, match="GET /v1/probe/ping/{who} is already served by"):
        create_app(kernel, sweep=False)


def test_case_event_and_cli_hooks_reach_the_plugin(start, probe):
    kernel = start(probe)
    call_each(kernel.pm, "onetrip_case_event", case_id="c1", event="completed", payload={})
    assert ("c1", "completed", {}) in probe.seen
    sub = argparse.ArgumentParser().add_subparsers()
    call_each(kernel.pm, "onetrip_cli", subparsers=sub)
    assert "probe" in sub.choices


def test_two_plugins_with_one_item_code_is_a_startup_error(start, probe, tmp_path):
    with pytest.raises(PluginError) as info:
        start(probe, Probe(tmp_path))
    assert "T-1 is registered by both p1 and probe" in str(info.value)


def test_misspelt_hook_fails_at_startup():
    class Typo:
        @hookimpl
        def onetrip_register_item(self, items):
            pass

    with pytest.raises(PluginContractError, match="did you mean onetrip_register_items"):
        build_manager(extra=[("typo", Typo())], entry_points=False)


def test_plugins_can_be_disabled_by_environment(monkeypatch):
    monkeypatch.setenv("ONETRIP_DISABLE_PLUGINS", "natural_resources, other")
    assert build_manager().get_plugin("natural_resources") is None
    monkeypatch.delenv("ONETRIP_DISABLE_PLUGINS")
    assert build_manager().get_plugin("natural_resources") is not None


def test_external_plugins_load_by_entry_point(tmp_path, monkeypatch):
    (tmp_path / "probe_ext.py").write_text(
        "from kernel import hookimpl\n"
        "class Plugin:\n"
        "    @hookimpl\n"
        "    def onetrip_rule_dirs(self):\n"
        "        return []\n", encoding="utf-8")
    dist = tmp_path / "probe_ext-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: probe-ext\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[onetrip.plugins]\nprobe_ext = probe_ext\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    pm = build_manager()
    assert type(pm.get_plugin("probe_ext")).__name__ == "Plugin"
    monkeypatch.delitem(sys.modules, "probe_ext", raising=False)


def test_plugins_command_lists_builtin_plugins(capsys):
    from kernel.cli import main

    assert main(["plugins"]) == 0
    assert "natural_resources" in capsys.readouterr().out


def test_schema_lists_every_action(capsys):
    from kernel.cli import main

    assert main(["schema", "rules"]) == 0
    schema = json.loads(capsys.readouterr().out)
    names = {next(iter(o["properties"])) for o in
             schema["$defs"]["RuleSpec"]["properties"]["then"]["items"]["oneOf"]}
    assert {"accept", "reject", "tolerate_missing", "waive", "set_time_limit"} <= names
