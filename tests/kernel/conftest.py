"""Fixtures for kernel tests: a fresh kernel per test, on a throw-away SQLite file."""

import json
from pathlib import Path

import pytest

from kernel.store import start_kernel

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


@pytest.fixture
def make_kernel(tmp_path):
    """Start kernels with any plugin set; each is closed after the test."""
    started = []

    def make(**kwargs):
        kwargs.setdefault("db_url", f"sqlite:///{tmp_path / 'kernel.db'}")
        kwargs.setdefault("disabled", set())
        kernel = start_kernel(**kwargs)
        started.append(kernel)
        return kernel

    yield make
    for kernel in started:
        kernel.close()


@pytest.fixture
def kernel(make_kernel):
    return make_kernel()


@pytest.fixture
def land_site():
    return json.loads((EXAMPLES / "land_site_complete.json").read_text(encoding="utf-8"))
