"""The yearbook's KPIs computed from cases, as mergeable integer counters.

Definitions (also in the report and the README):

- 一窗受理 share: cases received at one entry point (the comprehensive window, the online
  hall or a bank) over all cases; a window case recorded at a department's own window
  (``desk: department``) does not count. It depends on how a case came in, not on rules.
- 最多跑一次 share: cases needing at most one visit over all cases. Visits: 1 for handing
  in at a window or a bank (0 online), +1 for a correction notice (the applicant comes
  back), +1 for a tolerance acceptance whose materials cannot follow online.
- 容缺 share: cases accepted with tolerance over all cases.
- materials per case: distinct materials of the case's items asked of its applicant (an
  agent's 授权委托书 only when an agent applies) minus those waived, averaged.
- slimming rate: waived materials over all catalogue materials of all cases.
- compression rate: mean of ``1 - committed / legal`` over cases whose limits share a unit.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from kernel import Decision, TimeLimit
from sandbox.history import HistoricCase

OUTCOMES = ("accepted", "accepted_with_tolerance", "correction_required", "rejected")


@dataclass(frozen=True, slots=True)
class View:
    """What the KPIs and the diff need from one decision."""

    outcome: str
    tolerated: tuple[str, ...]
    required: tuple[str, ...]
    waived: tuple[str, ...]
    committed: str
    rate_milli: int | None
    catalogue: int
    rules: frozenset[str]
    items: tuple[str, ...] = ()  # the items decided (a merged item once)


def limit_label(limit: TimeLimit) -> str:
    return f"{limit.unit}:{limit.amount}"


def _count(items: tuple[str, ...], catalogue: dict[str, Any], known: dict,
           by_agent: bool) -> int:
    """Materials the items ask of this applicant (an agent's 授权委托书 only of agents)."""
    n = known.get((items, by_agent))
    if n is None:
        n = known[(items, by_agent)] = len({m.code for i in items for m in catalogue[i].materials
                                            if by_agent or not m.agent_only})
    return n


def view(decision: Decision, catalogue: dict[str, Any], known: dict | None = None,
         by_agent: bool = False) -> View:
    """``known`` caches material counts by item set across calls."""
    items = tuple(d.item for d in decision.items)
    rate = decision.time_limits.compression_rate
    return View(
        outcome=decision.outcome,
        tolerated=tuple(m.material for m in decision.tolerated),
        required=tuple(m.material for m in decision.required),
        waived=tuple(w.material for w in decision.waived),
        committed=limit_label(decision.time_limits.committed),
        rate_milli=None if rate is None else round(rate * 1000),
        catalogue=_count(items, catalogue, {} if known is None else known, by_agent),
        rules=frozenset(f"{t.ruleset}/{t.rule}" for t in decision.trace if t.status == "fired"),
        items=items,
    )


def visits(v: View, case: HistoricCase) -> int:
    """Visits the applicant makes under this decision (see the module's definitions)."""
    first = 0 if case.application.channel == "online" else 1
    correction = v.outcome == "correction_required"
    follow_up = v.outcome == "accepted_with_tolerance" and not case.supplement_online
    return first + correction + follow_up


def working_days(v: View) -> int | None:
    """The committed limit in working days, None in another unit."""
    unit, _, amount = v.committed.partition(":")
    return int(amount) if unit == "working_days" else None


def one_window(case: HistoricCase) -> bool:
    return case.application.channel != "window" or case.desk != "department"


@dataclass
class Kpis:
    """Counters for one policy over some cases; ``merge`` adds another chunk's counters."""

    cases: int = 0
    one_window: int = 0
    one_trip: int = 0
    tolerance: int = 0
    catalogue: int = 0
    waived: int = 0
    rate_sum_milli: int = 0
    rate_n: int = 0
    outcomes: Counter = field(default_factory=Counter)
    committed: Counter = field(default_factory=Counter)
    materials: Counter = field(default_factory=Counter)

    def add(self, v: View, case: HistoricCase) -> None:
        self.cases += 1
        self.one_window += one_window(case)
        self.one_trip += visits(v, case) <= 1
        self.tolerance += v.outcome == "accepted_with_tolerance"
        self.catalogue += v.catalogue
        self.waived += len(v.waived)
        if v.rate_milli is not None:
            self.rate_sum_milli += v.rate_milli
            self.rate_n += 1
        self.outcomes[v.outcome] += 1
        self.committed[v.committed] += 1
        self.materials[v.catalogue - len(v.waived)] += 1

    def merge(self, other: Kpis) -> None:
        for name in ("cases", "one_window", "one_trip", "tolerance", "catalogue", "waived",
                     "rate_sum_milli", "rate_n"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("outcomes", "committed", "materials"):
            getattr(self, name).update(getattr(other, name))

    def figures(self) -> dict[str, float | None]:
        """The KPIs as shares and averages (None when there is nothing to average)."""
        n = self.cases

        def share(x: int, d: int = n) -> float | None:
            return round(x / d, 4) if d else None

        return {
            "one_window_share": share(self.one_window),
            "one_trip_share": share(self.one_trip),
            "tolerance_share": share(self.tolerance),
            "materials_per_case": share(self.catalogue - self.waived),
            "slimming_rate": share(self.waived, self.catalogue),
            "compression_rate": share(self.rate_sum_milli, self.rate_n * 1000),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "cases": self.cases, "kpis": self.figures(),
            "outcomes": {k: self.outcomes.get(k, 0) for k in OUTCOMES},
            "committed": dict(sorted(self.committed.items())),
            "materials_per_case": {str(k): v for k, v in sorted(self.materials.items())},
        }


@dataclass
class Recorded:
    """What the history itself says happened (rows that carry it)."""

    with_outcome: int = 0
    outcomes: Counter = field(default_factory=Counter)
    with_visits: int = 0
    one_trip: int = 0

    def add(self, case: HistoricCase) -> None:
        then = case.then
        if then is None:
            return
        if then.outcome:
            self.with_outcome += 1
            self.outcomes[then.outcome] += 1
        if then.visits is not None:
            self.with_visits += 1
            self.one_trip += then.visits <= 1

    def merge(self, other: Recorded) -> None:
        self.with_outcome += other.with_outcome
        self.with_visits += other.with_visits
        self.one_trip += other.one_trip
        self.outcomes.update(other.outcomes)

    def to_json(self) -> dict[str, Any]:
        w = self.with_outcome
        return {
            "cases_with_outcome": w, "cases_with_visits": self.with_visits,
            "one_trip_share": round(self.one_trip / self.with_visits, 4) if self.with_visits
            else None,
            "tolerance_share": round(self.outcomes["accepted_with_tolerance"] / w, 4) if w
            else None,
            "outcomes": {k: self.outcomes.get(k, 0) for k in OUTCOMES},
        }
