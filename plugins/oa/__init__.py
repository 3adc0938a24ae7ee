"""OA document flow (公文流转): 收文 and 发文 steps with limits, chasing, delay and error rates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import SQLModel

from kernel import hookimpl
from plugins.oa.models import TABLES
from plugins.oa.notices import open_notices
from plugins.oa.rules import OARules
from plugins.oa.service import OAService
from rules import RULES_DIR

__version__ = "0.1.0"
RULES = RULES_DIR / "oa"
__all__ = ["RULES", "OAService", "Plugin"]


class Plugin:
    """OA document flow: documents, steps and their due times, chasing, delay and error rates."""

    def __init__(self) -> None:
        self.kernel: Any = None
        self.rules: OARules | None = None
        self.service: OAService | None = None

    @hookimpl
    def onetrip_startup(self, kernel: Any) -> None:
        # The OA rules speak of documents, not cases: their own rulebook, facts and actions.
        self.kernel = kernel
        SQLModel.metadata.create_all(kernel.db, tables=TABLES)
        dirs = [Path(p) for p in kernel.settings.get("oa_rule_dirs") or [RULES]]
        self.rules = OARules(dirs, kernel.plugins)
        self.service = OAService(kernel.db, kernel.calendar, self.rules)

    @hookimpl
    def onetrip_decision_made(self, case: Any, decision: Any) -> None:
        open_notices(self.service, case, decision)

    @hookimpl
    def onetrip_web_routes(self) -> list[Any]:
        from plugins.oa.web import routes

        return routes(self.service)

    @hookimpl
    def onetrip_cli(self, subparsers: Any) -> None:
        from plugins.oa.cli import register

        register(subparsers)


def service_of(kernel: Any) -> OAService:
    """The OA service of a started kernel (the OA plugin's own instance)."""
    for plugin in kernel.pm.get_plugins():
        if isinstance(plugin, Plugin) and plugin.service is not None:
            return plugin.service
    raise LookupError("the oa plugin is not loaded in this kernel")
