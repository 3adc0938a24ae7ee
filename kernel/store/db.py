"""Database engines: SQLite in a file by default, PostgreSQL by URL."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic_core import to_json
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine

DEFAULT_URL = "sqlite:///onetrip.db"
URL_ENV = "ONETRIP_DATABASE_URL"
# SQLite's fsync policy in WAL mode. FULL (the default): every commit is on disk before its
# caller hears of it, at one fsync per group commit, which measured no slower than NORMAL
# (README, "Group commit"). NORMAL: a commit survives the process being killed (it is in the
# WAL, which the OS holds) and the file is never corrupted, but a power cut may lose the
# last commits, already acknowledged.
SYNC_ENV = "ONETRIP_SQLITE_SYNCHRONOUS"
WRITE_OPTION = "onetrip_write"


def database_url(url: str | None = None) -> str:
    return url or os.environ.get(URL_ENV) or DEFAULT_URL


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and enforced foreign keys.

    ``hide_parameters``: a failed statement's error (and so the log) never carries the
    values bound to it, such as applicants' ID numbers.
    """
    url = database_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               json_serializer=_to_json, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        engine = create_engine(url, pool_pre_ping=True, json_serializer=_to_json,
                               hide_parameters=True)
    return engine


def _to_json(value: object) -> str:
    return to_json(value).decode()  # pydantic's encoder: several times faster than json

def sqlite_synchronous() -> str:
    """FULL (the default) or NORMAL, from ``$ONETRIP_SQLITE_SYNCHRONOUS``."""
    mode = os.environ.get(SYNC_ENV, "FULL").strip().upper()
    if mode not in ("NORMAL", "FULL"):
        raise ValueError(f"{SYNC_ENV} is NORMAL or FULL, not {mode!r}")
    return mode


def _sqlite_pragmas(conn, _record) -> None:
    cur = conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA synchronous={sqlite_synchronous()}")
    cur.close()
    conn.isolation_level = None  # transactions are begun by _sqlite_begin, not the driver


def _sqlite_begin(conn) -> None:
    # A writer takes SQLite's single write lock when it begins, not half-way through, so
    # concurrent writers (several server processes, two sweepers) queue instead of failing.
    immediate = conn.get_execution_options().get(WRITE_OPTION)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def writing(engine: Engine) -> Iterator[Session]:
    """A session in one write transaction: committed on exit, rolled back on error."""
    with Session(engine.execution_options(**{WRITE_OPTION: True}),
                 expire_on_commit=False) as session, session.begin():
        yield session


def reading(engine: Engine) -> Session:
    return Session(engine, expire_on_commit=False)


MIGRATIONS = Path(__file__).with_name("migrations")
_MIGRATING = threading.Lock()  # alembic's context is module-global: one thread at a time
_MIGRATION_LOCK = 0x6F6E6574  # PostgreSQL advisory lock id: one migrating process at a time


def alembic_config() -> Any:
    from alembic.config import Config  # only when migrating: not for dry runs

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the kernel's tables to the newest schema (alembic ``upgrade head``)."""
    cfg = alembic_config()
    with _MIGRATING, engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
        cfg.attributes["connection"] = conn
        from alembic import command

        command.upgrade(cfg, "head")


def create_tables(engine: Engine) -> None:
    """Migrate the kernel's tables, then create the tables the loaded plugins declared."""
    from kernel.store.tables import KERNEL_TABLES

    migrate(engine)
    plugin_tables = [t for t in SQLModel.metadata.sorted_tables if t.name not in KERNEL_TABLES]
    SQLModel.metadata.create_all(engine, tables=plugin_tables)
