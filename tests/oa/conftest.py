"""Fixtures for the OA plugin: the shipped kernel on the shared ``db_url`` (SQLite, PostgreSQL)."""

from __future__ import annotations

import pytest

from kernel.store import start_kernel
from plugins.oa import service_of


@pytest.fixture
def kernel(db_url):
    k = start_kernel(db_url=db_url)
    yield k
    k.close()


@pytest.fixture
def oa(kernel):
    return service_of(kernel)
