"""The sandbox as a plugin: ``onetrip sandbox …`` / ``onetrip replay`` commands."""

from __future__ import annotations

from typing import Any

from kernel import hookimpl

__version__ = "0.1.0"


class Plugin:
    """Replays of historic cases under a draft policy, never touching live data."""

    @hookimpl
    def onetrip_cli(self, subparsers: Any) -> None:
        from sandbox import cli

        cli.register(subparsers)
