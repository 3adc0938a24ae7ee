"""Construction projects outside natural resources: 立项, drawing review, permits, inspections."""

from __future__ import annotations

from pathlib import Path

from kernel import hookimpl
from rules import RULES_DIR

__version__ = "0.1.0"
CATALOGUE = Path(__file__).with_name("catalogue.yaml")


class Plugin:
    """Development and reform, housing and construction, civil air defence: items and rules."""

    @hookimpl
    def onetrip_register_items(self, items):
        items.load(CATALOGUE)
        items.sharing.load(CATALOGUE.with_name("sharing.yaml"))

    @hookimpl
    def onetrip_rule_dirs(self):
        return [RULES_DIR / "construction"]
