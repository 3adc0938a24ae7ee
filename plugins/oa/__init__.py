"""OA document flow (公文流转): 收文 and 发文 steps with limits, chasing, delay and error rates."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kernel import hookimpl
from rules import RULES_DIR

if TYPE_CHECKING:
    from plugins.oa.rules import OARules
    from plugins.oa.service import OAService

__version__ = "0.1.0"
RULES = RULES_DIR / "oa"
__all__ = ["RULES", "OAService", "Plugin"]


def __getattr__(name: str) -> Any:
    # The database stack loads with the service, not with the plugin (`onetrip --help`).
    if name == "OAService":
        from plugins.oa.service import OAService

        return OAService
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Plugin:
    """OA document flow: documents, steps and their due times, chasing, delay and error rates."""

    def __init__(self) -> None:
        self.kernel: Any = None
        self.rules: OARules | None = None
        self._service: OAService | None = None
        self._opening = threading.Lock()

    @hookimpl
    def onetrip_startup(self, kernel: Any) -> None:
        # The OA rules speak of documents, not cases: their own rulebook, facts and actions.
        # They load (and fail) at start-up; the store opens only when a document needs it.
        from plugins.oa.rules import OARules

        self.kernel = kernel
        dirs = [Path(p) for p in kernel.settings.get("oa_rule_dirs") or [RULES]]
        self.rules = OARules(dirs, kernel.plugins)

    @hookimpl
    def onetrip_rulebooks(self, settings: dict[str, Any]) -> list[Any]:
        from kernel.rulebook import OwnRulebook
        from plugins.oa.rules import DATE_FACT, OAActions, fact_registry

        dirs = tuple(Path(p) for p in settings.get("oa_rule_dirs") or [RULES])
        return [OwnRulebook("oa", dirs, fact_registry(), OAActions(), DATE_FACT)]

    @hookimpl
    def onetrip_store_ready(self, kernel: Any) -> None:
        self.service  # noqa: B018  (create the OA tables now, outside any case's transaction)

    @property
    def service(self) -> OAService:
        """The document flow on the kernel's store, its tables created on first use."""
        if self._service is not None:
            return self._service
        db = self.kernel.db  # outside the lock: opening it calls onetrip_store_ready
        with self._opening:
            if self._service is None:
                from sqlmodel import SQLModel

                from plugins.oa.models import TABLES
                from plugins.oa.service import OAService

                SQLModel.metadata.create_all(db, tables=TABLES)
                self._service = OAService(db, self.kernel.calendar, self.rules,
                                          calendar_for=self.kernel.calendar_for,
                                          on_finished=self._finished)
            return self._service

    def _finished(self, doc: Any, at: Any) -> None:
        """A dispatched correction notice is the case's notice given (行政许可法 art. 32)."""
        from kernel.store.lifecycle import Lifecycle
        from plugins.oa.notices import notice_given

        notice_given(Lifecycle(self.kernel), doc, at)

    @hookimpl
    def onetrip_decision_made(self, case: Any, decision: Any) -> None:
        from plugins.oa.notices import open_notices

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
        if isinstance(plugin, Plugin) and plugin.kernel is kernel:
            return plugin.service
    raise LookupError("the oa plugin is not loaded in this kernel")
