"""Kernel pipeline vs bare durable_rules matching of the same compiled rules, and RSS.

    python benchmarks/bench_kernel.py [--cases 1000000] [--compare 50000]

First a side-by-side run (same cases, one process): the whole pipeline (validation, facts,
matching, fold, due dates, notices) against the C extension alone asserting the same
fact documents. Then ``--cases`` evaluations with RSS printed every 100,000.
Rates are per second of this process's CPU time, so other load on a shared machine
disturbs them less than wall-clock rates.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from pathlib import Path

import durable_rules_engine as dre

from kernel.core import Kernel
from kernel.facts import CaseContext
from kernel.store import start_kernel

ROOT = Path(__file__).resolve().parents[1]


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cases(n: int, seed: int = 1) -> list[dict]:
    base = json.loads((ROOT / "examples" / "land_site_complete.json").read_text())
    rnd = random.Random(seed)
    materials = base["materials"]
    out = []
    for i in range(n):
        day = 1 + i % 28
        out.append(dict(base, submitted_at=f"2019-{8 + i % 4:02d}-{day:02d}T10:00:00+08:00",
                        materials=rnd.sample(materials, rnd.randint(3, len(materials))),
                        channel=rnd.choice(["window", "online", "bank"])))
    return out


def bare(kernel: Kernel, docs: list[dict]) -> float:
    """The C extension alone on the kernel's compiled ruleset, as in durable-rules.md."""
    handle, sid = kernel.rulebook.matcher.handle, "bare"
    start = time.process_time()
    for doc in docs:
        fact = json.dumps({**doc, "sid": sid, "_case": 1}, ensure_ascii=False)
        try:
            code, state = dre.assert_fact(handle, fact)
            if code == 0:
                msg = dre.start_action_for_state(handle, state)
                msg = msg[1] if msg else None
                while msg:
                    msg = dre.complete_and_start_action(handle, state)
        finally:
            dre.delete_state(handle, sid)
    return time.process_time() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--compare", type=int, default=50_000)
    args = ap.parse_args()
    kernel = start_kernel(db_url="sqlite://")
    sample = cases(args.compare)
    docs = []
    for data in sample:  # the exact documents the kernel asserts, built outside the timing
        app = kernel.application(data)
        ctx = CaseContext(app, kernel.items.resolve(app.items)[0], app.submitted_at)
        docs += [doc for _, doc in kernel.documents(ctx, kernel._case_facts(ctx)[0])]
    kernel.evaluate(sample[0])
    t0 = time.process_time()
    for data in sample:
        kernel.evaluate(data)
    pipeline = time.process_time() - t0
    engine = bare(kernel, docs)
    print(f"side by side, {len(sample):,} cases ({len(docs):,} facts), one process:")
    print(f"  kernel pipeline      {len(sample) / pipeline:>10,.0f} cases/s")
    print(f"  bare durable_rules   {len(docs) / engine:>10,.0f} facts/s")
    print(f"  kernel / bare time   {pipeline / engine:>10.2f}x   (target <= 3x, >= 8,000/s)")
    print(f"\n{args.cases:,} evaluations, RSS every 100,000:")
    start, t0 = rss_mb(), time.process_time()
    for i in range(1, args.cases + 1):
        kernel.evaluate(sample[i % len(sample)])
        if i % 100_000 == 0:
            print(f"  {i:>9,}  RSS {rss_mb():7.1f} MB  {i / (time.process_time() - t0):,.0f}/s",
                  flush=True)
    print(f"  RSS start {start:.1f} MB, end {rss_mb():.1f} MB")
    kernel.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
