"""The ``onetrip`` command line."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from kernel.ids import mask_logs
from kernel.manager import PluginError, build_manager, call_each
from kernel.yamlsrc import SourceError

# What `onetrip --help` loads is what every command pays: the database and HTTP stacks,
# the kernel core and the models are imported by the commands that use them.


def _kernel(args: argparse.Namespace):
    from kernel.store import start_kernel

    return start_kernel(**({"db_url": args.db} if getattr(args, "db", None) else {}))


def _dry_run_db(url: str | None) -> Any:
    """The store a dry run reads: the configured database if there is one, else an empty one
    in memory, so plugins that look things up (credit) still answer. A database file is
    never created here and the kernel's tables are never migrated."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import StaticPool

    # kernel.store.db.database_url's defaults, not imported: that module loads alembic
    url = url or os.environ.get("ONETRIP_DATABASE_URL") or "sqlite:///onetrip.db"
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or (
            parsed.database not in (None, "", ":memory:") and Path(parsed.database).is_file()):
        return create_engine(url)
    return create_engine("sqlite://", poolclass=StaticPool)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from kernel.catalogue import UnknownItem
    from kernel.core import InputError, Kernel

    try:
        data = json.loads(Path(args.case).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        return _fail(f"{args.case}: {exc}")
    kernel = Kernel.start(open_db=lambda _: _dry_run_db(args.db))
    try:
        decision, _ = kernel.evaluate(data.get("application", data))
    except ValidationError as exc:
        err = exc.errors()[0]
        return _fail(f"{args.case}: {'.'.join(map(str, err['loc']))}: {err['msg']}")
    except (InputError, UnknownItem) as exc:
        return _fail(f"{args.case}: {exc.field}: {exc}")
    finally:
        kernel.close()
    print(decision.model_dump_json(indent=2))
    return 0


def cmd_lint(args: argparse.Namespace) -> int:
    """Every rule file, the catalogue and the plugins' own rules; errors exit 1."""
    from kernel.core import Kernel
    from kernel.lint import lint

    try:
        kernel = Kernel.start()  # no store: linting reads rule files only
    except PluginError as exc:  # a plugin's own rules that do not load stop its start-up
        if isinstance(exc.exc, SourceError):
            print(exc.exc, file=sys.stderr)
            return 1
        raise
    try:
        findings = lint(kernel, [Path(p) for p in args.paths] or None)
    finally:
        kernel.close()
    for finding in findings:
        print(finding, file=sys.stderr)
    errors = sum(f.severity == "error" for f in findings)
    if errors:
        print(f"{errors} error(s), {len(findings) - errors} warning(s)")
        return 1
    print(f"{len(kernel.rulebook.files)} rulesets, {len(kernel.rulebook.rules)} rules, "
          f"{len(kernel.items.items)} items, {len(kernel.own_rulebooks())} plugin rulebooks: "
          f"ok ({len(findings)} warning(s))")
    return 0


def cmd_plugins(args: argparse.Namespace) -> int:
    """Every plugin with its version and distribution; a broken one says why (exit 1)."""
    from kernel.manager import describe

    rows = describe(build_manager(strict=False))
    for row in rows:
        what = (", ".join(row["hooks"]) if row["status"] == "ok"
                else "BROKEN" + row["status"].removeprefix("broken"))
        print(f"{row['name']:<20} {row['version'] or '-':<8} "
              f"{row['distribution'] or '(not installed)':<22} {what}")
    return 1 if any(row["status"] != "ok" for row in rows) else 0


def cmd_schema(args: argparse.Namespace) -> int:
    """The plugins' facts and actions are registered; no kernel starts (nothing is opened)."""
    from kernel.core import registries
    from kernel.schema import catalogue_schema, rules_schema

    if args.what == "rules":
        pm = build_manager()
        _, facts, actions = registries(pm)
        own = [b for _, books in call_each(pm, "onetrip_rulebooks", settings={})
               for b in books or ()]
        schema = rules_schema(actions, facts, own)
    else:
        schema = catalogue_schema()
    print(json.dumps(schema, ensure_ascii=False, indent=2))
    return 0


def cmd_facts(args: argparse.Namespace) -> int:
    """The facts rules may name; no kernel starts."""
    from kernel.core import registries
    from kernel.schema import fact_rows

    pm = build_manager()
    _, facts, _ = registries(pm)
    own = [b for _, books in call_each(pm, "onetrip_rulebooks", settings={}) for b in books or ()]
    rows = fact_rows(facts, own)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for row in rows:
        who = row["plugin"] + (", applicant" if row["applicant"] else "")
        book = "" if row["rulebook"] == "cases" else f" [{row['rulebook']} rules]"
        print(f"{row['name']:<34} {row['type']:<8} {who:<30} {row['description']}{book}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import logging

    from kernel.http.serve import serve

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return serve(args.host, args.port, args.db, args.workers, args.config, args.rules)


def cmd_sweep(args: argparse.Namespace) -> int:
    from datetime import datetime

    from kernel.store.lifecycle import Lifecycle

    try:
        as_of = datetime.fromisoformat(args.as_of) if args.as_of else None
    except ValueError as exc:
        return _fail(f"--as-of: {exc}")
    if as_of is not None and as_of.tzinfo is None:
        return _fail("--as-of: give a time zone, e.g. 2019-08-30T12:00:00+08:00")
    kernel = _kernel(args)
    try:
        print(f"{Lifecycle(kernel).sweep(as_of)} timer(s) fired")
    finally:
        kernel.close()
    return 0


def after_calendar_load(args: argparse.Namespace, installed: Any) -> str | None:
    """After ``onetrip calendar load``: recount the open cases of the configured database
    (``--db``, ONETRIP_DATABASE_URL, or an existing onetrip.db); None when there is none."""
    url = args.db or os.environ.get("ONETRIP_DATABASE_URL")
    if url is None and Path("onetrip.db").is_file():
        url = "sqlite:///onetrip.db"
    if url is None:
        return None
    if args.dir:  # the cases' calendar reads the folder the notice went to
        os.environ["ONETRIP_CALENDAR_DIR"] = str(Path(args.dir).resolve())
    from kernel.store import start_kernel
    from kernel.store.lifecycle import Lifecycle

    years = (*installed.covers, *installed.settled)
    kernel = start_kernel(db_url=url)
    try:
        moved = Lifecycle(kernel).recompute_due(since=min(years) if years else None)
    finally:
        kernel.close()
    return f"{moved} open case(s) with new due dates"


def cmd_new_plugin(args: argparse.Namespace) -> int:
    from kernel.newplugin import check_name, write

    why = check_name(args.name)
    if why:
        return _fail(f"{args.name!r}: {why}")
    folder = Path(args.dir or f"onetrip-{args.name.replace('_', '-')}")
    if folder.exists():
        return _fail(f"{folder} exists; give another --dir")
    for path in write(args.name, folder):
        print(path)
    print(f"next: cd {folder} && pip install -e '.[test]' && pytest")
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    try:
        from kernel.testkit import main as run
    except ImportError as exc:  # pytest is a test extra
        return _fail(f"onetrip test needs pytest (pip install 'onetrip[test]'): {exc}")
    return run(args.paths)


def _fail(message: str) -> int:
    print(f"onetrip: {message}", file=sys.stderr)
    return 2


def parser(pm: Any = None) -> argparse.ArgumentParser:
    """The command line; plugins (``pm``, default every installed one) add their commands."""
    root = argparse.ArgumentParser(prog="onetrip", description=__doc__)
    root.set_defaults(after_load=after_calendar_load)  # `calendar load` recounts open cases
    sub = root.add_subparsers(dest="command", required=True)
    p = sub.add_parser("evaluate", help="print the decision for one application (dry run)")
    p.add_argument("case", help="application JSON file")
    p.add_argument("--db", help="database to read credit records from (default "
                   "ONETRIP_DATABASE_URL, or onetrip.db if it exists, else an empty one in memory)")
    p.set_defaults(func=cmd_evaluate)
    p = sub.add_parser("lint", help="check rule files; prints file:line: message")
    p.add_argument("paths", nargs="*", help="rule folders (default: those of the plugins)")
    p.set_defaults(func=cmd_lint)
    p = sub.add_parser("new-plugin", help="write a department plugin package to start from")
    p.add_argument("name", help="plugin name, also its fact namespace (e.g. housing)")
    p.add_argument("--dir", help="folder to create (default: ./onetrip-NAME)")
    p.set_defaults(func=cmd_new_plugin)
    p = sub.add_parser("test", help="run YAML decision cases with pytest")
    p.add_argument("paths", nargs="*", help="case files or folders (default: tests/cases)")
    p.set_defaults(func=cmd_test)
    sub.add_parser("plugins", help="list plugins, versions and hooks").set_defaults(
        func=cmd_plugins)
    p = sub.add_parser("serve", help="run the HTTP API (default 127.0.0.1:8080, SQLite here)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--db", help="database URL (default ONETRIP_DATABASE_URL or onetrip.db)")
    p.add_argument("--workers", type=int, default=1, help="processes sharing the port")
    p.add_argument("--config", help="YAML config file: tokens, warnings, sweep_interval")
    p.add_argument("--rules", action="append", metavar="DIR",
                   help="rule folder to load instead of the plugins' (repeatable)")
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("sweep", help="fire due timers once (for cron)")
    p.add_argument("--as-of", help="ISO time with zone to sweep as of (default now)")
    p.add_argument("--db", help="database URL")
    p.set_defaults(func=cmd_sweep)
    p = sub.add_parser("facts", help="list the facts rules may name: type, provider, meaning")
    p.add_argument("--json", action="store_true", help="as JSON")
    p.set_defaults(func=cmd_facts)
    p = sub.add_parser("schema", help="print a JSON Schema")
    p.add_argument("what", choices=["rules", "catalogue"])
    p.set_defaults(func=cmd_schema)
    # a broken plugin loses its own commands only: --help, plugins and the rest still work
    call_each(pm or build_manager(strict=False), "onetrip_cli", subparsers=sub)
    return root


def main(argv: list[str] | None = None) -> int:
    mask_logs()
    try:
        args = parser().parse_args(argv)
        return args.func(args)
    except (PluginError, SourceError) as exc:
        return _fail(str(exc))


if __name__ == "__main__":
    sys.exit(main())
