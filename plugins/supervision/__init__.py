"""Supervision (四项基本制度): ratings and follow-ups, warnings, accountability, KPIs, dashboard."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from kernel import hookimpl

if TYPE_CHECKING:
    from plugins.supervision.service import Supervision

__version__ = "0.1.0"
__all__ = ["Plugin", "supervision_of"]
SCAN_INTERVAL = 60.0  # seconds between live warning scans of one server process


class Plugin:
    """Supervision of the hall: 好差评, 限时办结 warnings, 责任追究, the KPIs and a dashboard."""

    def __init__(self) -> None:
        self.kernel: Any = None
        self._sv: Supervision | None = None
        self._opening = threading.Lock()
        self._scanned = 0.0

    @hookimpl
    def onetrip_startup(self, kernel: Any) -> None:
        self.kernel = kernel  # the tables are made when the store opens

    @hookimpl
    def onetrip_store_ready(self, kernel: Any) -> None:
        self.supervision  # noqa: B018  (create the tables now, outside any case's transaction)

    @property
    def supervision(self) -> Supervision:
        if self._sv is None:
            db = self.kernel.db  # outside the lock: opening it calls onetrip_store_ready
            with self._opening:
                if self._sv is None:
                    from sqlmodel import SQLModel

                    from plugins.supervision.service import Supervision
                    from plugins.supervision.tables import TABLES

                    SQLModel.metadata.create_all(db, tables=TABLES)
                    self._sv = Supervision(self.kernel)
        return self._sv

    @hookimpl
    def onetrip_case_event(self, case_id: str, event: str, payload: dict[str, Any]) -> None:
        if event == "completed":  # 责任追究制: a late completion is recorded (once)
            from datetime import datetime

            self.supervision.account(case_id, datetime.fromisoformat(payload["at"]))

    @hookimpl
    def onetrip_sweep(self, kernel: Any, as_of: Any, thresholds: dict[str, int]) -> None:
        """Raise the warnings due as of the sweep (限时办结制); a server scans once a minute."""
        from datetime import UTC, datetime, timedelta

        live = abs(datetime.now(UTC) - as_of) < timedelta(seconds=5)
        interval = float(kernel.settings.get("supervision_scan_interval", SCAN_INTERVAL))
        if live and time.monotonic() - self._scanned < interval:
            return
        self.supervision.raise_warnings(as_of, thresholds)
        self._scanned = time.monotonic()

    @hookimpl
    def onetrip_web_routes(self) -> list[Any]:
        from plugins.supervision.web import routes

        return routes(self)

    @hookimpl
    def onetrip_cli(self, subparsers: Any) -> None:
        from plugins.supervision.cli import register

        register(subparsers)


def supervision_of(kernel: Any) -> Supervision:
    """The supervision service of a started kernel (this plugin's own instance)."""
    for plugin in kernel.pm.get_plugins():
        if isinstance(plugin, Plugin) and plugin.kernel is kernel:
            return plugin.supervision
    raise LookupError("the supervision plugin is not loaded in this kernel")
