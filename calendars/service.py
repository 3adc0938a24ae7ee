"""Service calendar: when each hall's windows accept cases (周末延时服务), apart from working days.

A service day is not a working day: a case a hall accepts at its Saturday service is served
that Saturday, but its limits count from the next working day (the receipt rule). This module
only says whether and how a window is open at a moment; the kernel decides what follows.
"""

from __future__ import annotations

import datetime as dt
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Annotated, Literal, NamedTuple

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, model_validator

from .days import WorkingDays
from .zone import HALL_TZ, aware

SERVICE_FILE = Path(__file__).with_name("service.yaml")
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[str, ...] = Weekday.__args__


def _clock_time(value: object) -> dt.time:
    # YAML reads an unquoted 09:00 as the number 540 (base 60): only "HH:MM" text is a time.
    if isinstance(value, dt.time):
        return value
    if isinstance(value, str) and len(value) == 5 and value[2] == ":":
        return dt.time.fromisoformat(value)
    raise ValueError(f"write a time as quoted \"HH:MM\", got {value!r}")


Time = Annotated[dt.time, BeforeValidator(_clock_time)]
Session = tuple[Time, Time]
OFFICE = ((dt.time(9, 0), dt.time(12, 0)), (dt.time(13, 30), dt.time(17, 30)))


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _ordered(sessions: tuple[Session, ...]) -> None:
    end = None
    for start, stop in sessions:
        if not start < stop or (end is not None and start < end):
            raise ValueError("sessions must each end after they start, in order, not overlapping")
        end = stop


class RestDayService(_Spec):
    """Service on rest days (周末延时服务): which weekdays, when, and for which departments."""

    days: Annotated[tuple[Weekday, ...], Field(min_length=1)]
    sessions: Annotated[tuple[Session, ...], Field(min_length=1)]
    departments: tuple[str, ...] = Field(
        (), description="departments whose items are served then; empty: every department")
    from_: dt.date = Field(alias="from")
    until: dt.date | None = Field(None, description="last day of the service (inclusive)")
    holidays: bool = Field(False, description="also on statutory holidays (default: weekends "
                           "outside the holiday periods only)")

    @model_validator(mode="after")
    def _check(self) -> RestDayService:
        _ordered(self.sessions)
        return self


class Hall(_Spec):
    """One hall (or point) and the windows it runs, by window code pattern (``510900-ZW-*``)."""

    name: str = Field(min_length=1)
    windows: Annotated[tuple[str, ...], Field(min_length=1)]
    working_days: Annotated[tuple[Session, ...], Field(min_length=1)] = OFFICE
    rest_days: tuple[RestDayService, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> Hall:
        _ordered(self.working_days)
        return self

    def describe(self) -> str:
        """The hall's service times, in a sentence for error messages."""
        text = f"{self.name}: working days {_times(self.working_days)}"
        for r in self.rest_days:
            text += f"; {', '.join(r.days)} {_times(r.sessions)} from {r.from_}"
            text += f" until {r.until}" if r.until else ""
        return text


class Opening(NamedTuple):
    """A window open at a moment: its hall, whether the day is a rest day (a service day that
    is not a working day), and the departments served then (empty: all)."""

    hall: Hall
    rest_day: bool
    departments: tuple[str, ...]


class ServiceCalendar(_Spec):
    """The halls whose service times are known; windows of other halls are not checked."""

    source: str = Field(min_length=1)
    halls: tuple[Hall, ...] = ()
    _found: dict[str, Hall | None] = PrivateAttr(default_factory=dict)

    def hall_of(self, window: str) -> Hall | None:
        """The first hall one of whose window patterns matches ``window``."""
        found = self._found.get(window, False)
        if found is False:
            found = next((h for h in self.halls
                          if any(fnmatchcase(window, p) for p in h.windows)), None)
            if len(self._found) < 10_000:  # window codes are few; input is not trusted
                self._found[window] = found
        return found

    def opening(self, hall: Hall, at: dt.datetime, days: WorkingDays) -> Opening | None:
        """How ``hall`` is open at ``at`` (an aware moment), or None when it is closed."""
        local = aware(at).astimezone(HALL_TZ)
        day, now = local.date(), local.time()
        if days.is_working_day(day):
            return Opening(hall, False, ()) if _within(hall.working_days, now) else None
        holiday = _in_holiday_period(day, days)
        for r in hall.rest_days:
            if (WEEKDAYS[day.weekday()] in r.days and r.from_ <= day
                    and (r.until is None or day <= r.until) and (r.holidays or not holiday)
                    and _within(r.sessions, now)):
                return Opening(hall, True, r.departments)
        return None


def _in_holiday_period(day: dt.date, days: WorkingDays) -> bool:
    """A rest day in a run of rest days that holds a statutory holiday: the weekend inside
    or next to a holiday (2019-10-05 of 国庆 1–7 October) belongs to it, not to the service."""
    for step in (-1, 1):
        d = day
        while not days.is_working_day(d):
            info = days.info(d)
            if info is not None and not info.working:
                return True
            d += dt.timedelta(days=step)
    return False


def _within(sessions: tuple[Session, ...], now: dt.time) -> bool:
    return any(start <= now < end for start, end in sessions)


def _times(sessions: tuple[Session, ...]) -> str:
    return ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in sessions)
