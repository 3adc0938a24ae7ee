"""`onetrip calendar …` commands: deadlines, working-day counts, a year's schedule, new notices."""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

from .calendar import WorkingCalendar, china
from .deadline import Deadline
from .install import install_override


class _OneLineParser(argparse.ArgumentParser):
    """Usage mistakes give one line on stderr and exit 2, like every other bad input here."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def register(subparsers: Any) -> None:
    """Add the `calendar` command to the kernel CLI's subparsers."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--region", help="ISO 3166-2:CN region code for regional days, e.g. GX")
    common.add_argument(
        "--override", action="append", default=[], metavar="FILE",
        help="extra override file (YAML); may repeat",
    )
    cal = subparsers.add_parser(
        "calendar", help="Chinese working-day calendar",
        description="Working days, deadlines and holiday schedules (法定节假日与调休).",
    )
    cal.set_defaults(func=lambda args: _usage(cal))
    sub = cal.add_subparsers(title="commands", metavar="COMMAND", parser_class=_OneLineParser)

    p = sub.add_parser("add", parents=[common], help="due date: DATE plus N working days")
    p.add_argument("date", help="start date, YYYY-MM-DD (not counted)")
    p.add_argument("n", help="number of working days (or calendar days with --calendar-days)")
    p.add_argument("--calendar-days", action="store_true",
                   help="count calendar days; a last day that is a rest day moves forward")
    p.set_defaults(func=_wrap(_add))

    p = sub.add_parser("between", parents=[common], help="working days in (A, B]")
    p.add_argument("a", help="YYYY-MM-DD")
    p.add_argument("b", help="YYYY-MM-DD")
    p.set_defaults(func=_wrap(_between))

    p = sub.add_parser("hours", parents=[common], help="due time: DATETIME plus H office hours")
    p.add_argument("datetime", help="ISO datetime with offset, e.g. 2026-03-06T16:45+08:00")
    p.add_argument("hours", help="office hours (1, 1.5) or minutes with an m suffix (90m)")
    p.set_defaults(func=_wrap(_hours))

    p = sub.add_parser("day", parents=[common], help="is DATE a working day, and why")
    p.add_argument("date", help="YYYY-MM-DD")
    p.set_defaults(func=_wrap(_day))

    p = sub.add_parser("year", parents=[common], help="holidays and make-up days with sources")
    p.add_argument("year", help="e.g. 2026")
    p.set_defaults(func=_wrap(_year))

    p = sub.add_parser("coverage", parents=[common], help="years whose schedule is known")
    p.set_defaults(func=_wrap(_coverage))

    p = sub.add_parser("load", help="check a notice's override file and add it to the hall's "
                       "notice folder")
    p.add_argument("file", help="override file (YAML) copying a State Council notice")
    p.add_argument("--dir", help="notice folder (default: $ONETRIP_CALENDAR_DIR)")
    p.add_argument("--replace", action="store_true", help="replace a file of the same name")
    p.add_argument("--db", help="database whose open cases are counted again (default "
                   "ONETRIP_DATABASE_URL, or onetrip.db if it exists)")
    p.set_defaults(func=_load)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_usage(sys.stderr)
    return 2


def _wrap(command: Callable[[argparse.Namespace, WorkingCalendar], str]) -> Callable[..., int]:
    def run(args: argparse.Namespace) -> int:
        try:
            cal = china(args.region, args.override)
            print(command(args, cal))
        except (ValueError, TypeError) as e:
            return _error(e)
        return 0

    return run


def _error(e: Exception) -> int:
    # Coverage and override errors are ValueErrors: one line, exit 2, never a date.
    print(f"onetrip calendar: error: {' '.join(str(e).split())}", file=sys.stderr)
    return 2


def _answer(deadline: Deadline, text: str) -> str:
    """The date on stdout for scripts; a provisional one is said on stderr, never hidden."""
    if deadline.provisional:
        print(f"onetrip calendar: provisional: {deadline.note}", file=sys.stderr)
    return text


def _date(text: str) -> dt.date:
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return dt.date.fromisoformat(text)
    except ValueError as e:
        raise ValueError(f"expected a date YYYY-MM-DD, got {text!r} ({e})") from e
    raise ValueError(f"expected a date YYYY-MM-DD, got {text!r}")


def _int(text: str, what: str) -> int:
    if not re.fullmatch(r"\d+", text):
        raise ValueError(f"{what} must be a whole number >= 0, got {text!r}")
    return int(text)


def _add(args: argparse.Namespace, cal: WorkingCalendar) -> str:
    start, n = _date(args.date), _int(args.n, "N")
    due = cal.due(start, ("calendar_days" if args.calendar_days else "working_days", n))
    return _answer(due, due.day.isoformat())


def _between(args: argparse.Namespace, cal: WorkingCalendar) -> str:
    return str(cal.working_days_between(_date(args.a), _date(args.b)))


def _hours(args: argparse.Namespace, cal: WorkingCalendar) -> str:
    try:
        start = dt.datetime.fromisoformat(args.datetime)
    except ValueError as e:
        raise ValueError(f"expected an ISO datetime, got {args.datetime!r}") from e
    text = args.hours.strip()
    try:
        amount: Any = (
            dt.timedelta(minutes=_int(text[:-1], "minutes")) if text.endswith("m")
            else Decimal(text)
        )
    except InvalidOperation as e:
        raise ValueError(f"expected hours such as 1.5 or minutes such as 90m, got {text!r}") from e
    due = cal.due(start, ("office_hours", amount))
    return _answer(due, due.when.isoformat(timespec="minutes"))


def _day(args: argparse.Namespace, cal: WorkingCalendar) -> str:
    day = _date(args.date)
    kind = "working day" if cal.is_working_day(day) else "rest day"
    info = cal.info(day)
    text = f"{day} {day:%a} {kind}" + (f"  {info.name}  [{info.source}]" if info else "")
    return text + ("  (provisional)" if day.year in cal.provisional_years else "")


def _year(args: argparse.Namespace, cal: WorkingCalendar) -> str:
    rows = []
    for e in cal.year(_int(args.year, "YEAR")):
        kind = "上班 workday" if e.working else "休息 holiday"
        rows.append(f"{e.day} {e.day:%a}  {kind}  {e.name}  [{e.source}]")
    return "\n".join(rows)


def _coverage(args: argparse.Namespace, cal: WorkingCalendar) -> str:
    known = " ".join(str(y) for y in cal.covered_years)
    later = " ".join(str(y) for y in cal.provisional_years)
    return known + (f"\nprovisional: {later}" if later else "")


def _load(args: argparse.Namespace) -> int:
    try:
        done = install_override(args.file, args.dir, replace=args.replace)
    except (ValueError, OSError) as e:
        return _error(e)
    covers = " ".join(map(str, done.covers)) or "no whole year"
    settled = " ".join(map(str, done.settled)) or "none"
    print(f"{done.path}: covers {covers}; no longer provisional: {settled}")
    # Whoever runs the command line above the calendar (the kernel's) may recount what was
    # counted on the old schedule: a root default ``after_load(args, installed) -> str | None``.
    after = getattr(args, "after_load", None)
    if after is not None:
        said = after(args, done)
        if said:
            print(said)
    return 0
