"""The shipped rules on many random fact documents: engine against the source reference.

    python benchmarks/bench_differential.py [--cases 100000] [--seed 7]

The long run of ``tests/kernel/test_differential.py``: every document is matched by the
kernel's rulebook (compiled conditions in durable_rules) and by ``tests/condref.py``
reading the rule files' YAML; prints both rates (per CPU second) and the mismatches.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the project first: tests/kernel (no __init__) must not pass for the kernel package
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from condref import holds, in_force, source_rules  # noqa: E402

from kernel.conditions import attr  # noqa: E402
from kernel.core import Kernel  # noqa: E402

POOLS = {"string": ["", "x", "用地"], "integer": [-1, 0, 1, 2, 3, 20190724, 20190725, 20200101],
         "boolean": [True, False], "number": [0.0, 0.5, 99.5]}
DAYS = [20190101, 20190724, 20190725, 20191231, 20200101, 20240301]


def named_values(cond, out: dict[str, list]) -> None:
    for key in ("all", "any"):
        for c in cond.get(key, ()):
            named_values(c, out)
    if "not" in cond:
        named_values(cond["not"], out)
    for op, v in cond.items() if "fact" in cond else ():
        if op not in ("fact", "exists"):
            out.setdefault(cond["fact"], []).extend(v if isinstance(v, list) else [v])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    kernel = Kernel.start()
    book, specs = kernel.rulebook, kernel.facts.specs
    rules = source_rules(book)
    named: dict[str, list] = {}
    for when, _ in rules.values():
        named_values(when or {}, named)
    pools = {n: named.get(n, []) + POOLS[s.type] for n, s in specs.items()}
    pools["application.submitted_on"] = DAYS
    docs = [{n: kernel.facts.check_value(n, rnd.choice(p)) for n, p in pools.items()
             if rnd.random() < 0.8} for _ in range(args.cases)]
    engine_docs = [{attr(n): v for n, v in d.items()} for d in docs]

    started = time.process_time()
    engine = [{r.name for r in book.match(d)} for d in engine_docs]
    engine_s = time.process_time() - started
    started = time.process_time()
    reference = [{name for name, (when, effective) in rules.items()
                  if in_force(effective, d.get("application.submitted_on"))
                  and (when is None or holds(when, d))} for d in docs]
    reference_s = time.process_time() - started
    kernel.close()
    bad = [(d, sorted(e ^ r)) for d, e, r in zip(docs, engine, reference, strict=True) if e != r]
    fired = sum(map(len, engine)) / len(engine)
    print(f"{args.cases:,} documents, {len(rules)} rules, {fired:.2f} fired per document")
    print(f"engine     {args.cases / engine_s:>10,.0f} documents/s")
    print(f"reference  {args.cases / reference_s:>10,.0f} documents/s")
    print(f"mismatches {len(bad):>10,}")
    for doc, names in bad[:5]:
        print(f"  {names}: {doc}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
