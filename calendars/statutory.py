"""Statutory rest days (国务院令第795号) for years whose holiday notice is not yet published."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml

# The package's lunisolar table, re-exported by `holidays.calendars`: its public China class
# would add its own guess of substitute days, while the rule here is ours (statutory.yaml).
from holidays.calendars import _ChineseLunisolar
from pydantic import BaseModel, ConfigDict, Field, model_validator

TABLE = Path(__file__).with_name("statutory.yaml")

_LUNAR = _ChineseLunisolar()
# Lunar dates the package tabulates, by lunar month-day.
_LUNAR_DATES: dict[str, Callable[[int], tuple[dt.date | None, bool]]] = {
    "01-01": _LUNAR.lunar_new_year_date,
    "05-05": _LUNAR.dragon_boat_date,
    "08-15": _LUNAR.mid_autumn_date,
}
_SOLAR_TERMS: dict[str, Callable[[int], tuple[dt.date, bool]]] = {"清明": _LUNAR.qingming_date}


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Festival(_Frozen):
    """One festival of art. 2: `days` rest days from its anchor (plus `start` days)."""

    name: str = Field(min_length=1)
    date: str | None = Field(None, pattern=r"^\d{2}-\d{2}$")  # Gregorian MM-DD
    lunar: Literal["01-01", "05-05", "08-15"] | None = None  # lunar month-day
    solar_term: Literal["清明"] | None = None
    start: int = Field(0, ge=-1, le=0)  # 春节 starts on 除夕, the day before 正月初一
    days: int = Field(ge=1, le=7)

    @model_validator(mode="after")
    def _one_anchor(self) -> Festival:
        anchors = [a for a in (self.date, self.lunar, self.solar_term) if a is not None]
        if len(anchors) != 1:
            raise ValueError(f"{self.name}: give exactly one of date, lunar, solar_term")
        return self

    def anchor(self, year: int) -> dt.date:
        if self.date is not None:
            month, day = map(int, self.date.split("-"))
            return dt.date(year, month, day)
        found = (_LUNAR_DATES[self.lunar] if self.lunar else _SOLAR_TERMS[self.solar_term])(year)[0]
        if found is None:
            raise ValueError(f"the holidays package has no lunar date for {self.name} {year}")
        return found

    def rest_days(self, year: int) -> list[dt.date]:
        first = self.anchor(year) + dt.timedelta(days=self.start)
        return [first + dt.timedelta(days=i) for i in range(self.days)]


class Statute(_Frozen):
    """The statutory table: festivals, the substitute-day rule, horizon and the note text."""

    source: str = Field(min_length=1)
    from_year: int
    festivals: tuple[Festival, ...]
    substitute: str | None = None  # the article that gives weekend festival days back
    horizon: int = Field(ge=0, le=20)
    note: str = Field(pattern=r"\{years\}")


@lru_cache(maxsize=1)
def statute() -> Statute:
    """The table in statutory.yaml, validated once."""
    return Statute.model_validate(yaml.safe_load(TABLE.read_text(encoding="utf-8")))


def note(years: tuple[int, ...]) -> str:
    """The provisional note for these years, e.g. "2027年节假日安排尚未公布，…"."""
    return statute().note.format(years="、".join(map(str, years)))


@lru_cache(maxsize=64)
def rest_days(year: int) -> tuple[tuple[dt.date, str, str], ...]:
    """(day, name, citation) of every statutory rest day of `year` on a weekday or weekend."""
    law = statute()
    if year < law.from_year:
        raise ValueError(f"the statutory table starts in {law.from_year}, not {year}")
    named: dict[dt.date, str] = {}
    for festival in law.festivals:
        for day in festival.rest_days(year):
            # 2028: 中秋 falls on 3 Oct, a 国庆 day; the law gives no extra day for that.
            named[day] = f"{named[day]}、{festival.name}" if day in named else festival.name
    out = [(day, name, f"{law.source}第二条") for day, name in sorted(named.items())]
    if law.substitute:
        out += _substitutes(law, year, set(named))
    return tuple(sorted(out))


def _substitutes(law: Statute, year: int, rest: set[dt.date]) -> list[tuple[dt.date, str, str]]:
    """补假 for festival days on a weekend: the next weekdays after the festival that are free."""
    out = []
    for festival in law.festivals:
        days = festival.rest_days(year)
        owed = sum(d.weekday() >= 5 for d in days)
        day = days[-1]
        while owed:
            day += dt.timedelta(days=1)
            if day.weekday() < 5 and day not in rest:
                rest.add(day)
                out.append((day, f"{festival.name}（补假）", f"{law.source}{law.substitute}"))
                owed -= 1
    return out
