"""Folding a case's fired actions into one Decision, with due dates and notices."""

from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from calendars import HALL_TZ  # the calendar owns the hall's zone; kernel code imports it here
from kernel.actions import FoldState
from kernel.models import (
    Decision,
    Due,
    ItemDecision,
    Limits,
    Missing,
    Routing,
    TimeLimit,
    Waiver,
)

# 行政许可法 art. 32 (4): the one-time correction notice within five days of receipt (working
# days, art. 82); a notice not given by then means the application was accepted on receipt.
CORRECTION_NOTICE = TimeLimit(unit="working_days", amount=5)
# 行政许可法 art. 44: the licence certificate is issued and served within ten (working, art. 82)
# days of the decision; a refusal's written decision is served within the same period.
SERVICE = TimeLimit(unit="working_days", amount=10)


def received_on(calendar: Any, at: datetime) -> date:
    """The day a submission counts as received: a rest day's (weekend service, online at
    night on a holiday) is the next working day's, so its first counted day is the one after."""
    return calendar.add_working_days(at.astimezone(HALL_TZ).date(), 0)


def counted_from(calendar: Any, at: datetime) -> datetime:
    """The moment limits count from: ``at``, or the start of the deemed receipt day."""
    local = at.astimezone(HALL_TZ)
    day = received_on(calendar, local)
    return local if day == local.date() else datetime.combine(day, time(), HALL_TZ)


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
def _item_decision(item: str, limits: Limits, dues: Due, department: str,
                   part_of: str | None) -> ItemDecision:
    return ItemDecision(item=item, time_limits=limits, due=dues, department=department,
                        part_of=part_of)


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


def fold(state: FoldState, calendar: Any, start: datetime, trace: list,
         routing: Routing | None = None) -> Decision:
    """One decision; parts of a combined item (三窗合一) run in parallel, so the case is due
    when its latest item is (never the sum)."""
    kind, tolerated, required = outcome(state)
    served = start.astimezone(HALL_TZ).date()
    clock = kind in ("accepted", "accepted_with_tolerance")
    per_item = []
    day = start = counted_from(calendar, start)
    for item in state.items.values():
        slot = state.limits.get(item.code, {})
        limits = _limits(slot.get("legal", item.legal_limit),
                         slot.get("committed", item.committed_limit))
        dues = _dues(calendar, day if _hours(limits) else day.date(), limits) if clock else _NO_DUE
        per_item.append(_item_decision(item.code, limits, dues, item.department,
                                       state.part_of.get(item.code)))
    main = max(per_item, key=_latest)
    values = dict(
        outcome=kind, items=per_item, time_limits=main.time_limits, due=main.due,
        waived=_asked_waivers(state), tolerated=tolerated, required=required,
        reasons=state.rejections + [c for c in state.corrections if c not in state.items],
        pauses=state.pauses, routes=list(dict.fromkeys(state.routes)), flags=state.flags,
        supplement_by=_supplement_by(state, calendar, start, main) if tolerated else None,
        supplement_grace=state.grace if tolerated else None, trace=trace,
        extension=state.extensions.get(main.item),
        correction_notice_by=calendar.due(start, CORRECTION_NOTICE).day
        if kind == "correction_required" else None,
        received_on=day.date(), served_on=served, routing=routing,
    )
    values["notices"] = notices(SimpleNamespace(**values), state)
    return Decision.model_construct(**values)  # every part is built from checked data


def _asked_waivers(state: FoldState) -> list[Waiver]:
    """Waivers of materials this applicant is asked for (an agent's 授权委托书 is not asked
    of one who applies in person, so it is not waived either)."""
    asked = {m.code for item in state.items.values() for m in item.materials}
    return [w for w in state.waived.values() if w.material in asked]


def _supplement_by(state: FoldState, calendar: Any, start: datetime, main: ItemDecision) -> date:
    """The supplement date: the rule's own limit, and never so late that less than the
    agency's review time is left before the committed due date."""
    committed = main.time_limits.committed
    by = calendar.due(start, state.supplement_within or committed).day
    latest = calendar.due(start, _before_review(committed, state.review_after)).day
    return min(by, latest)


