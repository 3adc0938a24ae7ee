"""The store layer: tables, migrations, intake, outbox, timers, case lifecycle."""

from __future__ import annotations

from typing import Any

from kernel.core import Kernel

__all__ = ["open_db", "start_kernel"]


def open_db(kernel: Kernel) -> Any:
    """The kernel's engine: ``db_url`` setting, else ONETRIP_DATABASE_URL, else SQLite; migrated."""
    from kernel.store.db import create_tables, make_engine

    engine = make_engine(kernel.settings.get("db_url"))
    create_tables(engine)
    return engine


def start_kernel(**kwargs: Any) -> Kernel:
    """:meth:`Kernel.start` with a store: ``kernel.db`` opens (and migrates) on first use."""
    return Kernel.start(open_db=open_db, **kwargs)
