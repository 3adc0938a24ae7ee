"""The hardening catalogue of bad input (benchmarks/probe_bad_input.py, bounded) against real
`onetrip serve` processes: hundreds of inputs on every route, as every role and none, no 5xx."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _probe_module():
    spec = importlib.util.spec_from_file_location("probe_bad_input",
                                                  ROOT / "benchmarks" / "probe_bad_input.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def test_the_bad_input_catalogue_gets_no_5xx(tmp_path):
    report = _probe_module().probe(tmp_path, quick=True)
    assert report.tried >= 200
    assert report.bad == []
    assert report.statuses[401] and report.statuses[403] and report.statuses[422]
