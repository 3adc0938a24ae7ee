"""The test kit as a plugin author meets it: the command in the repository root, a calendar
frozen to a day, the case builder, and the conformance check on the shipped plugins."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from kernel.testing import conformance

ROOT = Path(__file__).resolve().parents[2]


def test_onetrip_test_runs_in_the_repository_root():
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-m", "kernel.cli", "test"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert " passed" in done.stdout and "warning" not in done.stdout.lower()


@pytest.mark.onetrip_today("2019-09-30")
def test_the_calendar_is_frozen_to_the_marked_day(onetrip_calendar):
    assert onetrip_calendar.today == date(2019, 9, 30)
    assert onetrip_calendar.now.isoformat() == "2019-09-30T10:00:00+08:00"
    # National Day: 10-01..10-07 are rest days, the next working day is 10-08
    assert onetrip_calendar.due({"working_days": 1}).when == date(2019, 10, 8)
    assert not onetrip_calendar.is_working_day(date(2019, 10, 1))


def test_the_case_builder_hands_in_every_material_but_the_missing(onetrip_kernel_factory,
                                                                   onetrip_case):
    from plugins.natural_resources import Plugin

    kernel = onetrip_kernel_factory(("natural_resources", Plugin()))
    app = onetrip_case(kernel, "NR-LAND-SITE", missing=["NR-M-BOUNDARY-SURVEY"],
                       facts={"project.kind": "industrial"})
    assert "NR-M-BOUNDARY-SURVEY" not in app["materials"]
    assert "NR-M-POWER-OF-ATTORNEY" not in app["materials"]  # asked of agents only
    assert app["submitted_at"] == "2019-08-05T10:00:00+08:00"
    decision, _ = kernel.evaluate(app)
    assert decision.items[0].item == "NR-LAND-SITE"
    with pytest.raises(ValueError, match="NR-M-NOPE"):
        onetrip_case(kernel, "NR-LAND-SITE", missing=["NR-M-NOPE"])


@pytest.mark.parametrize("name", ["natural_resources", "credit", "oa"])
def test_the_shipped_plugins_conform(name, tmp_path):
    import importlib

    module = importlib.import_module(f"plugins.{name}")
    assert conformance(name, module.Plugin(), db_url=f"sqlite:///{tmp_path / 'c.db'}") == []


def test_the_factory_takes_an_installed_plugin_by_its_own_name(onetrip_kernel_factory):
    from plugins.natural_resources import Plugin

    mine = Plugin()
    alone = onetrip_kernel_factory(("natural_resources", mine))
    assert alone.plugins == {"natural_resources"} and alone.pm.get_plugin(
        "natural_resources") is mine
    beside = onetrip_kernel_factory(("natural_resources", Plugin()), entry_points=True)
    assert {"natural_resources", "credit", "oa"} <= beside.plugins  # no "already registered"
