"""Plans per second of the example projects, and what one plan costs in rule evaluations.

python benchmarks/bench_projects.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from kernel.store import start_kernel
from plugins.projects import plugin_of
from plugins.projects.models import Project

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "projects"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        kernel = start_kernel(db_url=f"sqlite:///{tmp}/bench.db", disabled=set())
        try:
            planner = plugin_of(kernel)
            for path in sorted(EXAMPLES.glob("*.json")):
                project = Project.model_validate_json(path.read_bytes())
                calls = 0
                evaluate = kernel.evaluate

                def counted(*a, _evaluate=evaluate, **kw):
                    nonlocal calls
                    calls += 1
                    return _evaluate(*a, **kw)

                kernel.evaluate = counted
                planner.plan(project)  # warm: rulebook sessions, calendars
                per_plan, calls = calls, 0
                kernel.evaluate = evaluate
                wall, cpu = time.perf_counter(), time.process_time()
                for _ in range(args.rounds):
                    planner.plan(project)
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                ms = 1000 * cpu / args.rounds
                print(f"{path.stem:<22} {per_plan:>3} evaluations/plan  "
                      f"{args.rounds / wall:7.1f} plans/s  {ms:6.1f} ms CPU/plan")
        finally:
            kernel.close()


if __name__ == "__main__":
    main()
