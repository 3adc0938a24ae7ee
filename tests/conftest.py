"""Fixtures shared by the store and API tests: databases and a kernel with a recording plugin."""

from __future__ import annotations

import os
import uuid

import pytest
from casekit import TEST_RULES, Recorder
from sqlalchemy import create_engine, text

from kernel.store import start_kernel

# The kernel's own pytest plugin: YAML decision cases in tests/cases, plugin-author fixtures.
# Its pytest11 entry point loads it under this same name; naming it here also covers a
# checkout whose stale onetrip.egg-info (old setuptools) hides the installed entry points.
pytest_plugins = ("kernel.testkit", "pytester")

PG_ENV = "ONETRIP_TEST_PG"


@pytest.fixture
def pg_url():
    """A fresh schema on the PostgreSQL server named by ONETRIP_TEST_PG, dropped afterwards."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'onetrip.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def recorder():
    return Recorder()


@pytest.fixture
def kernel(db_url, recorder):
    k = start_kernel(db_url=db_url, rule_dirs=TEST_RULES, extra_plugins=[("recorder", recorder)])
    k.db  # noqa: B018  (migrate now)
    yield k
    k.close()
