"""Recounting open cases' due dates when a holiday notice arrives (a provisional year settled).

A year whose State Council notice is not out is counted on the statute alone; once its
schedule is known (an override file, a newer ``holidays`` release) the dates of cases still
running are counted again from their stored receipt and limits, by the lifecycle's own code:
the case's clock (:func:`~kernel.store.caseclock.build_clock`), the re-notice grace, the
art. 32 notice limit, and for the supplement date the fold that decided the case. A case
whose dates moved gets them stored, its pending timers moved and a ``due_recomputed`` event
(``{"old": {...}, "new": {...}}``) delivered to plugins like every other event, all in one
transaction; running it again changes nothing.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlmodel import Session

from kernel.decide import CORRECTION_NOTICE, counted_from
from kernel.models import TimeLimit
from kernel.store.db import reading
from kernel.store.intake import day_after, iso
from kernel.store.tables import ACTIVE, Case, Timer, now

log = logging.getLogger("onetrip.recompute")
OPEN = (*ACTIVE, "correction_required")  # a date may still come: not completed, terminated
DATES = ("due_committed", "due_legal", "supplement_by", "grace_by", "correction_notice_by")
TIMER_OF = {"supplement_by": "supplement_due", "grace_by": "grace_due",
            "correction_notice_by": "correction_notice_due"}


class Recompute:
    """Mixed into :class:`kernel.store.lifecycle.Lifecycle`: due dates after a notice."""

    def reload_calendar(self: Any) -> Any:
        """Swap the kernel's calendar for one built from the files as they are now; regional
        calendars follow (``calendar_for`` builds them afresh once the cache is cleared)."""
        self.kernel.calendar = self.kernel.calendar.reloaded()
        return self.kernel.calendar

    def recompute_due(self: Any, since: int | None = None, at: datetime | None = None,
                      reload: bool = True) -> int:
        """Count the due dates of every open case again; returns how many cases moved.

        ``since``: only cases with a date in that year or later (or without one yet), e.g. the
        first year a notice covers; None looks at every open case. ``reload`` first swaps in
        the calendar as the notice folder has it now.
        """
        if reload:
            self.reload_calendar()
        at = at or now()
        moved = 0
        for case_id in self._open_cases(since):
            try:
                moved += self.recompute_case(case_id, at)
            except Exception:  # one case that cannot be counted does not stop the others
                log.exception("case %s: due dates not recomputed", case_id)
        if moved:
            log.info("due dates recomputed: %d case(s) moved", moved)
        return moved

    def _open_cases(self: Any, since: int | None) -> list[str]:
        q = select(Case.id).where(Case.state.in_(OPEN)).order_by(Case.submitted_at, Case.id)
        if since is not None:
            first = date(since, 1, 1)
            cols = (Case.due_committed, Case.due_legal, Case.supplement_by, Case.grace_by)
            q = q.where(or_(*(c >= first for c in cols), Case.due_committed.is_(None)))
        with reading(self.engine) as s:
            return list(s.scalars(q))

    def recompute_case(self: Any, case_id: str, at: datetime) -> int:
        """One case in one transaction: 1 if its dates moved (and an event says so), else 0.

        A recount is the system's own act at the time it chooses: never dated before the
        case's last event, and not refused as "in the future" like a clerk's action."""
        with reading(self.engine) as s:
            case = self._case(s, case_id)
            at = max(at, case.submitted_at, self._last_at(s, case) or case.submitted_at)
        with self.acting(case_id, at, system=True) as (s, out):
            case = self._case(s, case_id)
            if case.state not in OPEN:
                return 0
            old = dates(case)
            new = self._counted(s, case, at)
            if new == old:
                return 0
            case.supplement_by, case.grace_by = new["supplement_by"], new["grace_by"]
            if new["correction_notice_by"] != old["correction_notice_by"]:
                case.decision = {**case.decision,
                                 "correction_notice_by": iso(new["correction_notice_by"])}
            case.due_committed, case.due_legal = new["due_committed"], new["due_legal"]
            for field, kind in TIMER_OF.items():
                if new[field] != old[field] and new[field] is not None:
                    _move(s, case.id, kind, day_after(new[field]))
            out.append(self._event(s, case, "due_recomputed", at, {
                "old": _json(old), "new": _json(new),
                "provisional_years": self._provisional(case, new)}))
            return 1

    def _counted(self: Any, s: Session, case: Case, at: datetime) -> dict[str, date | None]:
        """The case's dates counted on the kernel's calendar now; the row is left as it was."""
        cal = self.calendar(case)
        start = counted_from(cal, case.submitted_at)
        new = dates(case)
        if case.state == "awaiting_supplement":  # the supplement date is still ahead
            new["supplement_by"] = self._supplement_by(case) or case.supplement_by
        if case.state == "re_notified":  # the grace runs from the day of the re-notice
            noticed = next((e.at for e in reversed(self.events(s, case.id))
                            if e.kind == "re_notified"), None)
            if noticed is not None and case.grace_by is not None:
                grace = TimeLimit.model_validate(case.decision.get("supplement_grace")
                                                 or _default_grace())
                new["grace_by"] = cal.due(noticed.astimezone(cal.tz).date(), grace).day
        if case.state == "correction_required" and new["correction_notice_by"] is not None:
            new["correction_notice_by"] = cal.due(start, CORRECTION_NOTICE).day
        if case.state in ACTIVE:
            kept = (case.supplement_by, case.due_committed, case.due_legal)
            case.supplement_by = new["supplement_by"]  # the applicant's time starts after it
            try:
                self.refresh_due(s, case, at)  # the clock, as every action stores it
                for which, field in (("committed", "due_committed"), ("legal", "due_legal")):
                    limit = TimeLimit.model_validate(case.decision["time_limits"][which])
                    if limit.unit != "working_days" and new[field] is not None:
                        new[field] = cal.due(  # no pausable clock: as deem_accepted counts
                            start if limit.unit == "office_hours" else start.date(), limit).day
                    else:
                        new[field] = getattr(case, field)
            finally:
                case.supplement_by, case.due_committed, case.due_legal = kept
        return new

    def _supplement_by(self: Any, case: Case) -> date | None:
        """The supplement date the fold gives today, if the rules still decide the case alike
        (the limit a rule set for supplements is not stored, only the date it gave)."""
        try:
            decision, _ = self.kernel.evaluate(case.application, case_id=case.id)
        except Exception:
            log.exception("case %s: supplement date not recounted", case.id)
            return None
        same = (decision.outcome == case.outcome
                and decision.time_limits.model_dump(mode="json")
                == case.decision["time_limits"])
        return decision.supplement_by if same else None

    def _provisional(self: Any, case: Case, new: dict[str, date | None]) -> list[int]:
        """The years the new dates still count through on the statute alone."""
        cal = self.calendar(case)
        last = max((d for d in new.values() if d is not None), default=None)
        first = counted_from(cal, case.submitted_at).date()
        if last is None:
            return []
        return [y for y in cal.provisional_years if first.year <= y <= last.year]


def dates(case: Case) -> dict[str, date | None]:
    """The stored dates a notice may move."""
    out = {f: getattr(case, f) for f in DATES if f != "correction_notice_by"}
    by = case.decision.get("correction_notice_by")
    out["correction_notice_by"] = date.fromisoformat(by) if by else None
    return out


def _json(values: dict[str, date | None]) -> dict[str, str | None]:
    return {k: iso(v) for k, v in values.items()}


def _default_grace() -> TimeLimit:
    from kernel.store.lifecycle import DEFAULT_GRACE

    return DEFAULT_GRACE


def _move(s: Session, case_id: str, kind: str, due_at: datetime) -> None:
    """A pending timer of the case to its new time (fired or cancelled ones are history)."""
    s.execute(update(Timer).where(Timer.case_id == case_id, Timer.kind == kind,
                                  Timer.fired_at.is_(None), Timer.cancelled_at.is_(None))
              .values(due_at=due_at).execution_options(synchronize_session=False))


class CalendarWatch:
    """The hall's notice folder as this process last counted with it: a notice installed
    here or by another process is followed by a recount of the open cases."""

    def __init__(self, lifecycle: Any):
        self.lifecycle = lifecycle
        self.seen = self._fingerprint()

    def _fingerprint(self) -> str:
        from calendars.schedule import notice_folder
        from kernel.store.rulesedit import fingerprint

        folder = notice_folder()
        return fingerprint([folder]) if folder is not None else ""

    def install(self, path: Any, replace: bool = False) -> tuple[Any, int]:
        """Install a notice file (``calendars.install_override``) and recount; (installed,
        cases moved)."""
        import calendars

        done = calendars.install_override(path, replace=replace)
        self.seen = self._fingerprint()
        years = (*done.covers, *done.settled)
        return done, self.lifecycle.recompute_due(since=min(years) if years else None)

    def refresh(self) -> int | None:
        """Recount when the folder changed since last seen (None: it did not)."""
        seen = self._fingerprint()
        if seen == self.seen:
            return None
        self.seen = seen
        return self.lifecycle.recompute_due()
