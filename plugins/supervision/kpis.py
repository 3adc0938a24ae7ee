"""The hall's KPIs as the 2019 yearbook defines them, each with its definition.

The yearbook's 一窗受理 (90.6 %), 最多跑一次 (92.8 %), 一网通办 (91.5 %) and 网上可办 (100 %)
are shares of **items** in the catalogue, read off each item's implementation list
(实施清单); the figures computed from cases carry ``cases_`` in their names. Materials
reduction and time compression are computed per item by deciding a reference application
with the rules in force on the period's last day. Other code imports :data:`DEFINITIONS`
and :func:`kpis` from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select

from kernel.decide import HALL_TZ
from kernel.store.db import reading
from kernel.store.tables import Case, CaseEvent

ITEMS = "items in the catalogue with an implementation list (实施清单)"
DEFINITIONS: dict[str, str] = {
    "one_window_items_share": f"一窗受理 (items): items accepted at the comprehensive window "
    f"(implementation list one_window) / {ITEMS}",
    "one_trip_items_share": f"最多跑一次 (items): items needing at most one trip to the hall "
    f"(implementation list visits <= 1) / {ITEMS}",
    "one_network_items_share": f"一网通办 (items): items handled online end to end "
    f"(implementation list online = full) / {ITEMS}",
    "online_items_share": f"网上可办 (items): items that can be applied for online "
    f"(implementation list online = full or apply) / {ITEMS}",
    "materials_reduction": "精简材料 (items): materials the rules in force waive for a reference "
    "applicant (data sharing, merged reviews, 告知承诺) / materials the items' catalogue "
    "entries ask, over every item; the reference applicant is an organisation with no "
    "credit record applying in person, deciding on the period's last day",
    "time_compression": "压缩时限 (items): mean over items of 1 - committed / legal limit, as "
    "the rules in force on the period's last day set them for the reference applicant "
    "(items whose two limits share a unit)",
    "cases_one_window_share": "一窗受理 (cases): cases received at one entry point (the "
    "comprehensive window, a convenience point, the online hall or a bank) / cases "
    "submitted in the period",
    "cases_one_trip_share": "最多跑一次 (cases): cases needing at most one visit / cases "
    "submitted in the period; visits: 1 to hand in at a window or a bank (0 online), +1 "
    "when a correction notice sends the applicant back",
    "cases_online_share": "一网通办 (cases): cases submitted online / cases submitted in "
    "the period",
    "cases_tolerance_share": "容缺受理 (cases): cases accepted with tolerance / cases "
    "submitted in the period",
    "cases_on_time_share": "限时办结 (cases): cases completed by their committed due date / "
    "cases completed in the period",
    "satisfaction": "好差评: good ratings (非常满意, 满意, 基本满意) / ratings given in the period",
    "oa_delay_rate": "OA 延误率: document steps finished after their due time / steps "
    "finished in the period",
    "oa_error_rate": "OA 错误率: documents returned at 初审 or 复核 / documents received in "
    "the period",
}
ENTRY_POINTS = ("comprehensive", "convenience", "online", "bank")
REFERENCE = {"kind": "organisation", "name": "参照申请单位",
             "credit_code": "91510900MA62000018"}


def figure(name: str, part: float | int | None, whole: float | int | None,
           digits: int = 4) -> dict[str, Any]:
    value = round(part / whole, digits) if whole else None
    return {"value": value, "numerator": part, "denominator": whole,
            "definition": DEFINITIONS[name]}


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def per_item(kernel: Any, item: Any, on: date) -> dict[str, Any]:
    """One item's implementation-list shares, materials reduction and compression."""
    impl = item.implementation
    asked = [m for m in item.materials if not m.agent_only]
    bring = [m.code for m in asked if not (m.shared_source or m.commitment_replaceable)]
    app = {"items": [item.code], "applicant": REFERENCE, "materials": bring, "channel": "window",
           "submitted_at": datetime.combine(on, time(10), HALL_TZ).isoformat()}
    decision, _ = kernel.evaluate(app)
    mine = {d.item: d for d in decision.items}.get(item.code)
    limits = mine.time_limits if mine else decision.time_limits
    waived = [w.material for w in decision.waived if w.reason != "merged_duplicate"
              and w.material in {m.code for m in asked}]
    return {
        "code": item.code, "name": item.name, "department": item.department,
        "one_window": impl.one_window if impl else None,
        "one_trip": impl.visits <= 1 if impl else None,
        "one_network": impl.online == "full" if impl else None,
        "online": impl.online != "none" if impl else None,
        "materials": len(asked), "waived": len(waived), "waived_materials": waived,
        "materials_reduction": _ratio(len(waived), len(asked)),
        "legal": limits.legal.model_dump(), "committed": limits.committed.model_dump(),
        "time_compression": None if limits.compression_rate is None
        else round(limits.compression_rate, 4),
    }


