"""Load a history (``onetrip sandbox generate``'s JSON Lines) into the live store, in time order.

Each row is submitted at its historic time through the case lifecycle, so its decision, due
dates, timers and plugin side effects are those of the rules in force; then what the row
says happened is played at its time: tolerated materials supplied the next working day, a
correction notice given (by the OA plugin's dispatched notice, or directly), the case
completed on ``then.completed_on``. Optionally (``ratings``) applicants rate completed cases
with the yearbook's mix (99.65 % good) and departments answer the follow-ups; the OA
documents of the cases' notices are advanced step by step, a few late and a few returned.
The sweeper runs at the start of each day, so timers fire and warnings are raised at their
historic moments. A row already loaded (same ``case_id``) is skipped.
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from kernel.decide import HALL_TZ
from plugins.supervision.service import LEVELS, NewRating, Reply

log = logging.getLogger("onetrip.supervision.load")
# The yearbook's 好差评: 99.65 % good; spread over the five levels (our guess).
LEVEL_WEIGHTS = (80.0, 17.0, 2.65, 0.25, 0.10)
RATED = 0.7  # share of completed cases whose applicant rates them
COMPREHENSIVE_WINDOWS = 6  # windows of the hall's comprehensive counter


class LoadError(ValueError):
    def __init__(self, line: int, message: str):
        self.line = line
        super().__init__(f"line {line}: {message}")


@dataclass
class Counts:
    rows: int = 0
    stored: int = 0
    skipped: int = 0
    completed: int = 0
    ratings: int = 0
    follow_ups: int = 0
    oa_steps: int = 0
    bad: list[str] = field(default_factory=list)


def window_of(row: dict[str, Any], department: str, level: str) -> dict[str, Any] | None:
    """The window a history row implies: its channel and desk (hall systems record these)."""
    channel = row["application"].get("channel", "window")
    if channel == "online":
        return {"code": "ONLINE", "level": level, "kind": "online", "name": "网上办事大厅"}
    if channel == "bank":
        return {"code": "BANK-01", "level": level, "kind": "bank", "name": "银行网点"}
    if row.get("desk") == "department":
        return {"code": f"DEPT-{department}", "level": level, "kind": "department"}
    n = 1 + int.from_bytes(str(row.get("case_id")).encode()[-2:], "big") % COMPREHENSIVE_WINDOWS
    return {"code": f"ZH-{n:02d}", "level": level, "kind": "comprehensive",
            "name": f"综合受理{n}号窗口"}


class Loader:
    """Plays history rows through a store-backed kernel."""

    def __init__(self, kernel: Any, ratings: bool = True, oa: bool = True, seed: int = 1):
        from kernel.store.lifecycle import Lifecycle
        from plugins.supervision import supervision_of

        self.kernel, self.seed, self.ratings = kernel, seed, ratings
        self.lifecycle = Lifecycle(kernel)
        self.sv = supervision_of(kernel)
        self.oa = None
        if oa and "oa" in kernel.plugins:
            from plugins.oa import service_of

            self.oa = service_of(kernel)
        self.counts = Counts()
        self._queue: list = []
        self._order = itertools.count()

    def at(self, when: datetime, action: Callable[[], None]) -> None:
        heapq.heappush(self._queue, (when, next(self._order), action))

    def run(self, rows: Iterator[tuple[int, str]]) -> Counts:
        swept: date | None = None
        for line, text in rows:
            row = self._parse(line, text)
            if row is None:
                continue
            when = datetime.fromisoformat(row["application"]["submitted_at"])
            self.at(when, lambda row=row, line=line: self.submit(row, line))
        while self._queue:
            when, _, action = heapq.heappop(self._queue)
            day = when.astimezone(HALL_TZ).date()
            if day != swept:  # the day's first moment: timers and warnings due by then
                self.lifecycle.sweep(datetime.combine(day, time(8), HALL_TZ))
                swept = day
            action()
        if swept is not None:
            self.lifecycle.sweep(datetime.combine(swept, time(18), HALL_TZ))
        return self.counts

    def _parse(self, line: int, text: str) -> dict[str, Any] | None:
        self.counts.rows += 1
        try:
            row = json.loads(text)
            app = row["application"]
            datetime.fromisoformat(app["submitted_at"])
            items = [self.kernel.items.items[app["items"][0]]]
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            self.counts.bad.append(str(LoadError(line, f"{type(exc).__name__}: {exc}")))
            return None
        if "window" not in app:
            impl = items[0].implementation
            app["window"] = window_of(row, items[0].department, impl.level if impl else "city")
        return row

    def submit(self, row: dict[str, Any], line: int) -> None:
        app = row["application"]
        try:
            case_id, created = self.lifecycle.submit(app, key=f"history:{row['case_id']}")
        except Exception as exc:  # an invalid application: listed, the load goes on
            self.counts.bad.append(str(LoadError(line, f"{type(exc).__name__}: {exc}")))
            return
        if not created:
            self.counts.skipped += 1
            return
        self.counts.stored += 1
        rng = random.Random(f"{self.seed}:{row['case_id']}")
        submitted = datetime.fromisoformat(app["submitted_at"])
        brief = self.lifecycle.brief(case_id)
        self._documents(case_id, submitted, rng)
        ready = submitted
        if brief["state"] == "awaiting_supplement":
            ready = self._supplement(case_id, brief["decision"], submitted)
        elif brief["state"] == "correction_required" and self.oa is None:
            given = submitted + timedelta(hours=1)
            self.at(given, lambda: self.lifecycle.correction_notice(case_id, given))
        done = (row.get("then") or {}).get("completed_on")
        if done and brief["state"] in ("in_review", "awaiting_supplement"):
            at = max(datetime.combine(date.fromisoformat(done), time(16), HALL_TZ),
                     ready + timedelta(hours=1))
            self.at(at, lambda: self._complete(case_id, at, rng))

    def _supplement(self, case_id: str, decision: dict[str, Any], submitted: datetime) -> datetime:
        owed = [m["material"] for m in decision["tolerated"]]
        by = date.fromisoformat(decision["supplement_by"])
        cal = self.kernel.calendar
        day = min(cal.add_working_days(submitted.astimezone(HALL_TZ).date(), 1), by)
        at = datetime.combine(day, time(10), HALL_TZ)
        self.at(at, lambda: self.lifecycle.supplement(case_id, owed, at))
        return at

    def _complete(self, case_id: str, at: datetime, rng: random.Random) -> None:
        from kernel.store.lifecycle import StateError

        try:
            self.lifecycle.complete(case_id, "granted", at=at)
        except StateError:  # terminated meanwhile (materials never came): nothing to complete
            return
        self.counts.completed += 1
        if self.ratings and rng.random() < RATED:
            rated = at + timedelta(minutes=30)
            self.at(rated, lambda: self._rate(case_id, rated, rng))

    def _rate(self, case_id: str, at: datetime, rng: random.Random) -> None:
        level = rng.choices(LEVELS, LEVEL_WEIGHTS)[0]
        out = self.sv.rate(case_id, NewRating(level=level, channel="window", rated_at=at))
        self.counts.ratings += 1
        follow = out["follow_up"]
        if follow is not None:
            self.counts.follow_ups += 1
            days = rng.randint(1, self.sv.follow_up_days + 3)  # a few answered late
            day = self.kernel.calendar.add_working_days(at.astimezone(HALL_TZ).date(), days)
            when = datetime.combine(day, time(11), HALL_TZ)
            answer = Reply(reply="已核实情况并整改，向申请人当面致歉并说明改进措施",
                           by=follow["owner"], at=when)
            self.at(when, lambda: self.sv.reply(follow["id"], answer))

    def _documents(self, case_id: str, submitted: datetime, rng: random.Random) -> None:
        """Advance the case's OA notice documents step by step from their creation."""
        if self.oa is None:
            return
        from sqlmodel import select

        from kernel.store.db import reading
        from plugins.oa.models import OADocument

        with reading(self.oa.engine) as s:
            docs = list(s.exec(select(OADocument.id).where(OADocument.case_id == case_id)))
        for doc_id in docs:
            self.at(submitted + timedelta(minutes=5), lambda d=doc_id: self._advance(d, rng))

    def _advance(self, doc_id: str, rng: random.Random) -> None:
        from plugins.oa.models import Advance

        doc = self.oa.get(doc_id)
        if doc["status"] != "open":
            return
        step = doc["steps"][-1]
        start, due = (datetime.fromisoformat(step[k]) for k in ("started_at", "due_at"))
        share = rng.uniform(1.1, 2.0) if rng.random() < 0.02 else rng.uniform(0.05, 0.6)
        at = start + max(due - start, timedelta(minutes=10)) * share  # a deadline may come first
        returned = step["step"] == "recheck" and rng.random() < 0.01
        self.oa.advance(doc_id, Advance(step=step["step"], at=at,
                                        result="returned" if returned else "done",
                                        reason="文字有误，退回重新签发" if returned else None))
        self.counts.oa_steps += 1
        self.at(at, lambda: self._advance(doc_id, rng))


def read_rows(path: Path, limit: int | None = None) -> Iterator[tuple[int, str]]:
    with open(path, encoding="utf-8") as fh:
        for n, text in enumerate(fh, 1):
            if limit is not None and n > limit:
                return
            if text.strip():
                yield n, text
