"""``onetrip project plan FILE``: a project's approval chain, as a table or as JSON."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    project = subparsers.add_parser("project", help="construction projects (工程建设项目)")
    sub = project.add_subparsers(dest="project_command", required=True)
    p = sub.add_parser("plan", help="the approval chain of a project JSON file (dry run)")
    p.add_argument("file", help="project JSON: owner, kind, land supply, items by stage, dates")
    p.add_argument("--json", action="store_true", help="print the plan as JSON")
    p.add_argument("--db", help="database to read credit records from (as onetrip evaluate)")
    p.set_defaults(func=_plan)


def _fail(message: str) -> int:
    print(f"onetrip: {message}", file=sys.stderr)
    return 2


def _plan(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from calendars import CalendarCoverageError
    from kernel.cli import _dry_run_db
    from kernel.core import InputError, Kernel
    from plugins.projects import plugin_of
    from plugins.projects.models import Project

    try:
        project = Project.model_validate_json(Path(args.file).read_bytes())
    except OSError as exc:
        return _fail(f"{args.file}: {exc}")
    except ValidationError as exc:
        err = exc.errors()[0]
        return _fail(f"{args.file}: {'.'.join(map(str, err['loc']))}: {err['msg']}")
    kernel = Kernel.start(open_db=lambda _: _dry_run_db(args.db))
    try:
        plan = plugin_of(kernel).plan(project)
    except InputError as exc:
        return _fail(f"{args.file}: {exc.field}: {exc}")
    except CalendarCoverageError as exc:
        return _fail(f"{args.file}: {exc}")
    finally:
        kernel.close()
    if args.json:
        print(plan.model_dump_json(indent=2))
    else:
        print(table(plan))
    return 0


def table(plan: Any) -> str:
    """The plan for a reader: stages, steps, the critical path, totals and savings."""
    lines = [f"{plan.project}  {plan.name}  ({plan.kind})",
             f"chain: legal {plan.legal.amount} → committed {plan.committed.amount} working days"
             f"  ({plan.start} → {plan.end}; legal route to {plan.legal_end})"]
    if plan.provisional:
        lines.append(f"provisional: counted through {plan.provisional_years} "
                     "(holiday notice not yet published)")
    for stage in plan.stages:
        lines.append("")
        lines.append(f"{stage.name} [{stage.stage}]  legal {stage.legal.amount} / committed "
                     f"{stage.committed.amount}  {stage.start} → {stage.end}")
        for s in stage.steps:
            mark = "*" if s.critical else " "
            merged = f" = {' + '.join(s.merges)}" if s.merges else ""
            paused = sum(p.working_days for p in s.pauses)
            extra = f"  paused {paused}" if paused else ""
            extra += f"  completed {s.completed_on}" + (" LATE" if s.late else "") \
                if s.completed_on else ""
            lines.append(
                f" {mark} {s.item:<26} {s.department:<20} legal {_n(s.legal):>3}  committed "
                f"{_n(s.committed):>3}  {s.start} → {s.due.committed} (legal {s.due.legal})"
                f"{extra}{merged}")
        lines.append(f"   critical path: {' → '.join(stage.critical_path)}")
    lines.append("")
    lines.append("departments:")
    for d in plan.departments:
        lines.append(f"  {d.department:<20} legal {d.legal.amount:>4}  committed "
                     f"{d.committed.amount:>4}")
    lines.append("savings against the legal chain (working days):")
    for s in plan.savings:
        lines.append(f"  {s.days:>4}  {s.rule or 'implementation lists'}  {s.title}")
    for n in plan.not_required:
        lines.append(f"not required: {n.item}: {'；'.join(n.reasons)}")
    return "\n".join(lines)


def _n(limit: Any) -> str:
    return "即办" if limit.unit == "on_the_spot" else str(limit.amount)
