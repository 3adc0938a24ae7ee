"""What happened to a synthetic case: the in-force decision, visits and completion date."""

from __future__ import annotations

import random
from datetime import date, datetime
from typing import Any

from sandbox.history import HALL_TZ, HistoricCase
from sandbox.kpi import view, visits

RESULT = {"accepted": "issued", "accepted_with_tolerance": "issued",
          "correction_required": "issued", "rejected": "refused"}


def _completed(kernel: Any, decision: Any, start: date, rng: random.Random) -> date | None:
    if decision.outcome == "rejected":
        return None
    committed = decision.due.committed
    if committed is None:  # correction: the applicant comes back, then a normal review
        back = kernel.calendar.add_working_days(start, rng.randint(1, 10))
        return kernel.calendar.add_working_days(back, rng.randint(1, 20))
    end = committed.date() if isinstance(committed, datetime) else committed
    span = max(kernel.calendar.working_days_between(start, end), 0)
    late = rng.random() < 0.03  # a few cases ran over their committed limit
    days = span + rng.randint(1, 5) if late else rng.randint(min(1, span), span)
    return kernel.calendar.add_working_days(start, days)


def history_then(kernel: Any, row: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The ``then`` block of a generated row, decided by the rules in force at the time."""
    case = HistoricCase.model_validate(row)
    decision, _ = kernel.evaluate(case.application, at=case.application.submitted_at)
    start = case.application.submitted_at.astimezone(HALL_TZ).date()
    done = _completed(kernel, decision, start, rng)
    return {"outcome": decision.outcome, "visits": visits(view(decision, kernel.items.items),
                                                          case),
            "completed_on": done.isoformat() if done else None, "result": RESULT[decision.outcome]}
