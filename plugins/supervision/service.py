"""Ratings and their follow-ups, warnings raised by the sweeper, accountability records."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, date, datetime, time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from kernel.decide import HALL_TZ
from kernel.models import Moment, TimeLimit
from kernel.routes import Conflict, InputError, NotFound
from kernel.store.caseview import clock_view
from kernel.store.db import reading, writing
from kernel.store.tables import ACTIVE, Case, CaseEvent
from plugins.supervision.blame import overdue_days, responsible_step
from plugins.supervision.caseinfo import responsible
from plugins.supervision.tables import Accountability, FollowUp, Rating, Warning

log = logging.getLogger("onetrip.supervision")
LEVELS = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")
GOOD = LEVELS[:3]  # 好评; 不满意 and 非常不满意 are 差评 (国办发〔2019〕51号)
# A bad rating is rectified and answered within this many working days. 国办发〔2019〕51号
# sets the follow-up of 差评 (整改); the 15 working days are our reading of it (unverified):
# the kernel setting ``rating_follow_up_working_days`` changes it.
FOLLOW_UP_DAYS = 15
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class NewRating(BaseModel):
    """An applicant's rating of a completed case (好差评)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    level: Literal["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None
    channel: Literal["window", "online", "app", "sms", "hotline"] = Field(
        "window", description="where it was given: the window's rating device, the online "
        "hall, the app, a text message or the 12345 hotline")
    rated_at: Moment | None = Field(None, description="default: now")


