"""Short commands load no database or HTTP stack they do not use, and dry runs write nothing.

Each command runs in a child process, in an empty folder, through a small wrapper that
reports which heavy packages ended up in ``sys.modules``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "aiohttp")
WRAPPER = f"""
import json, sys
from kernel.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
loaded = sorted({{name.split(".")[0] for name in sys.modules}} & set({HEAVY!r}))
print(json.dumps({{"code": code, "loaded": loaded}}), file=sys.stderr)
"""


def onetrip(cwd: Path, *argv: str) -> tuple[dict, str]:
    env = {k: v for k, v in os.environ.items() if k != "ONETRIP_DATABASE_URL"}
    done = subprocess.run([sys.executable, "-c", WRAPPER, *argv], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] in (0, None), done.stderr
    return report, done.stdout


@pytest.mark.parametrize("argv", [
    ["--help"], ["calendar", "add", "2019-09-27", "3"], ["plugins"], ["schema", "rules"],
    ["facts"],
], ids=" ".join)
def test_short_commands_load_no_database_or_http_stack(tmp_path, argv):
    report, out = onetrip(tmp_path, *argv)
    assert report["loaded"] == []
    assert out
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv", [
    ["evaluate", str(EXAMPLES / "land_site_complete.json")],
    ["lint"],
    ["test", str(ROOT / "tests" / "cases" / "land_site.yaml")],
], ids=lambda argv: argv[0])
def test_read_only_commands_write_nothing_here(tmp_path, argv):
    onetrip(tmp_path, *argv)
    assert list(tmp_path.iterdir()) == []


def test_a_dry_run_still_asks_the_credit_plugin(tmp_path):
    report, out = onetrip(tmp_path, "evaluate", str(EXAMPLES / "land_site_tolerance.json"))
    decision = json.loads(out)
    assert [f for f in decision["flags"] if f["code"] == "plugin_error"] == []
    assert decision["outcome"] == "accepted_with_tolerance"  # credit facts: no record, clean
    assert list(tmp_path.iterdir()) == []


def test_a_dry_run_reads_the_credit_records_of_an_existing_store(tmp_path):
    onetrip(tmp_path, "credit", "load", str(EXAMPLES / "credit_records.yaml"))
    before = sorted(p.name for p in tmp_path.iterdir())
    _, out = onetrip(tmp_path, "evaluate", str(EXAMPLES / "land_site_dishonest.json"))
    decision = json.loads(out)
    assert decision["outcome"] == "correction_required"
    assert "tolerance_refused_credit" in {f["code"] for f in decision["flags"]}
    assert sorted(p.name for p in tmp_path.iterdir()) == before
