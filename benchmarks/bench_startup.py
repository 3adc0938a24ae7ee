"""CPU time of short ``onetrip`` commands, beside a bare ``python -c pass`` in the same run.

    python benchmarks/bench_startup.py [--runs 15]

Each command runs ``--runs`` times in a child process, in an empty temporary folder; its
CPU time (user + system) is the change in ``getrusage(RUSAGE_CHILDREN)`` around it, and
the median is printed. CPU time, not wall time, so other load on a shared machine moves
the figures less. To see where the time goes:
``python -X importtime -m kernel.cli --help 2>&1 | sort -t'|' -k2 -n | tail``.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "land_site_complete.json"
ONETRIP = [sys.executable, "-m", "kernel.cli"]
COMMANDS = {
    "python -c pass": ([sys.executable, "-c", "pass"], None),
    "onetrip --help": ([*ONETRIP, "--help"], 0.3),
    "onetrip evaluate examples/land_site_complete.json": ([*ONETRIP, "evaluate", str(EXAMPLE)],
                                                          0.8),
    "onetrip lint": ([*ONETRIP, "lint"], None),
}


def cpu_seconds(argv: list[str], cwd: str) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    with tempfile.TemporaryDirectory() as cwd:
        for _ in range(args.runs):  # interleaved, so a burst of load hits every command
            for name, (argv, _) in COMMANDS.items():
                times[name].append(cpu_seconds(argv, cwd))
    print(f"{'command':<52} {'median':>8} {'min':>7} {'goal':>7}   CPU s, {args.runs} runs")
    over = 0
    for name, (_, goal) in COMMANDS.items():
        median = statistics.median(times[name])
        verdict = "" if goal is None else ("ok" if median <= goal else "OVER")
        over += verdict == "OVER"
        print(f"{name:<52} {median:>8.3f} {min(times[name]):>7.3f} "
              f"{'' if goal is None else f'{goal:.1f}':>7}   {verdict}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