class Reply(BaseModel):
    """The owner's reply that closes a follow-up (整改反馈)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    reply: Text
    by: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                         max_length=200)] | None = None
    at: Moment | None = Field(None, description="default: now")


def now() -> datetime:
    return datetime.now(UTC)


def local_day(when: datetime) -> date:
    return when.astimezone(HALL_TZ).date()


def iso(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(HALL_TZ).isoformat()
    return value.isoformat() if isinstance(value, date) else value


def row(obj: Any) -> dict[str, Any]:
    return {k: iso(v) for k, v in obj.model_dump().items()}


class Supervision:
    """Everything the plugin records, over the kernel's store."""

    def __init__(self, kernel: Any):
        self.kernel, self.engine = kernel, kernel.db
        self.follow_up_days = int(kernel.settings.get("rating_follow_up_working_days",
                                                      FOLLOW_UP_DAYS))

    # -- ratings ------------------------------------------------------------------------

    def rate(self, case_id: str, new: NewRating) -> dict[str, Any]:
        """Store a rating; a bad one opens a follow-up owned by the responsible department."""
        at = new.rated_at or now()
        with writing(self.engine) as s:
            case, events = self._case(s, case_id)
            done = next((e.at for e in events if e.kind == "completed"), None)
            if done is None:
                raise Conflict(f"case {case_id} is {case.state}: only a completed case is rated",
                               "id", "not_completed")
            if at < done:
                raise InputError("rated_at", "a rating comes after the case was completed "
                                 f"({iso(done)})")
            if s.scalar(select(Rating.id).where(Rating.case_id == case_id)) is not None:
                raise Conflict(f"case {case_id} has been rated already", "id", "already_rated")
            party = responsible(self.kernel, case.items, case.application)
            rating = Rating(case_id=case_id, level=new.level, good=new.level in GOOD,
                            comment=new.comment, channel=new.channel,
                            department=party.department, items=list(case.items),
                            window=party.window, rated_at=at)
            s.add(rating)
            try:
                s.flush()
            except IntegrityError:
                raise Conflict(f"case {case_id} has been rated already", "id",
                               "already_rated") from None
            follow = None if rating.good else self._open(s, rating, case, party.department)
            out = {"rating": row(rating), "follow_up": follow and row(follow)}
        return out

    def _open(self, s: Session, rating: Rating, case: Case, owner: str) -> FollowUp:
        cal = self.kernel.calendar_for(case.region)
        due = cal.due(rating.rated_at, TimeLimit(unit="working_days", amount=self.follow_up_days))
        follow = FollowUp(rating_id=rating.id, case_id=case.id, owner=owner,
                          opened_at=rating.rated_at, due_on=due.day, provisional=due.provisional)
        s.add(follow)
        s.flush()
        return follow

    def reply(self, follow_id: int, answer: Reply) -> dict[str, Any]:
        at = answer.at or now()
        with writing(self.engine) as s:
            follow = s.get(FollowUp, follow_id)
            if follow is None:
                raise NotFound(f"no follow-up {follow_id}", "id")
            if follow.status != "open":
                raise Conflict(f"follow-up {follow_id} was answered on {iso(follow.replied_at)}",
                               "id", "closed")
            if at < follow.opened_at:
                raise InputError("at", "a reply comes after the follow-up was opened "
                                 f"({iso(follow.opened_at)})")
            follow.status, follow.reply, follow.replied_by, follow.replied_at = (
                "closed", answer.reply, answer.by, at)
            s.add(follow)
            s.flush()
            return self._follow_view(follow)

    def _follow_view(self, follow: FollowUp) -> dict[str, Any]:
        answered = follow.replied_at and local_day(follow.replied_at)
        return row(follow) | {"late": bool(answered and answered > follow.due_on)}

    def follow_ups(self, status: str | None = None) -> list[dict[str, Any]]:
        q = select(FollowUp).order_by(FollowUp.due_on, FollowUp.id)
        if status:
            q = q.where(FollowUp.status == status)
        with reading(self.engine) as s:
            return [self._follow_view(f) for f in s.scalars(q)]

    def ratings(self, start: date | None = None, end: date | None = None,
                department: str | None = None) -> list[Rating]:
        with reading(self.engine) as s:
            rows = list(s.scalars(select(Rating).order_by(Rating.rated_at)))
        return [r for r in rows if _inside(local_day(r.rated_at), start, end)
                and (department is None or r.department == department)]

    def satisfaction(self, start: date | None = None, end: date | None = None,
                     department: str | None = None) -> dict[str, Any]:
        """Good ratings / ratings, overall and per department, item, window and month."""
        groups: dict[str, dict[str, list[int]]] = {k: defaultdict(lambda: [0, 0]) for k in (
            "by_department", "by_item", "by_window", "by_month")}
        total = [0, 0]
        for r in self.ratings(start, end, department):
            keys = {"by_department": [r.department], "by_item": r.items,
                    "by_window": [r.window], "by_month": [f"{local_day(r.rated_at):%Y-%m}"]}
            for tally in [total] + [groups[g][k] for g, ks in keys.items() for k in ks]:
                tally[0] += r.good
                tally[1] += 1
        return {"overall": _share(*total),
                **{g: {k: _share(*t) for k, t in sorted(v.items())} for g, v in groups.items()}}

    # -- warnings -----------------------------------------------------------------------

    def scan(self, as_of: datetime, thresholds: dict[str, int]) -> list[dict[str, Any]]:
        """Open cases with a warning as of ``as_of`` (yellow, red, overdue); a case waiting
        on its applicant, or paused for an art. 45 step, has none."""
        with reading(self.engine) as s:
            cases = list(s.scalars(select(Case).where(Case.state.in_(ACTIVE),
                                                      Case.submitted_at <= as_of)))
            events: dict[str, list[CaseEvent]] = defaultdict(list)
            ids = [c.id for c in cases]
            for i in range(0, len(ids), 500):
                for e in s.scalars(select(CaseEvent).where(CaseEvent.case_id.in_(ids[i:i + 500]))
                                   .order_by(CaseEvent.case_id, CaseEvent.seq)):
                    events[e.case_id].append(e)
        out = []
        for case in cases:
            seen = [e for e in events[case.id] if e.at <= as_of]
            try:
                clock = clock_view(self.kernel, case, seen, as_of, thresholds)
            except Exception as exc:  # a case this version cannot read: the others go on
                log.warning("case %s: no warning computed: %s", case.id, exc)
                continue
            if clock["warning"] and case.due_committed is not None:
                party = responsible(self.kernel, case.items, case.application)
                out.append({"case_id": case.id, "level": clock["warning"],
                            "remaining_working_days": clock["remaining_working_days"],
                            "due_committed": case.due_committed, "state": case.state,
                            "department": party.department, "window": party.window,
                            "items": case.items})
        return sorted(out, key=lambda w: (w["remaining_working_days"], w["case_id"]))

    def raise_warnings(self, as_of: datetime, thresholds: dict[str, int]) -> int:
        """Record each warning once per case, level and due day; returns how many were new."""
        found = self.scan(as_of, thresholds)
        new = 0
        with writing(self.engine) as s:
            have = {(w.case_id, w.level, w.due_on) for w in s.scalars(
                select(Warning).where(Warning.case_id.in_([f["case_id"] for f in found])))}
            for f in found:
                key = (f["case_id"], f["level"], f["due_committed"])
                if key not in have:
                    s.add(Warning(case_id=f["case_id"], level=f["level"],
                                  remaining=f["remaining_working_days"],
                                  due_on=f["due_committed"], department=f["department"],
                                  window=f["window"], raised_at=as_of))
                    new += 1
        return new

    def warnings(self, as_of: datetime, thresholds: dict[str, int]) -> dict[str, Any]:
        """The supervision list: open cases with a warning now, with when each was raised."""
        found = self.scan(as_of, thresholds)
        with reading(self.engine) as s:
            raised = {(w.case_id, w.level, w.due_on): w.raised_at for w in s.scalars(
                select(Warning).where(Warning.case_id.in_([f["case_id"] for f in found])))}
        rows = [{k: iso(v) for k, v in f.items()} | {"raised_at": iso(raised.get(
            (f["case_id"], f["level"], f["due_committed"])))} for f in found]
        counts = {lvl: sum(r["level"] == lvl for r in rows) for lvl in ("yellow", "red",
                                                                         "overdue")}
        return {"as_of": iso(as_of), "thresholds": thresholds, "counts": counts,
                "warnings": rows}

    # -- accountability -----------------------------------------------------------------

    def account(self, case_id: str, at: datetime) -> dict[str, Any] | None:
        """Record a case completed late (idempotent); None when it was in time."""
        with writing(self.engine) as s:
            if s.get(Accountability, case_id) is not None:
                return None
            case, events = self._case(s, case_id)
            cal = self.kernel.calendar_for(case.region)
            late = overdue_days(cal, case, events, "committed", at)
            if not late or case.due_committed is None:
                return None
            party = responsible(self.kernel, case.items, case.application)
            step = responsible_step(case, events, self._oa_steps(s, case_id), at,
                                    party.department)
            record = Accountability(
                case_id=case_id, department=party.department, window=party.window,
                due_on=case.due_committed, completed_at=at, overdue_working_days=late,
                legal_overdue_working_days=overdue_days(cal, case, events, "legal", at),
                step=step, recorded_at=now())
            s.add(record)
            s.flush()
            return row(record)

    def accountability(self, start: date | None = None, end: date | None = None,
                       department: str | None = None) -> list[dict[str, Any]]:
        with reading(self.engine) as s:
            rows = list(s.scalars(select(Accountability).order_by(Accountability.completed_at)))
        return [row(r) for r in rows if _inside(local_day(r.completed_at), start, end)
                and (department is None or r.department == department)]

    def accountability_of(self, case_id: str) -> dict[str, Any]:
        with reading(self.engine) as s:
            found = s.get(Accountability, case_id)
            if found is None:
                if s.get(Case, case_id) is None:
                    raise NotFound(f"no case {case_id!r}", "id")
                raise NotFound(f"case {case_id} has no accountability record (not completed "
                               "late)", "id", "no_record")
            return row(found)

    def _oa_steps(self, s: Session, case_id: str) -> list[dict[str, Any]]:
        """The steps of the case's OA documents, when the OA plugin keeps any."""
        if "oa" not in self.kernel.plugins:  # loaded, it made its tables when the store opened
            return []
        from plugins.oa.models import STEP_NAMES, OADocument, OAStep, utc

        rows = s.execute(select(OAStep, OADocument).join(OADocument).where(
            OADocument.case_id == case_id)).all()
        return [{"doc_id": d.id, "title": d.title, "lead": d.lead, "step": st.step,
                 "name": STEP_NAMES[st.step], "started_at": utc(st.started_at),
                 "due_at": utc(st.due_at), "finished_at": utc(st.finished_at)}
                for st, d in rows]

    # -- helpers ------------------------------------------------------------------------

    def _case(self, s: Session, case_id: str) -> tuple[Case, list[CaseEvent]]:
        case = s.get(Case, case_id)
        if case is None:
            raise NotFound(f"no case {case_id!r}", "id")
        events = list(s.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)
                                .order_by(CaseEvent.seq)))
        return case, events


def _inside(day: date, start: date | None, end: date | None) -> bool:
    return (start is None or start <= day) and (end is None or day <= end)


def _share(good: int, total: int) -> dict[str, Any]:
    return {"good": good, "ratings": total,
            "satisfaction": round(good / total, 4) if total else None}


def day_end(day: date) -> datetime:
    """The close of a hall day: the moment a day's figures are read at."""
    return datetime.combine(day, time(17, 30), HALL_TZ)
