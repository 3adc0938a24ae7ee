"""``onetrip schema rules`` covers plugins' actions and every fact, and every shipped rule
file, the OA plugin's included, validates against it."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import yaml
from jsonschema import Draft202012Validator

from kernel.cli import main
from kernel.rulebook import rule_paths
from rules import RULES_DIR

SHIPPED = rule_paths([RULES_DIR])


@pytest.fixture(scope="module")
def validator():
    import io
    from contextlib import redirect_stdout

    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["schema", "rules"]) == 0
    schema = json.loads(out.getvalue())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def as_json(value):
    """YAML's dates as the JSON text an editor sees."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return value.isoformat() if isinstance(value, dt.date) else value


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_shipped_rule_file_validates(validator, path):
    errors = [e.message for e in validator.iter_errors(
        as_json(yaml.safe_load(path.read_text(encoding="utf-8"))))]
    assert errors == []


def test_the_oa_and_plugin_files_are_among_them():
    assert {p.parent.name for p in SHIPPED} >= {"common", "natural_resources", "oa"}


def test_facts_are_listed_with_descriptions_and_actions_of_plugins(validator):
    leaf = validator.schema["$defs"]["Leaf"]["properties"]["fact"]
    described = dict(zip(leaf["enum"], leaf["enumDescriptions"], strict=True))
    assert described["credit.dishonest"].startswith("boolean: ")
    assert described["credit.dishonest"].endswith("(plugin credit)")
    assert "the applicant may supply it" in described["project.kind"]
    assert "doc.urgency" in described and "application.submitted_on" in described
    names = {next(iter(o["properties"])) for o in
             validator.schema["$defs"]["RuleSpec"]["properties"]["then"]["items"]["oneOf"]}
    assert {"waive_constituent_duplicates", "set_step_limit", "tolerate_missing"} <= names


@pytest.mark.parametrize("change", [
    lambda t: t.replace("fact: item.code", "fact: item.colour"),
    lambda t: t.replace("set_time_limit:", "set_time_limits:"),
], ids=["unknown fact", "unknown action"])
def test_a_misspelt_fact_or_action_does_not_validate(validator, change):
    text = (RULES_DIR / "natural_resources" / "multi_review.yaml").read_text(encoding="utf-8")
    assert list(validator.iter_errors(as_json(yaml.safe_load(change(text)))))


def test_onetrip_facts_lists_names_types_and_providers(capsys):
    assert main(["facts", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert (rows["credit.rating"]["type"], rows["credit.rating"]["plugin"]) == ("string",
                                                                                "credit")
    assert rows["doc.urgency"]["rulebook"] == "oa"
    assert main(["facts"]) == 0
    assert "item.code" in capsys.readouterr().out