def item_kpis(kernel: Any, on: date, department: str | None = None) -> dict[str, Any]:
    """The item shares over the catalogue (one department's, when given)."""
    items = [i for i in sorted(kernel.items.items.values(), key=lambda i: i.code)
             if department is None or i.department == department]
    rows = [per_item(kernel, i, on) for i in items]
    listed = [r for r in rows if r["one_window"] is not None]

    def share(name: str, key: str) -> dict[str, Any]:
        return figure(name, sum(r[key] for r in listed), len(listed))

    rates = [r["time_compression"] for r in rows if r["time_compression"] is not None]
    figures = {
        "one_window_items_share": share("one_window_items_share", "one_window"),
        "one_trip_items_share": share("one_trip_items_share", "one_trip"),
        "one_network_items_share": share("one_network_items_share", "one_network"),
        "online_items_share": share("online_items_share", "online"),
        "materials_reduction": figure("materials_reduction", sum(r["waived"] for r in rows),
                                      sum(r["materials"] for r in rows)),
        "time_compression": figure("time_compression", round(sum(rates), 4), len(rates)),
    }
    return {"figures": figures, "items": rows, "without_implementation": [
        r["code"] for r in rows if r["one_window"] is None]}


def _day(when: datetime) -> date:
    return when.astimezone(HALL_TZ).date()


def _inside(day: date, start: date | None, end: date | None) -> bool:
    return (start is None or start <= day) and (end is None or day <= end)


def _mine(kernel: Any, items: Iterable[str], department: str | None) -> bool:
    known = kernel.items.items
    return department is None or any(c in known and known[c].department == department
                                     for c in items)


def case_kpis(kernel: Any, start: date | None, end: date | None,
              department: str | None = None) -> dict[str, Any]:
    """The case-based figures of cases submitted (completed) in the period."""
    with reading(kernel.db) as s:
        rows = s.execute(select(Case.id, Case.items, Case.application, Case.outcome,
                                Case.submitted_at)).all()
        completed = s.execute(select(CaseEvent.case_id, CaseEvent.at).where(
            CaseEvent.kind == "completed")).all()
        dues = dict(s.execute(select(Case.id, Case.due_committed)).all())
    mine = {r.id: r for r in rows if _mine(kernel, r.items, department)}
    cases = [r for r in mine.values() if _inside(_day(r.submitted_at), start, end)]
    n = len(cases)

    def count(test: Any) -> int:
        return sum(1 for r in cases if test(r))

    def entry_point(r: Any) -> bool:
        window = r.application.get("window")
        return r.application.get("channel") != "window" or bool(
            window and window["kind"] in ENTRY_POINTS)

    def one_trip(r: Any) -> bool:
        visits = (r.application.get("channel") != "online") + (
            r.outcome == "correction_required")
        return visits <= 1

    done = [(cid, at) for cid, at in completed if cid in mine and _inside(_day(at), start, end)]
    on_time = sum(1 for cid, at in done if dues.get(cid) is None or _day(at) <= dues[cid])
    return {
        "cases": n,
        "cases_one_window_share": figure("cases_one_window_share", count(entry_point), n),
        "cases_one_trip_share": figure("cases_one_trip_share", count(one_trip), n),
        "cases_online_share": figure("cases_online_share", count(
            lambda r: r.application.get("channel") == "online"), n),
        "cases_tolerance_share": figure("cases_tolerance_share", count(
            lambda r: r.outcome == "accepted_with_tolerance"), n),
        "cases_on_time_share": figure("cases_on_time_share", on_time, len(done)),
    }


def kpis(kernel: Any, start: date | None = None, end: date | None = None,
         department: str | None = None, satisfaction: dict[str, Any] | None = None,
         oa: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every KPI of the period: item shares, case figures, satisfaction and OA rates."""
    on = end or datetime.now(HALL_TZ).date()
    items = item_kpis(kernel, on, department)
    cases = case_kpis(kernel, start, end, department)
    figures = dict(items["figures"])
    figures.update({k: v for k, v in cases.items() if k != "cases"})
    if satisfaction is not None:
        figures["satisfaction"] = figure("satisfaction", satisfaction["good"],
                                         satisfaction["ratings"])
    if oa is not None:
        figures["oa_delay_rate"] = figure("oa_delay_rate", oa["steps_late"],
                                          oa["steps_finished"])
        figures["oa_error_rate"] = figure("oa_error_rate", oa["documents_returned"],
                                          oa["documents"])
    return {"from": start and start.isoformat(), "to": end and end.isoformat(),
            "department": department, "rules_on": on.isoformat(), "cases": cases["cases"],
            "figures": figures, "items": items["items"],
            "items_without_implementation": items["without_implementation"]}
