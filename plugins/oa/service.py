"""Documents through their flow: create, advance, read, list due and overdue steps, chase."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, insert, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from calendars import CalendarCoverageError
from kernel.routes import RouteError
from kernel.store.db import reading, writing
from plugins.oa.models import (
    FLOWS,
    RETURNS,
    STEP_NAMES,
    URGENCY_NAMES,
    Advance,
    NewDocument,
    OADocument,
    OAStep,
    local_day,
    utc,
)
from plugins.oa.rules import OARules
from plugins.oa.timing import chase_at, due_at

_CODES = {name: code for code, name in STEP_NAMES.items()}


class OAError(RouteError):
    """Bad input on a document; ``status`` is the HTTP status a route answers with."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(message, field, code)
        self.status = status


@contextmanager
def _calendar_field(field: str) -> Iterator[None]:
    """A time in a year without a known holiday schedule is the caller's bad input."""
    try:
        yield
    except CalendarCoverageError as exc:
        raise OAError(422, "calendar_not_covered", str(exc), field) from None


def now() -> datetime:
    return datetime.now(UTC)


def _when(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def iso(when: datetime | None, tz: Any) -> str | None:
    return None if when is None else utc(when).astimezone(tz).isoformat()


class OAService:
    """The document flow over one database, calendar and OA rulebook.

    ``calendar_for(region)`` gives a document's regional calendar; ``on_finished(doc, at)``
    hears of every document that has gone through its whole flow.
    """

    def __init__(self, engine: Engine, calendar: Any, rules: OARules,
                 calendar_for: Callable[[str | None], Any] | None = None,
                 on_finished: Callable[[OADocument, datetime], None] | None = None):
        self.engine, self.calendar, self.rules = engine, calendar, rules
        self.tz = calendar.office_hours.tz
        self.calendar_for = calendar_for or (lambda region: calendar)
        self.on_finished = on_finished

    def calendar_of(self, doc: OADocument) -> Any:
        return self.calendar_for(doc.facts.get("region"))

    # -- writing ------------------------------------------------------------------------

    def create(self, new: NewDocument, *, notice_key: str | None = None) -> dict[str, Any]:
        """Store a document with its routing and its first step, in one transaction."""
        doc = OADocument(**vars(self._new(new, notice_key)))
        with _calendar_field("received_at"), writing(self.engine) as s:
            s.add(doc)
            self._open(s, doc, FLOWS[doc.flow][0], doc.received_at, 0)
        return self.get(doc.id)

    def open_many(self, news: list[tuple[NewDocument, str]]) -> list[str]:
        """Store many (document, notice key) pairs with their first steps in one transaction
        and return the new documents' ids; a key its case already has is skipped."""
        rows = []
        for new, key in news:
            doc = self._new(new, key)
            with _calendar_field("received_at"):
                step = self._first(doc, FLOWS[doc.flow][0], doc.received_at, 0)
            rows.append((vars(doc), step))
        with writing(self.engine) as s:
            seen = set(s.exec(select(OADocument.case_id, OADocument.notice_key).where(
                OADocument.case_id.in_({d["case_id"] for d, _ in rows}))))
            fresh = list({(d["case_id"], d["notice_key"]): (d, st) for d, st in rows
                          if (d["case_id"], d["notice_key"]) not in seen}.values())
            if fresh:  # plain inserts: the rows are complete, the ORM adds nothing here
                conn = s.connection()
                conn.execute(insert(OADocument.__table__), [d for d, _ in fresh])
                conn.execute(insert(OAStep.__table__), [st for _, st in fresh])
        return [d["id"] for d, _ in fresh]

    def _new(self, new: NewDocument, notice_key: str | None) -> SimpleNamespace:
        """A document's columns with its routing, not yet stored (a plain namespace: building
        the table model costs more than everything else a notice needs)."""
        doc = SimpleNamespace(
            id=uuid.uuid4().hex[:20], flow=new.flow, title=new.title, doc_type=new.type,
            urgency=new.urgency, lead=new.lead, co_handling=list(new.co_handling),
            countersign=[], sender=new.sender, case_id=new.case_id, notice_key=notice_key,
            body=new.body, status="open", current_step=None, finished_at=None,
            received_at=utc(new.received_at) or now(),
            facts={"ours": new.ours, "format_ok": new.format_ok,
                   "countersigned": new.countersigned},
        )
        if new.region is not None:
            try:
                doc.facts["region"] = self.calendar_for(new.region).region
            except ValueError as exc:
                raise OAError(422, "invalid", str(exc), "region") from None
        if new.deadline is not None:
            doc.facts["deadline"] = utc(new.deadline).isoformat()
        route = self.rules.plan(doc, FLOWS[doc.flow][0])
        doc.lead = doc.lead or route.lead
        if doc.flow == "outgoing":  # joint issuers countersign (条例 art. 22), and whom rules add
            doc.countersign = list(dict.fromkeys([*doc.co_handling, *route.countersign]))
        return doc

    def _open(self, s: Session, doc: OADocument, step: str, start: datetime, seq: int,
              returns: int = 0) -> None:
        s.add(OAStep(**self._first(doc, step, start, seq, returns)))
        doc.current_step = step

    def _first(self, doc: Any, step: str, start: datetime, seq: int,
               returns: int = 0) -> dict[str, Any]:
        """The row of the step ``doc`` opens at ``start``: its limit, due and chase times."""
        cal = self.calendar_of(doc)
        plan = self.rules.plan(doc, step, returns, not cal.is_working_day(local_day(start)))
        due = due_at(cal, start, plan.limit)
        if "deadline" in doc.facts:  # no step of the document is due after the document
            due = min(due, datetime.fromisoformat(doc.facts["deadline"]))
        ret = "；".join(plan.returns) if (doc.flow, step) in RETURNS and plan.returns else None
        doc.current_step = step
        return {"doc_id": doc.id, "seq": seq, "step": step, "limit_unit": plan.limit.unit,
                "limit_amount": plan.limit.amount, "started_at": utc(start),
                "due_at": utc(due), "chase_at": utc(chase_at(
                    cal, start, due, plan.chase, plan.limit.unit == "clock_hours")),
                "chased_at": None, "finished_at": None, "result": None, "reason": None,
                "rule_return": ret, "rules": plan.rules}

    def advance(self, doc_id: str, adv: Advance) -> dict[str, Any]:
        """Finish the current step and open the next (or end the document); all or nothing."""
        with _calendar_field("at"), writing(self.engine) as s:
            doc = self._doc(s, doc_id)
            step = self._current(s, doc, adv)
            at = utc(adv.at) or now()
            if at < utc(step.started_at):
                raise OAError(422, "invalid", f"the step started at {iso(step.started_at, self.tz)}"
                              "; it cannot finish before that", "at")
            result, reason = self._result(doc, step, adv)
            done = s.execute(update(OAStep).where(OAStep.id == step.id,
                                                  OAStep.finished_at.is_(None))
                             .values(finished_at=at, result=result, reason=reason)
                             .execution_options(synchronize_session=False))
            if done.rowcount != 1:
                raise OAError(409, "conflict", "the step was finished meanwhile", "step")
            self._next(s, doc, step, result, at)
        if doc.status == "finished" and self.on_finished is not None:
            self.on_finished(doc, at)
        return self.get(doc_id)

    def _doc(self, s: Session, doc_id: str) -> OADocument:
        doc = s.get(OADocument, doc_id)
        if doc is None:
            raise OAError(404, "not_found", f"no document {doc_id!r}", "doc_id")
        return doc

    def _current(self, s: Session, doc: OADocument, adv: Advance) -> OAStep:
        if doc.status != "open":
            raise OAError(409, "finished", f"document {doc.id} is {doc.status}: no step is open",
                          "doc_id")
        if adv.step is not None:
            wanted = _CODES.get(adv.step, adv.step)
            if wanted not in STEP_NAMES:
                raise OAError(422, "invalid", f"unknown step {adv.step!r}", "step")
            if wanted != doc.current_step:
                cur = doc.current_step
                raise OAError(409, "out_of_order", f"document {doc.id} is at {STEP_NAMES[cur]} "
                              f"({cur}), not {STEP_NAMES[wanted]} ({wanted})", "step")
        return s.exec(select(OAStep).where(OAStep.doc_id == doc.id, OAStep.finished_at.is_(None))
                      .order_by(OAStep.seq.desc())).first()

    def _result(self, doc: OADocument, step: OAStep, adv: Advance) -> tuple[str, str | None]:
        """Returns happen at 初审 and 复核 only, with a reason: the clerk's or the rules'."""
        if adv.result == "done" and not step.rule_return:
            return "done", adv.reason
        if (doc.flow, step.step) not in RETURNS:
            places = "、".join(f"{STEP_NAMES[s]} ({f} {s})" for f, s in RETURNS)
            raise OAError(422, "invalid", f"a document can be returned only at {places}",
                          "result")
        reason = "；".join(r for r in (step.rule_return, adv.reason) if r)
        if not reason:
            raise OAError(422, "invalid", "a return needs a reason", "reason")
        return "returned", reason

    def _next(self, s: Session, doc: OADocument, step: OAStep, result: str,
              at: datetime) -> None:
        if result == "returned":
            target = RETURNS[(doc.flow, step.step)]
            returns = 1 + s.exec(select(func.count()).select_from(OAStep).where(
                OAStep.doc_id == doc.id, OAStep.result == "returned")).one()
            if target is not None:
                return self._open(s, doc, target, at, step.seq + 1, returns)
            doc.status = "returned"
        else:
            later = self.steps(doc)[self.steps(doc).index(step.step) + 1:]
            if later:
                return self._open(s, doc, later[0], at, step.seq + 1)
            doc.status = "finished"
        doc.current_step, doc.finished_at = None, at
        s.add(doc)

    @staticmethod
    def steps(doc: OADocument) -> list[str]:
        """The document's flow; 会签 only when some department countersigns."""
        return [s for s in FLOWS[doc.flow] if s != "countersign" or doc.countersign]

    def chase(self, as_of: datetime) -> list[dict[str, Any]]:
        """Record a chase on every open step whose chase time has come; each step once."""
        as_of = utc(as_of)
        with writing(self.engine) as s:
            rows = s.exec(select(OAStep, OADocument).join(OADocument).where(
                OAStep.finished_at.is_(None), OAStep.chased_at.is_(None),
                OAStep.chase_at <= as_of).order_by(OAStep.due_at)).all()
            out = []
            for step, doc in rows:
                # Conditional update: two sweepers never both chase the same step.
                hit = s.execute(update(OAStep).where(OAStep.id == step.id,
                                                     OAStep.chased_at.is_(None))
                                .values(chased_at=as_of)
                                .execution_options(synchronize_session=False))
                if hit.rowcount == 1:
                    out.append(self._row(step, doc) | {"chased_at": iso(as_of, self.tz)})
        return out

    # -- reading ------------------------------------------------------------------------

    def get(self, doc_id: str) -> dict[str, Any]:
        with reading(self.engine) as s:
            doc = self._doc(s, doc_id)
            steps = s.exec(select(OAStep).where(OAStep.doc_id == doc_id)
                           .order_by(OAStep.seq)).all()
            return self._document(doc, steps)

    def due(self, as_of: datetime) -> dict[str, list[dict[str, Any]]]:
        """Open steps past their due time, and those inside their chase window."""
        as_of = utc(as_of)
        with reading(self.engine) as s:
            rows = s.exec(select(OAStep, OADocument).join(OADocument).where(
                OAStep.finished_at.is_(None)).order_by(OAStep.due_at)).all()
        overdue = [self._row(st, d) for st, d in rows if utc(st.due_at) < as_of]
        soon = [self._row(st, d) for st, d in rows if utc(st.due_at) >= as_of
                and st.chase_at is not None and utc(st.chase_at) <= as_of]
        return {"as_of": iso(as_of, self.tz), "overdue": overdue, "due_soon": soon}

    def _row(self, step: OAStep, doc: OADocument) -> dict[str, Any]:
        return {"doc_id": doc.id, "title": doc.title, "urgency": URGENCY_NAMES[doc.urgency],
                "lead": doc.lead, **self._step(step)}

    def _step(self, st: OAStep) -> dict[str, Any]:
        late = st.finished_at is not None and utc(st.finished_at) > utc(st.due_at)
        return {
            "step": st.step, "name": STEP_NAMES[st.step],
            "limit": {st.limit_unit: st.limit_amount}, "started_at": iso(st.started_at, self.tz),
            "due_at": iso(st.due_at, self.tz), "chase_at": iso(st.chase_at, self.tz),
            "chased_at": iso(st.chased_at, self.tz), "finished_at": iso(st.finished_at, self.tz),
            "result": st.result, "reason": st.reason, "late": late, "rules": st.rules,
        }

    def _document(self, doc: OADocument, steps: list[OAStep]) -> dict[str, Any]:
        return {
            "id": doc.id, "flow": doc.flow, "title": doc.title, "type": doc.doc_type,
            "urgency": URGENCY_NAMES[doc.urgency], "urgency_code": doc.urgency,
            "lead": doc.lead, "co_handling": doc.co_handling, "countersign": doc.countersign,
            "sender": doc.sender, "case_id": doc.case_id, "body": doc.body,
            "status": doc.status, "current_step": doc.current_step,
            "flow_steps": self.steps(doc), "received_at": iso(doc.received_at, self.tz),
            "finished_at": iso(doc.finished_at, self.tz), "region": doc.facts.get("region"),
            "deadline": iso(_when(doc.facts.get("deadline")), self.tz),
            "steps": [self._step(s) for s in steps],
        }
