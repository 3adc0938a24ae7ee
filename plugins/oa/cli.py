"""``onetrip oa …``: chase steps whose time has come, list due and overdue steps, rates."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from typing import Any


def _when(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no time zone; add e.g. +08:00")
    return value


def register(subparsers: Any) -> None:
    oa = subparsers.add_parser("oa", help="OA document flow (公文流转)")
    sub = oa.add_subparsers(dest="oa_command", required=True)
    for name, text in (("chase", "record a chase (催办) on every step whose chase time has come;"
                                 " each step is chased once"),
                       ("due", "list overdue and due-soon steps")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--as-of", type=_when, default=None, help="ISO time with zone (now)")
        p.add_argument("--db", help="database URL (default: ONETRIP_DATABASE_URL or SQLite)")
        p.set_defaults(func=_run)
    p = sub.add_parser("lint", help="check OA rule files; prints file:line: message")
    p.add_argument("paths", nargs="*", help="rule folders or files (default: rules/oa)")
    p.set_defaults(func=_lint)
    p = sub.add_parser("metrics", help="delay rate and error rate, per department and month")
    p.add_argument("--from", dest="start", type=date.fromisoformat, default=None)
    p.add_argument("--to", dest="end", type=date.fromisoformat, default=None)
    p.add_argument("--department", default=None)
    p.add_argument("--db", help="database URL (default: ONETRIP_DATABASE_URL or SQLite)")
    p.set_defaults(func=_run)


def _lint(args: argparse.Namespace) -> int:
    from kernel import SourceError
    from kernel.manager import build_manager
    from plugins.oa import RULES
    from plugins.oa.rules import OARules

    try:
        loaded = {n for n, p in build_manager().list_name_plugin() if p is not None}
        rules = OARules(args.paths or [RULES], loaded)
    except SourceError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{len(rules.book.files)} rulesets, {len(rules.book.rules)} rules: ok")
    rules.close()
    return 0


def _run(args: argparse.Namespace) -> int:
    from kernel.store import start_kernel
    from plugins.oa import service_of
    from plugins.oa.metrics import metrics
    from plugins.oa.service import now

    kernel = start_kernel(**({"db_url": args.db} if args.db else {}))
    try:
        service = service_of(kernel)
        if args.oa_command == "metrics":
            out: Any = metrics(service.engine, args.start, args.end, args.department)
        elif args.oa_command == "chase":
            out = service.chase(args.as_of or now())
        else:
            out = service.due(args.as_of or now())
    finally:
        kernel.close()
    json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0
