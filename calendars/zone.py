"""The service hall's time zone: the one definition of which day a moment falls on."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

# Beijing time is the legal time of the whole mainland: every due date is a date here.
HALL_ZONE = "Asia/Shanghai"
HALL_TZ = ZoneInfo(HALL_ZONE)


def aware(moment: dt.datetime) -> dt.datetime:
    """`moment` itself; naive datetimes are refused (whose 16:45 would it be?)."""
    if not isinstance(moment, dt.datetime):
        raise TypeError(f"expected a datetime, got {type(moment).__name__}: {moment!r}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: give a time zone, e.g. +08:00")
    return moment
