"""Delay rate and error rate (the seed's 延误率 and 错误率), from the stored steps."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select

from kernel.store.db import reading
from plugins.oa.models import OADocument, OAStep, local_day, utc

NO_LEAD = "-"


class _Tally:
    def __init__(self) -> None:
        self.finished = self.late = self.documents = self.returned = 0

    def out(self) -> dict[str, Any]:
        return {
            "steps_finished": self.finished, "steps_late": self.late,
            "delay_rate": _rate(self.late, self.finished),
            "documents": self.documents, "documents_returned": self.returned,
            "error_rate": _rate(self.returned, self.documents),
        }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def metrics(engine: Engine, start: date | None = None, end: date | None = None,
            department: str | None = None) -> dict[str, Any]:
    """Rates overall, per lead department and per month, for days ``start``..``end``.

    Delay rate: steps finished after their due time / steps finished in the period.
    Error rate: documents returned at 初审 or 复核 / documents received in the period.
    """
    def inside(day: date) -> bool:
        return (start is None or start <= day) and (end is None or day <= end)

    with reading(engine) as s:
        docs = {d.id: d for d in s.exec(select(OADocument)).all()
                if department is None or (d.lead or NO_LEAD) == department}
        steps = [st for st in s.exec(select(OAStep)).all() if st.doc_id in docs]
    overall = _Tally()
    groups: dict[str, dict[str, _Tally]] = {"by_department": defaultdict(_Tally),
                                            "by_month": defaultdict(_Tally)}

    def tallies(doc: OADocument, day: date) -> tuple[_Tally, ...]:
        return (overall, groups["by_department"][doc.lead or NO_LEAD],
                groups["by_month"][f"{day:%Y-%m}"])

    returned = {st.doc_id for st in steps if st.result == "returned"}
    for doc in docs.values():
        if inside(day := local_day(utc(doc.received_at))):
            for t in tallies(doc, day):
                t.documents += 1
                t.returned += doc.id in returned
    for st in steps:
        if st.finished_at is not None and inside(day := local_day(utc(st.finished_at))):
            for t in tallies(docs[st.doc_id], day):
                t.finished += 1
                t.late += utc(st.finished_at) > utc(st.due_at)
    return {"from": start and start.isoformat(), "to": end and end.isoformat(),
            "department": department, "overall": overall.out(),
            **{k: {name: t.out() for name, t in sorted(g.items())} for k, g in groups.items()}}

