"""Deadline: when a limit ends, and which not-yet-published years the answer counted through."""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from .statutory import note as statutory_note

UNITS = ("working_days", "calendar_days", "office_hours", "on_the_spot")


class Deadline(NamedTuple):  # a tuple: built on every deadline, it must be cheap
    """The answer of `WorkingCalendar.due`: a date (day units) or a moment (hour units).

    `provisional_years` lists the years counted through whose holiday notice is not yet
    published: their statutory days were used and no 调休, so the date may move when the
    notice arrives. Empty for an answer on known years only.
    """

    when: dt.date | dt.datetime
    provisional_years: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.provisional_years)

    @property
    def note(self) -> str | None:
        """Why the date may move, in Chinese for notices; None when it is firm."""
        return statutory_note(self.provisional_years) if self.provisional_years else None

    @property
    def day(self) -> dt.date:
        """The due date, also for a due moment (its date in the office's zone)."""
        return self.when.date() if isinstance(self.when, dt.datetime) else self.when


def limit_parts(limit: Any) -> tuple[str, Any]:
    """(unit, amount) of a limit given as a pair or as any object with `.unit` and `.amount`."""
    if isinstance(limit, tuple) and len(limit) == 2:
        unit, amount = limit
    elif hasattr(limit, "unit") and hasattr(limit, "amount"):
        unit, amount = limit.unit, limit.amount
    else:
        raise TypeError(f"a limit is (unit, amount) or has .unit and .amount, got {limit!r}")
    if unit not in UNITS:
        raise ValueError(f"unknown limit unit {unit!r}; one of {', '.join(UNITS)}")
    return unit, amount
