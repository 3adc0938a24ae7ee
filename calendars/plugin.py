"""The ``onetrip calendar`` commands as a plugin (entry point ``calendar``)."""

from __future__ import annotations

from typing import Any

import pluggy

# The kernel's marker by project name: the calendar sits below the kernel and imports none of it.
hookimpl = pluggy.HookimplMarker("onetrip")


@hookimpl
def onetrip_cli(subparsers: Any) -> None:
    from calendars import cli

    cli.register(subparsers)
