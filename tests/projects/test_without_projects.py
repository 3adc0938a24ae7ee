"""Departments work without the projects plugin: its rules are skipped, never a load error."""

import json

import pytest
from conftest import ROOT

from kernel.core import InputError
from kernel.store import start_kernel


def test_rules_needing_the_projects_plugin_are_skipped_when_it_is_off(tmp_path):
    kernel = start_kernel(db_url=f"sqlite:///{tmp_path / 'k.db'}", disabled={"projects"})
    try:
        app = json.loads((ROOT / "examples" / "land_site_complete.json").read_text("utf-8"))
        decision, _ = kernel.evaluate({**app, "facts": {}})
        assert decision.outcome == "accepted" and decision.time_limits.committed.amount == 5
        skipped = {t.rule: t.why for t in decision.trace if t.status == "skipped"}
        # the chain rules name the projects plugin's actions: skipped, not refused
        assert skipped["land-site-as-one-step"] == "plugin projects is not loaded"
        with pytest.raises(InputError) as info:
            kernel.evaluate(app)  # project.kind is a fact of the projects plugin
        assert info.value.field == "facts.project.kind"
    finally:
        kernel.close()
