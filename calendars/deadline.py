"""Deadline: when a limit ends, as `WorkingCalendar.due` answers it."""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

UNITS = ("working_days", "calendar_days", "office_hours", "on_the_spot")


class Deadline(NamedTuple):  # a tuple: built on every deadline, it must be cheap
    """The answer of `WorkingCalendar.due`: a date (day units) or a moment (hour units)."""

    when: dt.date | dt.datetime

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
