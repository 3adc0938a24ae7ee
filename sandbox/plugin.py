"""The sandbox as a plugin: ``onetrip sandbox`` / ``onetrip replay`` commands, replay routes."""

from __future__ import annotations

from typing import Any

from kernel import hookimpl

__version__ = "0.1.0"


class Plugin:
    """Replays of historic cases under a draft policy, never touching live data."""

    def __init__(self) -> None:
        self.jobs: Any = None

    @hookimpl
    def onetrip_cli(self, subparsers: Any) -> None:
        from sandbox import cli

        cli.register(subparsers)

    @hookimpl
    def onetrip_startup(self, kernel: Any) -> None:
        from sandbox.jobs import ReplayJobs

        self.jobs = ReplayJobs.for_kernel(kernel)

    @hookimpl
    def onetrip_web_routes(self) -> list[Any]:
        from sandbox.api import routes

        return routes(self.jobs)

    @hookimpl
    def onetrip_shutdown(self) -> None:
        if self.jobs is not None:
            self.jobs.close()
