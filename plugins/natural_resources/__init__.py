"""Natural resources and planning (自然资源和规划): 多审合一, 多证合一, 多测合一, 多验合一."""

from __future__ import annotations

from pathlib import Path

from kernel import hookimpl
from rules import RULES_DIR

__version__ = "0.1.0"
CATALOGUE = Path(__file__).with_name("catalogue.yaml")


class Plugin:
    """Natural resources and planning: merged reviews and their time limits."""

    @hookimpl
    def onetrip_register_items(self, items):
        items.load(CATALOGUE)

    @hookimpl
    def onetrip_register_facts(self, facts):
        facts.declare("project.kind", "string",
                      "industrial, commercial, residential, public or infrastructure",
                      applicant=True)
        facts.declare("project.land_approved", "boolean",
                      "the land is already approved for construction (no pre-review needed)",
                      applicant=True)

    @hookimpl
    def onetrip_rule_dirs(self):
        return [RULES_DIR / "natural_resources"]
