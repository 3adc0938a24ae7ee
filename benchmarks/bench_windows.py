"""What the one-window hall costs per case: the real-estate examples with and without a window.

    python benchmarks/bench_windows.py [--cases 20000]

Each example is evaluated ``--cases`` times as shipped (window facts, service calendar,
routing) and again without its window, on one kernel. Rates are per second of this
process's CPU time.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from kernel.store import start_kernel

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "real_estate"
NAMES = ("mortgage_1645", "mortgage_at_bank", "resale_three_windows", "village_homestead",
         "saturday_mortgage")


def rate(kernel, app: dict, n: int) -> float:
    kernel.evaluate(app)
    start = time.process_time()
    for _ in range(n):
        kernel.evaluate(app)
    return n / (time.process_time() - start)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=20_000)
    args = ap.parse_args()
    kernel = start_kernel(db_url="sqlite://")
    print(f"{'example':<24}{'with window':>14}{'without':>12}  (cases/s, CPU)")
    for name in NAMES:
        app = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
        bare = {k: v for k, v in app.items() if k != "window"}
        print(f"{name:<24}{rate(kernel, app, args.cases):>14,.0f}"
              f"{rate(kernel, bare, args.cases):>12,.0f}", flush=True)
    kernel.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
