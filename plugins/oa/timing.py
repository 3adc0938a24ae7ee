"""Step due times and chase times on the kernel's working calendar and office hours."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from plugins.oa.rules import Chase, Limit


def close_of(cal: Any, day: date) -> datetime:
    """The end of the last office session of ``day``: a day's limit runs out then."""
    office = cal.office_hours
    return datetime.combine(day, office.sessions[-1][1], tzinfo=office.tz)


def due_at(cal: Any, start: datetime, limit: Limit) -> datetime:
    """When a step started at ``start`` is due; the start day itself is never counted.

    Day limits end at the close of their last day; office hours count office time only, so
    a step arriving at 17:00 on the eve of a holiday runs on after the holiday; clock hours
    (the duty roster's, on rest days) run round the clock.
    """
    if limit.unit == "clock_hours":  # not a calendar unit: the hours just pass
        return start.astimezone(cal.office_hours.tz) + timedelta(hours=limit.amount)
    when = cal.due(start, limit).when
    # A day limit (即办 included: the day the office is next open) runs to that day's close.
    return when if isinstance(when, datetime) else close_of(cal, when)


def _elapsed_today(cal: Any, when: datetime) -> int:
    """Office minutes on ``when``'s day before ``when`` (0 on a rest day)."""
    local = when.astimezone(cal.office_hours.tz)
    if not cal.is_working_day(local.date()):
        return 0
    now = timedelta(hours=local.hour, minutes=local.minute, seconds=local.second)
    total = timedelta()
    for start, end in cal.office_hours.sessions:
        s, e = _td(start), _td(end)
        total += min(max(now - s, timedelta()), e - s)
    return int(total.total_seconds() // 60)


def _td(t: time) -> timedelta:
    return timedelta(hours=t.hour, minutes=t.minute)


def office_minutes(cal: Any, a: datetime, b: datetime) -> int:
    """Office minutes between ``a`` and ``b`` (``a`` <= ``b``) on the calendar."""
    tz = cal.office_hours.tz
    da, db = a.astimezone(tz).date(), b.astimezone(tz).date()
    per_day = sum(int((_td(e) - _td(s)).total_seconds() // 60)
                  for s, e in cal.office_hours.sessions)
    # Whole working days in [da, db): those in (da, db], less db's, plus da's.
    days = (cal.working_days_between(da, db) - cal.is_working_day(db)
            + cal.is_working_day(da))
    return days * per_day + _elapsed_today(cal, b) - _elapsed_today(cal, a)


def chase_at(cal: Any, start: datetime, due: datetime, chase: Chase | None,
             clock: bool = False) -> datetime | None:
    """When to chase a step, always before it is due; None when no rule asks for chasing.

    ``clock``: the step runs in clock hours, and so does its chasing (``office_hours_before``
    then counts clock hours).
    """
    if chase is None:
        return None
    if clock:
        total = int((due - start).total_seconds() // 60)
        return start + timedelta(minutes=_chase_minutes(total, chase))
    total = office_minutes(cal, start, due)
    return cal.add_office_hours(start, timedelta(minutes=_chase_minutes(total, chase)))


def _chase_minutes(total: int, chase: Chase) -> int:
    """Minutes into a step of ``total`` minutes at which to chase it."""
    if chase.percent is not None:
        minutes = total * chase.percent // 100
    else:
        minutes = max(total - chase.office_hours_before * 60, 0)
    return 0 if minutes >= total else minutes  # a limit too short to chase inside: at once
