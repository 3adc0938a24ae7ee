"""``onetrip kpis``, ``onetrip supervision load|warnings|accountability``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("kpis", help="the yearbook's KPIs, each with its definition")
    p.add_argument("--from", dest="start", type=date.fromisoformat, help="first day (cases)")
    p.add_argument("--to", dest="end", type=date.fromisoformat,
                   help="last day (cases), and the day whose rules decide item figures")
    p.add_argument("--department", help="only this department's items and cases")
    p.add_argument("--json", action="store_true", help="print the JSON GET /v1/kpis answers")
    p.add_argument("--db", help="database URL (default: ONETRIP_DATABASE_URL or onetrip.db)")
    p.set_defaults(func=cmd_kpis)

    sv = subparsers.add_parser("supervision", help="ratings, warnings, accountability (督查)")
    sub = sv.add_subparsers(dest="supervision_command", required=True)
    p = sub.add_parser("load", help="load a history (JSON Lines) into the store, in time order")
    p.add_argument("history", help="e.g. from onetrip sandbox generate")
    p.add_argument("--db", help="database URL")
    p.add_argument("--limit", type=int, help="load only the first N lines")
    p.add_argument("--no-ratings", action="store_true", help="no simulated ratings")
    p.add_argument("--no-oa", action="store_true", help="leave the OA notice documents open")
    p.add_argument("--seed", type=int, default=1, help="seed of the simulated ratings and steps")
    p.set_defaults(func=cmd_load)
    p = sub.add_parser("warnings", help="the supervision list: cases with a warning")
    p.add_argument("--as-of", type=datetime.fromisoformat, help="ISO time with zone")
    p.add_argument("--db", help="database URL")
    p.set_defaults(func=cmd_warnings)
    p = sub.add_parser("accountability", help="cases completed late and the step that was")
    p.add_argument("--from", dest="start", type=date.fromisoformat)
    p.add_argument("--to", dest="end", type=date.fromisoformat)
    p.add_argument("--db", help="database URL")
    p.set_defaults(func=cmd_accountability)


def _kernel(args: argparse.Namespace) -> Any:
    from kernel.store import start_kernel

    return start_kernel(**({"db_url": args.db} if args.db else {}))


def _fail(message: str) -> int:
    print(f"onetrip: {message}", file=sys.stderr)
    return 2


def cmd_kpis(args: argparse.Namespace) -> int:
    from calendars import CalendarCoverageError
    from plugins.supervision import supervision_of
    from plugins.supervision.dashboard import all_kpis

    if args.start and args.end and args.end < args.start:
        return _fail("--to is before --from")
    kernel = _kernel(args)
    try:
        out = all_kpis(supervision_of(kernel), args.start, args.end, args.department)
    except CalendarCoverageError as exc:
        return _fail(f"--to: {exc}")
    finally:
        kernel.close()
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    print(f"KPIs {out['from'] or '…'} – {out['to'] or '…'}"
          f"{' ' + out['department'] if out['department'] else ''}: {out['cases']} cases, "
          f"{len(out['items'])} items (rules in force on {out['rules_on']})")
    for name, fig in out["figures"].items():
        value = "-" if fig["value"] is None else f"{fig['value']:.2%}"
        print(f"  {name:<26} {value:>8}  ({fig['numerator']}/{fig['denominator']})")
        print(f"  {'':<26} {fig['definition']}")
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    from plugins.supervision.load import Loader, read_rows

    path = Path(args.history)
    if not path.is_file():
        return _fail(f"{args.history}: no such file")
    kernel = _kernel(args)
    try:
        counts = Loader(kernel, ratings=not args.no_ratings, oa=not args.no_oa,
                        seed=args.seed).run(read_rows(path, args.limit))
    finally:
        kernel.close()
    for bad in counts.bad[:20]:
        print(f"{args.history}:{bad}", file=sys.stderr)
    print(f"{counts.stored} cases stored ({counts.skipped} already there, {len(counts.bad)} "
          f"bad rows), {counts.completed} completed, {counts.ratings} ratings, "
          f"{counts.follow_ups} follow-ups, {counts.oa_steps} OA steps")
    return 1 if counts.bad and not counts.stored else 0


def cmd_warnings(args: argparse.Namespace) -> int:
    from kernel.store.caseview import DEFAULT_WARNINGS
    from plugins.supervision import supervision_of

    if args.as_of is not None and args.as_of.tzinfo is None:
        return _fail("--as-of: give a time zone, e.g. 2019-08-30T12:00:00+08:00")
    kernel = _kernel(args)
    try:
        from plugins.supervision.service import now

        out = supervision_of(kernel).warnings(args.as_of or now(), DEFAULT_WARNINGS)
    finally:
        kernel.close()
    print(json.dumps(out, ensure_ascii=False, indent=2, default=str))
    return 0


def cmd_accountability(args: argparse.Namespace) -> int:
    from plugins.supervision import supervision_of

    kernel = _kernel(args)
    try:
        out = supervision_of(kernel).accountability(args.start, args.end)
    finally:
        kernel.close()
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0
