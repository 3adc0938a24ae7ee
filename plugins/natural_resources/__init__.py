"""Natural resources and planning (自然资源和规划): 多审合一, 多证合一, 多测合一, 多验合一."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from kernel import hookimpl
from rules import RULES_DIR

if TYPE_CHECKING:  # the kernel's models load with the kernel, not with `onetrip --help`
    from kernel.actions import FoldState
    from kernel.models import Item

__version__ = "0.2.0"
CATALOGUE = Path(__file__).with_name("catalogue.yaml")
SHARING = Path(__file__).with_name("sharing.yaml")  # the directory entries its items rely on


class NoParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Plugin:
    """Natural resources and planning: merged reviews, their materials and time limits."""

    def __init__(self) -> None:
        self.items: dict[str, Item] = {}

    @hookimpl
    def onetrip_register_items(self, items):
        items.load(CATALOGUE)
        items.sharing.load(SHARING)
        self.items = items.items  # the whole catalogue, to look up merged constituents

    @hookimpl
    def onetrip_register_facts(self, facts):
        # project.* (kind, land supply, approval, land_approved, joint_survey) are the
        # projects plugin's: rules naming them say `requires: [projects]`
        facts.declare("nr.constituents_merged", "boolean",
                      "the application named constituent items that are handled as one")

    @hookimpl
    def onetrip_enrich_facts(self, case, facts):
        named = set(case.application.items)
        facts["nr.constituents_merged"] = any(
            len(named.intersection(i.merges)) > 1 for i in case.items)

    @hookimpl
    def onetrip_register_actions(self, actions):
        actions.add("waive_constituent_duplicates", NoParams, self.waive_constituent_duplicates)

    @hookimpl
    def onetrip_rule_dirs(self):
        return [RULES_DIR / "natural_resources"]

    def waive_constituent_duplicates(self, state: FoldState, params: NoParams,
                                     item: Item) -> None:
        """一套申报材料: a material several constituents ask for is asked once.

        The waiver names the constituent whose copy is kept; the material itself is
        still required once (see ``kernel.decide``).
        """
        first: dict[str, str] = {}
        for code in item.merges:
            for m in self.items[code].materials:
                if m.code in first:
                    state.waive(m.code, "merged_duplicate", first[m.code])
                first.setdefault(m.code, code)
