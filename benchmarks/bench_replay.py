"""A/B replay of synthetic cases: the rules in force against a draft that widens tolerance.

    python benchmarks/bench_replay.py [--cases 1000000] [--workers 2] [--history FILE]

Generates the history first (timed apart, reused with ``--history``; the rate of
``sandbox generate --no-outcomes``, and with outcomes on a sample), then replays it and
prints cases/s, wall time, CPU time and the RSS of the replay's processes (parent and
workers, summed), sampled every half second, beside the in-run reference: the bare kernel
evaluating the same cases under one policy on one core. The draft's new rule fires on
most cases, so nearly every case is decided twice: the worst case for a replay.
"""

from __future__ import annotations

import argparse
import functools
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from kernel.store import start_kernel
from rules import RULES_DIR
from sandbox.generate import write
from sandbox.replay import ReplayOptions, replay

print = functools.partial(print, flush=True)  # noqa: A001 - figures as they come, in a pipe too

DRAFT = """\
ruleset: bench.tolerance
version: draft
department: common
reference: 容缺受理制度（草案）
effective: {from: 2019-01-01}
rules:
  - id: tolerate-secondary
    title: 主件齐全的，可容缺的辅件先予受理
    when: {fact: materials.missing_main, eq: 0}
    then:
      - tolerate_missing: {materials: tolerable}
"""


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return 0


def tree_rss_mb(root: int) -> float:
    """RSS of ``root`` and its direct children (the pool's workers)."""
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    if int(fh.read().rsplit(")", 1)[1].split()[1]) == root:
                        kids.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return (_rss_kb(root) + sum(_rss_kb(k) for k in kids)) / 1024


class Sampler(threading.Thread):
    def __init__(self, every: float = 0.5):
        super().__init__(daemon=True)
        self.every, self.samples, self.stop = every, [], threading.Event()

    def run(self) -> None:
        start = time.perf_counter()
        while not self.stop.wait(self.every):
            self.samples.append((time.perf_counter() - start, tree_rss_mb(os.getpid())))


def cpu_seconds() -> float:
    """CPU time of this process and its reaped children (the pool's workers)."""
    return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                 resource.getrusage(resource.RUSAGE_CHILDREN)))


def generate(path: Path, cases: int, then: bool = False, workers: int = 1) -> float:
    kernel = start_kernel(db_url=f"sqlite:///{path.parent / 'gen.db'}", private_store=True)
    started = time.perf_counter()
    with open(path, "w", encoding="utf-8") as fh:
        write(kernel, fh, cases=cases, year=2019, seed=1, then=then, workers=workers)
    took = time.perf_counter() - started
    kernel.close()
    (path.parent / "gen.db").unlink(missing_ok=True)
    return took


def reference(history: Path, cases: int) -> float:
    """Cases/s of the bare kernel on one core: parse, evaluate under the rules in force."""
    from sandbox.credit import load_credit
    from sandbox.history import parse_line, read_lines

    with tempfile.TemporaryDirectory() as tmp:
        kernel = start_kernel(db_url=f"sqlite:///{tmp}/ref.db", private_store=True)
        lines = [text for _, (_, text) in zip(range(cases), read_lines(history), strict=False)]
        load_credit(kernel, enumerate(lines, 1))
        started = time.process_time()
        for n, text in enumerate(lines, 1):
            app = parse_line(text, n).application
            kernel.evaluate(app, at=app.submitted_at)
        took = time.process_time() - started
        kernel.close()
    return len(lines) / took


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--history", type=Path, help="reuse (or keep) this history file")
    ap.add_argument("--sample", type=int, default=20_000,
                    help="cases for the one-core reference and the with-outcomes rate")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-replay-") as tmp:
        tmp = Path(tmp)
        history = args.history or tmp / "history.jsonl"
        if not history.exists():
            took = generate(history, args.cases)
            print(f"generate --no-outcomes: {args.cases:,} cases in {took:.1f} s, "
                  f"{args.cases / took:,.0f} cases/s (goal ≥ 20,000/s; was ≈ 560/s) "
                  f"({history.stat().st_size / 2**20:,.0f} MB)")
        took = generate(tmp / "sample.jsonl", args.sample, then=True, workers=args.workers)
        print(f"generate with outcomes on {args.workers} processes: {args.sample:,} cases in "
              f"{took:.1f} s, {args.sample / took:,.0f} cases/s")
        ref = reference(history, args.sample)
        print(f"reference: the bare kernel, one policy, one core: {ref:,.0f} cases/s")
        draft = tmp / "draft"
        shutil.copytree(RULES_DIR, draft, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
        (draft / "common" / "bench_tolerance.yaml").write_text(DRAFT, "utf-8")
        sampler = Sampler()
        sampler.start()
        started, cpu = time.perf_counter(), cpu_seconds()
        summary = replay(ReplayOptions(cases=history, candidate=str(draft), out=tmp / "out",
                                       workers=args.workers))
        wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        sampler.stop.set()
        sampler.join()
    rss = [mb for _, mb in sampler.samples] or [tree_rss_mb(os.getpid())]
    print(f"replayed {summary['cases']:,} cases ({summary['changed']:,} changed) with "
          f"{args.workers} workers in {wall:.1f} s: {summary['cases'] / wall:,.0f} cases/s")
    print(f"CPU {cpu:.1f} s in all ({cpu / summary['cases'] * 1e6:.0f} µs per case); on "
          f"{args.workers} otherwise idle cores the wall time would be about "
          f"{cpu / args.workers:.0f} s")
    print(f"RSS (parent + workers): peak {max(rss):,.0f} MB (goal ≤ 1,024 MB, flat)")
    print(f"goal: 1,000,000 cases ≤ 180 s on 2 cores; at this rate 1,000,000 take "
          f"{1e6 / (summary['cases'] / wall):.0f} s; per core {summary['cases'] / cpu:,.0f} "
          f"cases/s of CPU ({summary['cases'] / cpu / ref:.2f}× the one-policy reference, "
          "which decides each case once)")
    step = max(len(sampler.samples) // 10, 1)
    print("RSS over the run: " + ", ".join(
        f"{t:.0f}s {mb:,.0f}MB" for t, mb in sampler.samples[::step]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
