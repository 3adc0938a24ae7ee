"""Chain arithmetic: a stage's steps as a graph, its length in working days, its dates.

Within a stage a step waits for the steps it needs when it runs in parallel (并联审批),
and for every step listed before it otherwise (串联); a step reviewed before some of its
needs (容缺预审) waits for none of those, and is decided no earlier than they are. A stage
ends when its last step ends; the next stage starts that day. Working days are counted
by the kernel's calendar only (``due``); lengths are agency time, pauses come on top.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Step:
    code: str
    department: str
    days: int
    needs: frozenset[str] = frozenset()  # steps of the same stage whose result it needs
    parallel: bool = False
    early: frozenset[str] = frozenset()  # needs it does not wait for (容缺预审)
    paused: int = 0  # working days of time that is not the agency's
    completed_on: date | None = None
    order: int = 0  # its place in the project's list: ties and topological order


def waits(steps: list[Step], i: int) -> list[str]:
    """The steps step ``i`` starts after."""
    step = steps[i]
    before = (n for n in step.needs) if step.parallel else (s.code for s in steps[:i])
    return [c for c in before if c not in step.early]


def length(steps: list[Step], weight: Callable[[Step], int] = lambda s: s.days) -> int:
    """Working days from the stage's start to its last step's end, by ``weight``."""
    finish: dict[str, int] = {}
    for i, step in enumerate(steps):
        start = max((finish[c] for c in waits(steps, i)), default=0)
        finish[step.code] = max([start + weight(step)] + [finish[c] for c in step.early])
    return max(finish.values(), default=0)


@dataclass
class Schedule:
    start: date
    end: date
    starts: dict[str, date] = field(default_factory=dict)
    dues: dict[str, date] = field(default_factory=dict)  # committed due, pauses added
    ends: dict[str, date] = field(default_factory=dict)  # due, or completed
    decided_by: dict[str, str | None] = field(default_factory=dict)
    critical: list[str] = field(default_factory=list)
    provisional_years: set[int] = field(default_factory=set)


class Late(ValueError):
    """A completion date before the step could start."""

    def __init__(self, code: str, day: date, start: date):
        self.code = code
        super().__init__(f"{code} completed on {day}, before it could start ({start})")


def schedule(steps: list[Step], start: date, due: Callable[[date, int], Any]) -> Schedule:
    """Each step's start and end from ``start``; ``due(day, n)`` is the calendar's Deadline
    ``n`` working days after ``day``. A completed step ends on its completion day."""
    out = Schedule(start, start)
    for i, step in enumerate(steps):
        before = waits(steps, i)
        begin = max([out.ends[c] for c in before] + [start])
        out.starts[step.code] = begin
        deadline = due(begin, step.days + step.paused)
        out.provisional_years.update(deadline.provisional_years)
        by = next((c for c in before if out.ends[c] == begin and begin > start), None)
        day = deadline.day
        for c in step.early:  # decided no earlier than the results it was reviewed without
            if out.ends[c] > day:
                day, by = out.ends[c], c
        out.dues[step.code] = day
        if step.completed_on is not None:
            if step.completed_on < begin:
                raise Late(step.code, step.completed_on, begin)
            day = step.completed_on
        out.ends[step.code], out.decided_by[step.code] = day, by
    if steps:
        last = max(steps, key=lambda s: (out.ends[s.code], -s.order))
        out.end = out.ends[last.code]
        path, code = [], last.code
        while code is not None:
            path.append(code)
            code = out.decided_by[code]
        out.critical = path[::-1]
    return out


def ordered(steps: list[Step]) -> list[Step]:
    """``steps`` in an order where each comes after its needs, else in list order.

    Raises ValueError naming a step that needs itself through others (a merge made a loop).
    """
    left = sorted(steps, key=lambda s: s.order)
    done: list[Step] = []
    names: set[str] = set()
    while left:
        ready = next((s for s in left if s.needs <= names), None)
        if ready is None:
            raise ValueError(f"{left[0].code} needs itself through {sorted(left[0].needs - names)}")
        done.append(ready)
        names.add(ready.code)
        left.remove(ready)
    return done


def merge(steps: list[Step], parts: list[str], into: Step) -> list[Step]:
    """``parts`` handled as the one step ``into``: what needed a part needs ``into``."""
    gone = set(parts)
    needs = frozenset().union(*(s.needs for s in steps if s.code in gone)) - gone
    merged = replace(into, needs=needs, order=min(s.order for s in steps if s.code in gone))
    rest = [replace(s, needs=frozenset(into.code if n in gone else n for n in s.needs),
                    early=frozenset(into.code if n in gone else n for n in s.early))
            for s in steps if s.code not in gone]
    return ordered([*rest, merged])
