"""Folding a case's fired actions into one Decision, with due dates and notices."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from calendars import HALL_TZ  # the calendar owns the hall's zone; kernel code imports it here
from kernel.actions import FoldState
from kernel.models import Decision, Due, ItemDecision, Limits, Missing, TimeLimit


def compression(legal: TimeLimit, committed: TimeLimit) -> float | None:
    if legal.unit != committed.unit or not legal.amount:
        return None
    return round(1 - committed.amount / legal.amount, 3)


def _missing(state: FoldState) -> list[Missing]:
    out, seen = [], set()
    for item in state.items.values():
        for m in item.materials:
            waiver = state.waived.get(m.code)
            # a merged duplicate spares the second copy only: one is still required
            spared = waiver is not None and waiver.reason != "merged_duplicate"
            if m.code in seen or m.code in state.submitted or spared:
                continue
            seen.add(m.code)
            out.append(_missing_entry(m.code, m.name, item.code))
    return out


_NO_DUE = Due()


def _hours(limits: Limits) -> bool:
    return "office_hours" in (limits.legal.unit, limits.committed.unit)


# Decisions share these immutable parts: building pydantic models is the hot path's cost.
@lru_cache(maxsize=1024)
def _limits(legal: TimeLimit, committed: TimeLimit) -> Limits:
    return Limits(legal=legal, committed=committed, compression_rate=compression(legal, committed))


@lru_cache(maxsize=16384)
def _dues(calendar: Any, start: date | datetime, limits: Limits) -> Due:
    """Both due dates from the calendar's `due`, flagged when either is only provisional."""
    legal, committed = calendar.due(start, limits.legal), calendar.due(start, limits.committed)
    # Both count from one start, so the later date's provisional years include the other's.
    wider = max(legal, committed, key=lambda d: len(d.provisional_years))
    return Due(legal=legal.when, committed=committed.when, provisional=wider.provisional,
               provisional_years=wider.provisional_years, provisional_note=wider.note)


@lru_cache(maxsize=16384)
def _item_decision(item: str, limits: Limits, dues: Due) -> ItemDecision:
    return ItemDecision(item=item, time_limits=limits, due=dues)


@lru_cache(maxsize=4096)  # immutable values from the catalogue
def _missing_entry(material: str, name: str, item: str) -> Missing:
    return Missing.model_construct(material=material, name=name, item=item)


def outcome(state: FoldState) -> tuple[str, list[Missing], list[Missing]]:
    """Outcome, tolerated and still-required materials, by the module's precedence."""
    missing = _missing(state)
    if state.rejections:
        return "rejected", [], missing
    tolerated = [m for m in missing if m.material in state.tolerable]
    if state.corrections or len(tolerated) < len(missing):
        return "correction_required", [], missing
    return ("accepted_with_tolerance" if tolerated else "accepted"), tolerated, []


def fold(state: FoldState, calendar: Any, start: datetime, trace: list) -> Decision:
    kind, tolerated, required = outcome(state)
    clock = kind in ("accepted", "accepted_with_tolerance")
    per_item = []
    day = start.astimezone(HALL_TZ)
    for item in state.items.values():
        slot = state.limits.get(item.code, {})
        limits = _limits(slot.get("legal", item.legal_limit),
                         slot.get("committed", item.committed_limit))
        dues = _dues(calendar, day if _hours(limits) else day.date(), limits) if clock else _NO_DUE
        per_item.append(_item_decision(item.code, limits, dues))
    main = max(per_item, key=_latest)
    values = dict(
        outcome=kind, items=per_item, time_limits=main.time_limits, due=main.due,
        waived=list(state.waived.values()), tolerated=tolerated, required=required,
        reasons=state.rejections + [c for c in state.corrections if c not in state.items],
        pauses=state.pauses, routes=list(dict.fromkeys(state.routes)), flags=state.flags,
        supplement_by=_supplement_by(state, calendar, start, main) if tolerated else None,
        supplement_grace=state.grace if tolerated else None, trace=trace,
    )
    values["notices"] = notices(SimpleNamespace(**values), state)
    return Decision.model_construct(**values)  # every part is built from checked data


def _supplement_by(state: FoldState, calendar: Any, start: datetime, main: ItemDecision) -> date:
    """The supplement date: the rule's own limit, never past the committed due date."""
    by = calendar.due(start, state.supplement_within or main.time_limits.committed).day
    committed_due = _day(main.due.committed)
    return min(by, committed_due) if committed_due else by


def _latest(d: ItemDecision) -> tuple:
    return (_day(d.due.committed) or date.min, d.time_limits.legal.unit == "working_days",
            d.time_limits.legal.amount)


_UNIT = {"working_days": "个工作日", "calendar_days": "日", "office_hours": "个工作小时",
         "on_the_spot": "即办"}


def _limit_text(limit: TimeLimit) -> str:
    return "即办" if limit.unit == "on_the_spot" else f"{limit.amount}{_UNIT[limit.unit]}"


def _list(missing: list[Missing]) -> str:
    return "；".join(f"{i}. {m.name}（{m.material}）" for i, m in enumerate(missing, 1))


def notices(d: Any, state: FoldState) -> list[str]:
    """The one-time notice(s) to print for the applicant, in Chinese."""
    names = "、".join(f"{i.name}（{i.code}）" for i in state.items.values())
    committed, legal = d.time_limits.committed, d.time_limits.legal
    limits = f"承诺时限{_limit_text(committed)}（法定{_limit_text(legal)}）"
    if d.outcome == "rejected":
        return [f"不予受理通知书：您申请的{names}不予受理。理由：{'；'.join(d.reasons)}。"]
    if d.outcome == "correction_required":
        return [f"补正材料通知书（一次性告知）：您申请的{names}申请材料不齐全或不符合法定形式，"
                f"请一次性补正以下全部材料：{_list(d.required)}。"]
    text = f"受理通知书：您申请的{names}已受理，{limits}"
    committed = d.due.committed
    text += f"，承诺于{committed}前办结{_may_move(committed, d.due)}。" if committed else "。"
    out = [text]
    if d.outcome == "accepted_with_tolerance":
        out.append(f"容缺受理通知书：您已签署容缺受理承诺书，请于{d.supplement_by}"
                   f"{_may_move(d.supplement_by, d.due)}前补齐以下材料："
                   f"{_list(d.tolerated)}。逾期未补齐的将再次通知；再次通知后仍未在规定期限内补齐的，"
                   "终止办理并退回申请材料，失信情况记入信用档案。")
    return out


def _may_move(when: date | datetime | None, due: Due) -> str:
    """Never a silent guess: a date counted on the statute alone says it may still move."""
    day = _day(when)
    # Provisional years follow the known ones: a date before the first of them is firm.
    if not due.provisional_years or day is None or day.year < due.provisional_years[0]:
        return ""
    return f"（{due.provisional_note}）"


def _day(when: date | datetime | None) -> date | None:
    return when.date() if isinstance(when, datetime) else when
