"""A kernel with every shipped plugin for planning projects, and the example projects."""

import json
from pathlib import Path

import pytest

from kernel.store import start_kernel
from plugins.projects import plugin_of
from plugins.projects.models import Project

ROOT = Path(__file__).resolve().parents[2]
PROJECTS = ROOT / "examples" / "projects"


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    k = start_kernel(db_url=f"sqlite:///{tmp_path_factory.mktemp('projects') / 'p.db'}",
                     disabled=set())
    yield k
    k.close()


@pytest.fixture(scope="module")
def plan(kernel):
    """``plan(name or dict, **changes)``: the plan of an example project (or of a project)."""

    def make(project, **changes):
        data = example(project) if isinstance(project, str) else project
        return plugin_of(kernel).plan(Project.model_validate({**data, **changes}))

    return make


def example(name: str) -> dict:
    return json.loads((PROJECTS / f"{name}.json").read_text(encoding="utf-8"))
