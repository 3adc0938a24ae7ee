"""Fixtures for the OA plugin: a started kernel on a real SQLite file, or PostgreSQL."""

from __future__ import annotations

import os
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text

from kernel.core import Kernel
from plugins.oa import service_of

TZ = ZoneInfo("Asia/Shanghai")
PG = os.environ.get("ONETRIP_TEST_PG")


def at(text_: str) -> datetime:
    """A hall-local time written as 'YYYY-MM-DD HH:MM'."""
    return datetime.fromisoformat(text_).replace(tzinfo=TZ)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'oa.db'}"
        return
    if not PG:
        pytest.skip("ONETRIP_TEST_PG is not set")
    schema = f"oa_{uuid.uuid4().hex[:12]}"  # parallel runs never share tables
    admin = create_engine(PG)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in PG else "?"
    yield f"{PG}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def kernel(db_url):
    k = Kernel.start(db_url=db_url)
    yield k
    k.close()


@pytest.fixture
def oa(kernel):
    return service_of(kernel)