def _before_review(committed: TimeLimit, review: TimeLimit | None) -> TimeLimit:
    """The committed limit less the review time, at least one day for the applicant; the whole
    limit when the two are in different units (hours, on the spot)."""
    if review is None or review.unit != committed.unit or committed.unit not in (
            "working_days", "calendar_days"):
        return committed
    return TimeLimit(unit=committed.unit, amount=max(committed.amount - review.amount, 1))



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
    names = item_names(state.items.values())
    committed, legal = d.time_limits.committed, d.time_limits.legal
    limits = f"承诺时限{_limit_text(committed)}（法定{_limit_text(legal)}）"
    if d.outcome == "rejected":
        return [f"不予受理通知书：您申请的{names}不予受理。理由：{'；'.join(d.reasons)}。"]
    if d.outcome == "correction_required":
        return [f"补正材料通知书（一次性告知）：您申请的{names}申请材料不齐全或不符合法定形式，"
                f"请一次性补正以下全部材料：{_list(d.required)}。"]
    text = f"受理通知书：您申请的{names}已受理，{limits}"
    committed = d.due.committed
    text += (f"，承诺于{_when_text(committed)}前办结{_may_move(committed, d.due)}。"
             if committed else "。")
    out = [text]
    if d.outcome == "accepted_with_tolerance":
        out.append(f"容缺受理通知书：您已签署容缺受理承诺书，请于{d.supplement_by}"
                   f"{_may_move(d.supplement_by, d.due)}前补齐以下材料："
                   f"{_list(d.tolerated)}。逾期未补齐的将再次通知；再次通知后仍未在规定期限内补齐的，"
                   "终止办理并退回申请材料，失信情况记入信用档案。")
    return out


def item_names(items: Any) -> str:
    """``名称（编码）`` of each item, as notices name them."""
    return "、".join(f"{i.name}（{i.code}）" for i in items)


def special_step_notice(names: str, step: str, length: TimeLimit, until: date) -> str:
    """The written notice of an art. 45 step: which step, how long, and that it is not counted."""
    return (f"特别程序告知书：您申请的{names}需要进行{step}，依照《中华人民共和国行政许可法》"
            f"第四十五条，{step}所需时间不计算在办理期限内。预计需要{_limit_text(length)}"
            f"（至{until}），结束后继续计算办理期限。")


def extension_notice(names: str, days: int, approver: str, reason: str,
                     until: date | None) -> str:
    """The notice of an approved extension: how long, who approved it and why (art. 42)."""
    end = f"，延长后的法定办理期限至{until}" if until else ""
    return (f"延长办理期限告知书：您申请的{names}，因{reason}，不能在法定期限内作出决定，"
            f"经本机关负责人（{approver}）批准，依照《中华人民共和国行政许可法》第四十二条，"
            f"办理期限延长{days}个工作日{end}。")


def result_notice(names: str, granted: bool, reasons: list[str], deliver_by: date,
                  review_body: str | None, court: str | None) -> str:
    """The written decision: a grant, or a refusal with its reasons and the applicant's
    remedies (行政许可法 art. 38; 行政复议法 art. 20: 60 days; 行政诉讼法 art. 46: 6 months)."""
    if granted:
        return (f"准予行政许可决定书：您申请的{names}，经审查符合法定条件、标准，准予行政许可。"
                f"行政许可证件于{deliver_by}前颁发、送达（《中华人民共和国行政许可法》第四十四条）。")
    review = review_body or "行政复议机关"
    return (f"不予行政许可决定书：您申请的{names}，经审查，决定不予行政许可。理由："
            f"{'；'.join(reasons)}。如不服本决定，可以自收到本决定书之日起六十日内向{review}"
            f"申请行政复议，或者自收到本决定书之日起六个月内向{court or '有管辖权的人民法院'}"
            f"提起行政诉讼（《中华人民共和国行政许可法》第三十八条第二款）。本决定书于{deliver_by}"
            "前送达。")


def _may_move(when: date | datetime | None, due: Due) -> str:
    """Never a silent guess: a date counted on the statute alone says it may still move."""
    day = _day(when)
    # Provisional years follow the known ones: a date before the first of them is firm.
    if not due.provisional_years or day is None or day.year < due.provisional_years[0]:
        return ""
    return f"（{due.provisional_note}）"


def _when_text(when: date | datetime) -> str:
    """A due date as a notice prints it; a due moment (office hours) in the hall's time."""
    if isinstance(when, datetime):
        return f"{when.astimezone(HALL_TZ):%Y-%m-%d %H:%M}"
    return str(when)


def _day(when: date | datetime | None) -> date | None:
    return when.date() if isinstance(when, datetime) else when
