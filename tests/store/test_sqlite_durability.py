"""SQLite's fsync policy: every commit on disk before it is acknowledged, unless told otherwise."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from kernel.store.db import SYNC_ENV, make_engine

LEVEL = {"NORMAL": 1, "FULL": 2}  # PRAGMA synchronous answers a number


def _synchronous(tmp_path) -> int:
    engine = make_engine(f"sqlite:///{tmp_path / 'sync.db'}")
    try:
        with engine.connect() as conn:
            return conn.execute(text("PRAGMA synchronous")).scalar()
    finally:
        engine.dispose()


def test_commits_are_synced_in_full_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv(SYNC_ENV, raising=False)
    assert _synchronous(tmp_path) == LEVEL["FULL"]


def test_normal_is_a_choice(tmp_path, monkeypatch):
    monkeypatch.setenv(SYNC_ENV, "normal")
    assert _synchronous(tmp_path) == LEVEL["NORMAL"]


def test_anything_else_is_refused_by_name(tmp_path, monkeypatch):
    monkeypatch.setenv(SYNC_ENV, "OFF")
    with pytest.raises(ValueError, match=SYNC_ENV):
        _synchronous(tmp_path)
