"""An installed plugin that breaks the contract: named with its entry point and distribution,
the nearest hook suggested, and only what needs it stops (``--help`` and ``plugins`` work)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kernel import hookimpl
from kernel.manager import PluginContractError, PluginError, build_manager
from kernel.store import start_kernel

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "land_site_complete.json"

TYPO = """from kernel import hookimpl


class Plugin:
    @hookimpl
    def onetrip_register_item(self, items):
        pass
"""


def install(where: Path, name: str, source: str, version: str = "1.4.2") -> None:
    """A distribution installed on ``where`` as pip would: module, METADATA, entry point."""
    (where / f"{name}.py").write_text(source, encoding="utf-8")
    dist = where / f"{name}-{version}.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name.replace('_', '-')}\nVersion: {version}\n")
    (dist / "entry_points.txt").write_text(f"[onetrip.plugins]\n{name} = {name}\n")


def onetrip(site: Path, *argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}
    env.pop("ONETRIP_DISABLE_PLUGINS", None)
    return subprocess.run([sys.executable, "-m", "kernel.cli", *argv], cwd=site, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def site(tmp_path):
    install(tmp_path, "onetrip_typo", TYPO)
    return tmp_path


def test_help_plugins_and_other_commands_work_beside_a_misspelt_hook(site):
    helped = onetrip(site, "--help")
    assert helped.returncode == 0 and "evaluate" in helped.stdout, helped.stderr
    assert "Traceback" not in helped.stderr
    listed = onetrip(site, "plugins")
    assert listed.returncode == 1
    row = next(line for line in listed.stdout.splitlines() if line.startswith("onetrip_typo"))
    assert "1.4.2" in row and "onetrip-typo 1.4.2" in row
    assert "BROKEN" in row and "did you mean onetrip_register_items?" in row
    assert "natural_resources" in listed.stdout  # the others are listed as usual
    counted = onetrip(site, "calendar", "add", "2019-07-25", "27")
    assert counted.returncode == 0 and "2019-09-02" in counted.stdout, counted.stderr


def test_a_command_that_starts_the_kernel_names_entry_point_distribution_and_hook(site):
    done = onetrip(site, "evaluate", str(EXAMPLE))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert ("plugin onetrip_typo (entry point onetrip.plugins: onetrip_typo = onetrip_typo, "
            "distribution onetrip-typo 1.4.2): onetrip_register_item is not a hook; did you "
            "mean onetrip_register_items?") in done.stderr
    assert "ONETRIP_DISABLE_PLUGINS=onetrip_typo" in done.stderr
    switched_off = subprocess.run(
        [sys.executable, "-m", "kernel.cli", "evaluate", str(EXAMPLE)], cwd=site,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)]),
             "ONETRIP_DISABLE_PLUGINS": "onetrip_typo"}, capture_output=True, text=True,
        timeout=120)
    assert switched_off.returncode == 0, switched_off.stderr


def test_a_plugin_that_cannot_be_imported_is_broken_not_fatal(tmp_path):
    install(tmp_path, "onetrip_gone", "import no_such_module_here\n", version="0.3")
    listed = onetrip(tmp_path, "plugins")
    assert "No module named 'no_such_module_here'" in listed.stdout
    assert "Traceback" not in listed.stderr


def test_misspelt_hook_of_an_extra_plugin_suggests_the_hook():
    class Typo:
        @hookimpl
        def onetrip_enrich_fact(self, case, facts):
            pass

    with pytest.raises(PluginContractError, match="did you mean onetrip_enrich_facts"):
        build_manager(extra=[("typo", Typo())], entry_points=False)
    pm = build_manager(extra=[("typo", Typo())], entry_points=False, strict=False)
    assert pm.get_plugin("typo") is None and "typo" in pm.broken


class Squatter:
    """Declares a fact in the credit plugin's namespace."""

    @hookimpl
    def onetrip_register_facts(self, facts):
        facts.declare("credit.score", "integer", "a score of our own")


@pytest.mark.parametrize("order", ["squatter first", "credit first"])
def test_a_namespace_clash_blames_the_plugin_that_caused_it(tmp_path, order):
    from plugins.credit import Plugin as Credit

    plugins = [("squatter", Squatter()), ("credit", Credit())]
    with pytest.raises(PluginError) as info:
        start_kernel(extra_plugins=plugins if order == "credit first" else plugins[::-1],
                     entry_points=False, disabled=set(),
                     db_url=f"sqlite:///{tmp_path / 'k.db'}")
    assert info.value.plugin == "squatter"
    assert "namespace 'credit' belongs to plugin credit (its own name)" in str(info.value)
