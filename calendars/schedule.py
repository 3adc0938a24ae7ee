"""The day table: official dates, statutory days of unpublished years, override layers, coverage."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import holidays
from holidays.countries.china import ChinaStaticHolidays

from .errors import OverrideError
from .override_files import LoadedOverride, load_override
from .statutory import rest_days, statute

OVERRIDE_DIR = Path(__file__).with_name("overrides")
# The hall's own folder of notices published after this release (`onetrip calendar load`).
FOLDER_ENV = "ONETRIP_CALENDAR_DIR"


@dataclass(frozen=True)
class DayInfo:
    """A day that differs from the plain Monday–Friday week: a holiday or a make-up working day."""

    day: dt.date
    working: bool  # True: 调休 make-up working day; False: holiday (rest day)
    name: str
    source: str
    provisional: bool = False  # from the statute, in a year whose notice is not yet known


@dataclass(frozen=True)
class Schedule:
    entries: dict[dt.date, DayInfo]
    covered: frozenset[int]  # years whose notice is known
    provisional: frozenset[int] = frozenset()  # years counted on the statute alone


# Days the package carries from a notice issued after the year's own, cited by a word of the
# package's holiday name: the 2020 Spring Festival extension (春节延长假期).
_LATER_NOTICES = {
    2020: ("延长", "国务院办公厅关于延长2020年春节假期的通知（国办发明电〔2020〕1号）"),
}


@lru_cache(maxsize=1)
def package_years() -> frozenset[int]:
    """Years for which `holidays` carries a State Council notice's 调休 data.

    The package computes statutory dates for any year, but make-up days exist only where its
    China class lists the notice's substitutions; a year without them is a guess, not a schedule.
    """
    return frozenset(ChinaStaticHolidays.special_public_holidays)


@lru_cache(maxsize=1)
def package_entries() -> dict[dt.date, DayInfo]:
    """Holidays and make-up working days of every year the package officially knows."""
    entries: dict[dt.date, DayInfo] = {}
    for year in sorted(package_years()):
        # One year at a time so each day is credited to the notice that set it: a make-up day at
        # the end of December (2005-12-31) comes from the next year's notice.
        cn = holidays.China(years=year, language="zh_CN")
        notice = f"国务院办公厅关于{year}年部分节假日安排的通知"
        source = f"holidays {holidays.__version__} (CN): {notice}"
        for day, name in cn.items():
            later = _LATER_NOTICES.get(year)
            cited = source
            if later and later[0] in name:
                cited = f"holidays {holidays.__version__} (CN): {later[1]}"
            entries[day] = DayInfo(day, False, name, cited)
        for day in cn.weekend_workdays:
            if day in entries and not entries[day].working:
                raise RuntimeError(f"holidays package lists {day} as both holiday and workday")
            swapped = [d for d, n in cn.items() if day.isoformat() in n]
            name = f"调休上班（调至 {swapped[0].isoformat()} 休息）" if swapped else "调休上班"
            entries[day] = DayInfo(day, True, name, source)
    return entries


@lru_cache(maxsize=1)
def bundled_overrides() -> tuple[LoadedOverride, ...]:
    """The override files shipped in calendars/overrides/, in file-name order."""
    return tuple(load_override(p) for p in sorted(OVERRIDE_DIR.glob("*.yaml")))


def notice_folder() -> Path | None:
    """The hall's notice folder, from $ONETRIP_CALENDAR_DIR; None when it is not set."""
    value = os.environ.get(FOLDER_ENV, "").strip()
    return Path(value).resolve() if value else None


def folder_overrides(folder: Path | None) -> tuple[LoadedOverride, ...]:
    """The override files in a hall's own folder (notices loaded since release), by name."""
    if folder is None or not folder.is_dir():
        return ()
    return tuple(load_override(p) for p in sorted(folder.glob("*.yaml")))


def build_schedule(region: str | None, layers: Iterable[LoadedOverride]) -> Schedule:
    """Apply the layers (bundled first, then extra) that apply to `region` over the package data.

    A national layer's `covers` adds years to the known set. A regional layer's `covers` limits
    the region to those years: once a region has days of its own, a year without its regional
    notice is unknown there, even if the national schedule is known. The years after the last
    known one, up to the statute's horizon, get the statutory days and count provisionally.
    """
    mine = [x for x in (*bundled_overrides(), *layers) if x.spec.region in (None, region)]
    covered = set(package_years()).union(*(x.spec.covers for x in mine if x.spec.region is None))
    provisional = _provisional_years(covered)
    entries = dict(package_entries())
    for year in sorted(provisional):
        entries.update(_statutory_entries(year))
    for layer in mine:
        _apply(entries, layer)
    regional = [set(x.spec.covers) for x in mine if x.spec.region is not None and x.spec.covers]
    if regional:
        own = set().union(*regional)
        covered &= own
        provisional &= own
    return Schedule(entries, frozenset(covered), frozenset(provisional))


def _provisional_years(covered: set[int]) -> set[int]:
    """The years after the last known one, up to the horizon, that the statute can count."""
    law, last = statute(), max(covered, default=0)
    return set(range(max(last + 1, law.from_year), last + law.horizon + 1))


def _statutory_entries(year: int) -> dict[dt.date, DayInfo]:
    cited = f"{year}年放假安排尚未公布，暂按法定节假日计"
    return {day: DayInfo(day, False, name, f"{source}（{cited}）", provisional=True)
            for day, name, source in rest_days(year)}


def _apply(entries: dict[dt.date, DayInfo], layer: LoadedOverride) -> None:
    spec = layer.spec
    # Removals first: they refer to the schedule as it stood before this file.
    for key, working in (("remove_holidays", False), ("remove_workdays", True)):
        for i, day in enumerate(getattr(spec, key)):
            current = entries.get(day)
            if current is None or current.working != working:
                what = "make-up working day" if working else "holiday"
                raise OverrideError(
                    f"{layer.where((key, i))}: {key}: {day} is not a {what} in the data this "
                    "file overrides; nothing to remove"
                )
            del entries[day]
    seen: set[dt.date] = set()
    for key, working in (("holidays", False), ("workdays", True)):
        for i, item in enumerate(getattr(spec, key)):
            for day in item.days():
                if day in seen:
                    raise OverrideError(f"{layer.where((key, i))}: {key}: {day} listed twice")
                seen.add(day)
                if working and day.weekday() < 5:
                    raise OverrideError(
                        f"{layer.where((key, i))}: {key}: {day} is a {day:%A}; make-up working "
                        "days fall on weekends (to cancel a holiday use remove_holidays)"
                    )
                # Adding replaces: a holiday on a make-up day cancels it (2020-02-01 pattern).
                entries[day] = DayInfo(day, working, item.name, spec.source)
