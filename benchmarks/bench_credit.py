"""Evaluations per second with the credit lookup cached, uncached and switched off."""

from __future__ import annotations

import json
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from kernel.core import Kernel
from kernel.store import start_kernel
from plugins.credit import records

ROOT = Path(__file__).resolve().parents[1]
APP = json.loads((ROOT / "examples" / "land_site_dishonest.json").read_text("utf-8"))


def rate(kernel: Kernel, n: int) -> float:
    kernel.evaluate(APP)
    start = time.perf_counter()
    for _ in range(n):
        kernel.evaluate(APP)
    return n / (time.perf_counter() - start)


def run(tmp: str, label: str, n: int, ttl: float | None) -> None:
    disabled = {"credit"} if ttl is None else set()
    kernel = start_kernel(disabled=disabled, db_url=f"sqlite:///{tmp}/{label}.db")
    if ttl is not None:
        store = kernel.pm.get_plugin("credit").store
        records.load_file(store, ROOT / "examples" / "credit_records.yaml")
        store.ttl = ttl
    print(f"{label:<22} {rate(kernel, n):>8,.0f} evaluations/s")
    kernel.close()


def main(n: int = 3000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        kernel = start_kernel(disabled=set(), db_url=f"sqlite:///{tmp}/q.db")
        store = kernel.pm.get_plugin("credit").store
        records.load_file(store, ROOT / "examples" / "credit_records.yaml")
        start = time.perf_counter()
        for _ in range(n):
            store._query("91510900MA6200002B", date(2019, 8, 5))
        print(f"{'profile query alone':<22} {n / (time.perf_counter() - start):>8,.0f} queries/s")
        kernel.close()
        for round_ in (1, 2):  # alternate: a shared machine drifts
            for label, ttl in (("credit off", None), ("credit, cache off", 0.0),
                               ("credit, cached", 30.0)):
                run(tmp, f"{label} #{round_}", n, ttl)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000)
