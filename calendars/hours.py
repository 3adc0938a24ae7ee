"""Office hours and hour limits ("mortgage registration within 1 hour") counted in office time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from .days import WorkingDays
from .zone import HALL_ZONE, aware

_US_PER_MINUTE = 60_000_000


class OfficeHours(BaseModel):
    """The office's opening sessions on a working day, as wall-clock times in `timezone`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sessions: tuple[tuple[dt.time, dt.time], ...] = (
        (dt.time(9, 0), dt.time(12, 0)),
        (dt.time(13, 30), dt.time(17, 30)),
    )
    timezone: str = HALL_ZONE

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"unknown time zone {v!r}") from e
        return v

    @model_validator(mode="after")
    def _ordered_sessions(self) -> OfficeHours:
        if not self.sessions:
            raise ValueError("office hours need at least one session")
        previous_end: dt.time | None = None
        for start, end in self.sessions:
            for t in (start, end):
                if t.tzinfo is not None or t.second or t.microsecond:
                    raise ValueError(f"session times are local wall-clock minutes, got {t}")
            if not start < end:
                raise ValueError(f"a session must end after it starts: {start}–{end}")
            if previous_end is not None and start < previous_end:
                raise ValueError("sessions must be in order and must not overlap")
            previous_end = end
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


DEFAULT_OFFICE_HOURS = OfficeHours()


def _us(t: dt.time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


def _spans(office: OfficeHours) -> list[tuple[int, int]]:
    """(start, length) of each session in microseconds from midnight."""
    return [(_us(s), _us(e) - _us(s)) for s, e in office.sessions]


def to_minutes(hours: int | float | Decimal | dt.timedelta) -> int:
    """A limit in hours (int, float, Decimal) or a timedelta, as a whole number of minutes.

    Limits are counted to the minute; a value that is not a whole number of minutes (1/3 hour as
    a float) is refused rather than rounded, because rounding would move a legal deadline.
    """
    if isinstance(hours, bool):
        raise TypeError("expected a number of hours, got a bool")
    if isinstance(hours, dt.timedelta):
        us = hours // dt.timedelta(microseconds=1)
        if us % _US_PER_MINUTE:
            raise ValueError(f"{hours} is not a whole number of minutes")
        minutes = us // _US_PER_MINUTE
    elif isinstance(hours, int | float | Decimal):
        try:
            # str() of a float is its shortest repr: 0.25 -> '0.25', not a binary expansion.
            value = Decimal(str(hours)) if isinstance(hours, float) else Decimal(hours)
        except InvalidOperation as e:
            raise ValueError(f"not a number of hours: {hours!r}") from e
        if not value.is_finite():
            raise ValueError(f"not a number of hours: {hours!r}")
        exact = value * 60
        if exact != exact.to_integral_value():
            raise ValueError(f"{hours} hours is not a whole number of minutes")
        minutes = int(exact)
    else:
        raise TypeError(f"expected hours as int, float, Decimal or timedelta, got {hours!r}")
    if minutes < 0:
        raise ValueError(f"a limit must not be negative, got {hours}")
    return minutes


def local(d: dt.datetime, office: OfficeHours) -> dt.datetime:
    """`d` in the office time zone; naive datetimes are refused (whose 16:45 would it be?)."""
    return aware(d).astimezone(office.tz)


def add_office_hours(
    days: WorkingDays,
    start: dt.datetime,
    hours: int | float | Decimal | dt.timedelta,
    office: OfficeHours,
) -> dt.datetime:
    """Count `hours` of office time from `start` on these working days.

    Time before opening, over lunch, after closing and on rest days does not count. A limit that
    runs out exactly at the end of a session is due at that end (12:00, not 13:30). A zero limit
    returns `start` if the office is open then, else the next opening.
    """
    amount = to_minutes(hours) * _US_PER_MINUTE
    here = local(start, office)
    spans = _spans(office)
    per_day = sum(length for _, length in spans)
    # Office time elapsed on here's day before `here`, clipped to each session.
    t = _us(here.time())
    offset = sum(min(max(t - s, 0), length) for s, length in spans)
    index = days.index_from(here.date())
    if not days.is_working_day(here.date()):
        offset = 0  # a rest day: counting starts at the next working day's opening
    position = index * per_day + offset + amount
    day_index, into = divmod(position, per_day)
    if into == 0 and amount > 0:
        day_index, into = day_index - 1, per_day  # ends at the close, not the next opening
    day = days.day_at(day_index, here.date())
    cumulative = 0
    for s, length in spans:
        # With a positive limit the earlier session's end wins; a zero limit waits for opening.
        if into < cumulative + length or (amount > 0 and into == cumulative + length):
            wall = dt.datetime.combine(day, dt.time()) + dt.timedelta(
                microseconds=s + into - cumulative
            )
            return wall.replace(tzinfo=office.tz)
        cumulative += length
    raise AssertionError("unreachable: `into` always falls in a session")
