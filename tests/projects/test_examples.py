"""The example projects against their expected plans (examples/projects/*.expected.yaml)."""

import pytest
import yaml
from conftest import PROJECTS

CASES = sorted(p.name.removesuffix(".expected.yaml") for p in PROJECTS.glob("*.expected.yaml"))


def differences(expected, got, where=""):
    """Where ``got`` differs from ``expected``; only what ``expected`` gives is checked."""
    if isinstance(expected, dict) and isinstance(got, dict):
        return [d for k, v in expected.items()
                for d in (differences(v, got[k], f"{where}.{k}") if k in got
                          else [f"{where}.{k}: missing"])]
    if isinstance(expected, list) and isinstance(got, list):
        if len(expected) != len(got):
            return [f"{where}: expected {len(expected)} entries, got {len(got)}: {got}"]
        return [d for i, (e, g) in enumerate(zip(expected, got, strict=True))
                for d in differences(e, g, f"{where}.{i}")]
    return [] if expected == got else [f"{where}: expected {expected!r}, got {got!r}"]


def test_every_example_project_has_its_expected_plan():
    assert set(CASES) == {p.stem for p in PROJECTS.glob("*.json")}


@pytest.mark.parametrize("name", CASES)
def test_example_plan(plan, name):
    expected = yaml.safe_load((PROJECTS / f"{name}.expected.yaml").read_text(encoding="utf-8"))
    got = plan(name).model_dump(mode="json")
    got["savings"] = {s["rule"] or "implementation lists": s["days"] for s in got["savings"]}
    assert differences(expected, got) == []
