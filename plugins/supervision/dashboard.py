"""What the hall dashboard shows: today's cases by window and level, and the rest by period."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from kernel.decide import HALL_TZ
from kernel.store.db import reading
from kernel.store.tables import Case
from plugins.supervision.caseinfo import responsible
from plugins.supervision.kpis import kpis
from plugins.supervision.service import Supervision, day_end


def cases_of_day(sv: Supervision, day: date, department: str | None = None) -> dict[str, Any]:
    """Cases submitted on ``day`` by window (with its level and kind), by level and outcome."""
    start = datetime.combine(day, time(), HALL_TZ)
    with reading(sv.engine) as s:
        rows = s.execute(select(Case.items, Case.application, Case.outcome).where(
            Case.submitted_at >= start, Case.submitted_at < start + timedelta(days=1))).all()
    windows: Counter = Counter()
    levels: Counter = Counter()
    outcomes: Counter = Counter()
    for r in rows:
        party = responsible(sv.kernel, r.items, r.application)
        if department is not None and party.department != department:
            continue
        windows[party.window, party.level, party.kind] += 1
        levels[party.level] += 1
        outcomes[r.outcome] += 1
    return {"day": day.isoformat(), "cases": sum(levels.values()),
            "by_window": [{"window": w, "level": lv, "kind": k, "cases": n}
                          for (w, lv, k), n in sorted(windows.items())],
            "by_level": dict(sorted(levels.items())), "by_outcome": dict(sorted(outcomes.items()))}


def oa_rates(sv: Supervision, start: date | None, end: date | None,
             department: str | None) -> dict[str, Any] | None:
    """The OA plugin's delay and error rates, when it is loaded."""
    if "oa" not in sv.kernel.plugins:  # loaded, it made its tables when the store opened
        return None
    from plugins.oa.metrics import metrics

    return metrics(sv.engine, start, end, department)


def all_kpis(sv: Supervision, start: date | None, end: date | None,
             department: str | None) -> dict[str, Any]:
    """GET /v1/kpis: the catalogue's and the cases' figures, satisfaction, OA rates."""
    oa = oa_rates(sv, start, end, department)
    return kpis(sv.kernel, start, end, department,
                satisfaction=sv.satisfaction(start, end, department)["overall"],
                oa=oa and oa["overall"])


def dashboard(sv: Supervision, day: date, start: date | None, end: date | None,
              department: str | None, thresholds: dict[str, int]) -> dict[str, Any]:
    """Everything the page draws, read at the close of ``day``."""
    oa = oa_rates(sv, start, end, department)
    warnings = sv.warnings(day_end(day), thresholds)
    if department is not None:
        warnings["warnings"] = [w for w in warnings["warnings"] if w["department"] == department]
        warnings["counts"] = dict(Counter(w["level"] for w in warnings["warnings"]))
    return {
        "day": day.isoformat(), "from": start and start.isoformat(),
        "to": end and end.isoformat(), "department": department,
        "today": cases_of_day(sv, day, department),
        "warnings": warnings,
        "satisfaction": sv.satisfaction(start, end, department),
        "follow_ups_open": len(sv.follow_ups("open")),
        "accountability": sv.accountability(start, end, department)[-20:],
        "oa": oa,
        "kpis": all_kpis(sv, start, end, department),
    }
