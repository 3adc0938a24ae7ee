"""``onetrip sandbox generate`` and ``onetrip replay`` subcommands."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path


def _fail(message: str) -> int:
    print(f"onetrip: {message}", file=sys.stderr)
    return 2


def cmd_generate(args: argparse.Namespace) -> int:
    from calendars import CalendarCoverageError
    from kernel.store import start_kernel
    from sandbox.generate import SEED_CASES, write

    cases = SEED_CASES if args.cases is None else args.cases
    bar, progress = _counter(cases, args.quiet or args.out == "-")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="onetrip-gen-") as tmp:
        kernel = start_kernel(db_url=f"sqlite:///{tmp}/gen.db",  # never the live store
                              private_store=True)
        try:
            with bar, (contextlib.nullcontext(sys.stdout) if args.out == "-" else
                       open(args.out, "w", encoding="utf-8")) as fh:
                write(kernel, fh, cases, args.year, args.seed, not args.no_outcomes,
                      args.workers, progress)
        except CalendarCoverageError as exc:
            return _fail(f"--year: {exc}")
        finally:
            kernel.close()
    took = time.perf_counter() - started
    if args.out != "-":
        print(f"{cases:,} cases written to {args.out} in {took:.1f} s "
              f"({cases / took:,.0f}/s)", file=sys.stderr)
    return 0


def _counter(total: int, quiet: bool):
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    bar = Progress(TextColumn("generate"), BarColumn(), MofNCompleteColumn(),
                   TimeRemainingColumn(),
                   console=Console(stderr=True), disable=quiet)
    task = bar.add_task("generate", total=total)
    return bar, lambda done: bar.update(task, completed=done)


def _bar(path: Path, quiet: bool):
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    total = path.stat().st_size if path.suffix.lower() != ".csv" else None
    bar = Progress(TextColumn("replay"), BarColumn(), TextColumn("{task.fields[rows]:,} cases"),
                   TimeRemainingColumn(), disable=quiet, transient=False)
    task = bar.add_task("replay", total=total, rows=0)
    return bar, lambda rows, done: bar.update(task, completed=done, rows=rows)


def cmd_replay(args: argparse.Namespace) -> int:
    # imported here, not at the top: `onetrip --help` builds this parser
    from calendars import CalendarCoverageError
    from kernel.yamlsrc import SourceError
    from sandbox.history import BadRow, load_mapping
    from sandbox.policy import PolicyError
    from sandbox.replay import ReplayOptions, replay

    path = Path(args.cases)
    if not path.is_file():
        return _fail(f"CASES: {path} is not a file")
    try:
        mapping = load_mapping(Path(args.columns)) if args.columns else None
    except (OSError, ValueError) as exc:
        return _fail(f"--columns: {exc}")
    opts = ReplayOptions(cases=path, baseline=args.baseline, candidate=args.candidate,
                         out=Path(args.out), workers=args.workers, on_error=args.on_error,
                         mapping=mapping, cluster=args.cluster)
    bar, progress = _bar(path, args.quiet)
    started = time.perf_counter()
    try:
        with bar:
            summary = replay(opts, progress)
    except BadRow as exc:
        return _fail(f"{path}:{exc.line}: {exc.message}")
    except PolicyError as exc:
        return _fail(f"--{exc.field}: {exc}")
    except (SourceError, CalendarCoverageError) as exc:
        return _fail(str(exc))
    except (ValueError, OSError) as exc:  # --cluster without Dask, or out of its reach
        return _fail(f"--cluster: {exc}" if args.cluster else str(exc))
    took = time.perf_counter() - started
    print(f"{summary['cases']:,} cases in {took:.1f} s ({summary['cases'] / took:,.0f}/s); "
          f"{summary['changed']:,} changed, {summary['bad_rows']:,} bad rows; "
          f"report: {Path(args.out) / 'report.html'}", file=sys.stderr)
    return 0


def register(sub) -> None:
    """Add the sandbox's subcommands to the ``onetrip`` parser."""
    p = sub.add_parser("sandbox", help="synthetic history for replays")
    ss = p.add_subparsers(dest="sandbox_command", required=True)
    g = ss.add_parser("generate", help="write synthetic historic cases as JSON Lines")
    g.add_argument("--cases", type=int, default=None,
                   help="default: as many as the hall's online system handled in 2019")
    g.add_argument("--year", type=int, default=2019)
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--out", default="-", help="file to write (default: standard output)")
    g.add_argument("--no-outcomes", action="store_true",
                   help="leave out 'then' (what happened), which costs an evaluation per case")
    g.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                   help="processes deciding the outcomes (the same bytes for any number)")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    g.set_defaults(func=cmd_generate)
    r = sub.add_parser("replay", help="replay historic cases under two policies")
    r.add_argument("cases", metavar="CASES", help="history: JSON Lines, or .csv")
    for name in ("baseline", "candidate"):
        r.add_argument(f"--{name}", default="as-in-force",
                       help="a rules folder, a git revision of rules/, or as-in-force")
    r.add_argument("--out", required=True, help="folder for diff.jsonl, summary and reports")
    r.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    r.add_argument("--on-error", choices=("skip", "fail"), default="skip",
                   help="bad rows: skip them (listed in bad_rows.jsonl) or stop at the first")
    r.add_argument("--columns", help="CSV column mapping (YAML: our_name: their column)")
    r.add_argument("--cluster", metavar="ADDRESS",
                   help="run on Dask: a scheduler's address (tcp://host:8786), or local:N "
                        "for a local cluster of N worker processes")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.set_defaults(func=cmd_replay)
