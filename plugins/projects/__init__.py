"""Construction projects (工程建设项目): the approval chain of one project as one plan.

A project groups the items of the four stages of 国办发〔2019〕11号. This plugin owns the
project, its stages, the dependency graph and the chain arithmetic; it knows departments
only through the item catalogue and the rules (which may use its ``project.*`` facts and
its chain actions).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from kernel import hookimpl
from rules import RULES_DIR

if TYPE_CHECKING:
    from plugins.projects.store import ProjectStore

__version__ = "0.1.0"
RULES = RULES_DIR / "projects"

FACTS = (
    ("project.kind", "string", "kind of construction project: government_invested, "
     "social_investment, industrial or small (国办发〔2019〕11号); older cases also say "
     "commercial, residential, public or infrastructure"),
    ("project.land_supply", "string", "allocation (划拨) or transfer (出让)"),
    ("project.approval", "string",
     "how the investment is decided: approval (审批), ratification (核准) or filing (备案)"),
    ("project.land_approved", "boolean",
     "the land is already approved for construction (no pre-review needed)"),
    ("project.joint_survey", "boolean",
     "the completion survey was made under 多测合一 and its results are shared"),
    ("project.stage", "integer", "the stage of the project the application belongs to, 1-4"),
)


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MergeSteps(_Params):
    """On a merged item: in a project, its constituents are handled as this one step."""

    note: str | None = None


class Parallel(_Params):
    """The item starts as soon as the results it needs are in (并联审批)."""

    note: str | None = None


class ReviewBeforeNeeds(_Params):
    """容缺预审: reviewed without waiting for these results; decided once they are in."""

    needs: tuple[str, ...] = Field(min_length=1)


def _chain_only(state: Any, params: Any, item: Any) -> None:
    """A chain reform says nothing about one case: the plan reads it from the trace."""


class Plugin:
    """Projects: plans (CLI and HTTP), their own table, the ``project.*`` facts."""

    def __init__(self) -> None:
        self.kernel: Any = None
        self._store: ProjectStore | None = None
        self._opening = threading.Lock()

    @hookimpl
    def onetrip_register_facts(self, facts):
        for name, type_, text in FACTS:
            facts.declare(name, type_, text, applicant=True)

    @hookimpl
    def onetrip_register_actions(self, actions):
        actions.add("merge_steps", MergeSteps, _chain_only)
        actions.add("parallel_approval", Parallel, _chain_only)
        actions.add("review_before_needs", ReviewBeforeNeeds, _chain_only)

    @hookimpl
    def onetrip_rule_dirs(self):
        return [RULES]

    @hookimpl
    def onetrip_startup(self, kernel):
        self.kernel = kernel

    @hookimpl
    def onetrip_store_ready(self, kernel):
        self.store  # noqa: B018  (create the table now, outside any case's transaction)

    @property
    def store(self) -> ProjectStore:
        """The projects table on the kernel's store, created on first use."""
        if self._store is None:
            db = self.kernel.db  # outside the lock: opening it calls onetrip_store_ready
            with self._opening:
                if self._store is None:
                    from plugins.projects.store import ProjectStore

                    store = ProjectStore(db)
                    store.create_tables()
                    self._store = store
        return self._store

    def plan(self, project: Any) -> Any:
        from plugins.projects.plan import Planner

        return Planner(self.kernel).plan(project)

    @hookimpl
    def onetrip_web_routes(self):
        from plugins.projects.web import routes

        return routes(self)

    @hookimpl
    def onetrip_cli(self, subparsers):
        from plugins.projects.cli import register

        register(subparsers)


def plugin_of(kernel: Any) -> Plugin:
    """The projects plugin of a started kernel."""
    for plugin in kernel.pm.get_plugins():
        if isinstance(plugin, Plugin) and plugin.kernel is kernel:
            return plugin
    raise LookupError("the projects plugin is not loaded in this kernel")
