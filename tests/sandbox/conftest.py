"""Fixtures for sandbox tests: a one-item test department, its rules, generated histories."""

from pathlib import Path

import pytest

from kernel import hookimpl
from kernel.store import start_kernel
from sandbox.generate import write

DATA = Path(__file__).with_name("data")


class TestDepartment:
    """A department with one item whose materials cover every kind."""

    @hookimpl
    def onetrip_register_items(self, items):
        items.load(DATA / "catalogue.yaml")
        items.sharing.load(DATA / "sharing.yaml")


@pytest.fixture
def sbx_args() -> dict:
    """Kernel.start arguments for a kernel with only the test department."""
    return {"entry_points": False, "extra_plugins": [("sbx", TestDepartment())], "disabled": set()}


@pytest.fixture
def make_kernel(tmp_path):
    """Kernels with the built-in departments on a throw-away store, closed afterwards."""
    started = []

    def make(**settings):
        started.append(start_kernel(db_url=f"sqlite:///{tmp_path / 'builtin.db'}",
                                    disabled=set(), **settings))
        return started[-1]

    yield make
    for kernel in started:
        kernel.close()


@pytest.fixture
def kernel(make_kernel):
    return make_kernel()


@pytest.fixture
def sbx_kernel(tmp_path, sbx_args):
    kernel = start_kernel(db_url=f"sqlite:///{tmp_path / 'gen.db'}", **sbx_args)
    yield kernel
    kernel.close()


@pytest.fixture
def sbx_history(tmp_path, sbx_kernel) -> Path:
    """300 generated cases over the test department."""
    path = tmp_path / "history.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        write(sbx_kernel, fh, cases=300, year=2019, seed=7, then=False)
    return path
