"""``onetrip credit load FILE`` and ``onetrip credit show CODE``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import TYPE_CHECKING

from kernel.ids import validate_credit_code, validate_id_number
from kernel.yamlsrc import SourceError
from plugins.credit import local_day

if TYPE_CHECKING:
    from plugins.credit.store import CreditStore


def register(subparsers: argparse._SubParsersAction) -> None:
    credit = subparsers.add_parser("credit", help="credit records (信用信息)")
    sub = credit.add_subparsers(dest="credit_command", required=True)
    p = sub.add_parser("load", help="load a credit record file (YAML) in one transaction")
    p.add_argument("file")
    p.add_argument("--db", help="database URL (default: ONETRIP_DATABASE_URL or onetrip.db)")
    p.set_defaults(func=cmd_load)
    p = sub.add_parser("show", help="a subject's records and what a case would see")
    p.add_argument("code", help="unified social credit code or resident ID number")
    p.add_argument("--on", type=date.fromisoformat, help="case date (default: today)")
    p.add_argument("--db", help="database URL")
    p.set_defaults(func=cmd_show)


def _store(args: argparse.Namespace) -> CreditStore:
    from kernel.store.db import make_engine
    from plugins.credit.store import CreditStore

    store = CreditStore(make_engine(args.db))
    store.create_tables()
    return store


def cmd_load(args: argparse.Namespace) -> int:
    from plugins.credit import records

    store = _store(args)
    try:
        counts = records.load_file(store, args.file)
    except SourceError as exc:
        print(exc, file=sys.stderr)
        return 2
    finally:
        store.engine.dispose()
    print(", ".join(f"{n} {what}" for what, n in counts.items()) + f" loaded from {args.file}")
    return 0


def identifier(code: str) -> str:
    """Normalise a credit code or an ID number; ValueError says what is wrong with both."""
    try:
        return validate_credit_code(code)
    except ValueError as as_code:
        try:
            return validate_id_number(code)
        except ValueError as as_id:
            raise ValueError(f"not a credit code ({as_code}) nor an ID number ({as_id})") from None


def cmd_show(args: argparse.Namespace) -> int:
    try:
        code = identifier(args.code)
    except ValueError as exc:
        print(f"onetrip: {args.code}: {exc}", file=sys.stderr)
        return 2
    store = _store(args)
    try:
        day = args.on or local_day()
        found = store.records(code)
        profile = store.profile(code, day)
    finally:
        store.engine.dispose()
    if found is None:
        print(f"{code}: no record")
        return 0
    print(json.dumps({"on": day.isoformat(), "facts": profile.facts(), **found},
                     ensure_ascii=False, indent=2))
    return 0
