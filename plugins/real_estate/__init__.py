"""Real-estate registration (不动产登记): 1 hour / 1 day / 3 days, 三窗合一, bank outlets, 查封."""

from __future__ import annotations

from pathlib import Path

from kernel import hookimpl
from rules import RULES_DIR

__version__ = "0.1.0"
CATALOGUE = Path(__file__).with_name("catalogue.yaml")


class Plugin:
    """Real-estate registration and the one-window service with housing and tax (三窗合一)."""

    @hookimpl
    def onetrip_register_items(self, items):
        items.load(CATALOGUE)
        items.sharing.load(CATALOGUE.with_name("sharing.yaml"))

    @hookimpl
    def onetrip_register_facts(self, facts):
        facts.declare("property.seized", "boolean",
                      "the register shows the property under seizure (查封登记), as the window "
                      "reads it from the register when it accepts the case", applicant=True)

    @hookimpl
    def onetrip_rule_dirs(self):
        return [RULES_DIR / "real_estate"]
