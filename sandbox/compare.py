"""One case under two rulebooks: views, the per-case diff and a chunk's counters."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from kernel import HALL_TZ
from kernel.rulebook import Rule, Rulebook
from sandbox.history import BadRow, HistoricCase, explain, parse_line
from sandbox.kpi import Kpis, Recorded, View, view, visits, working_days
from sandbox.policy import versions


def _definition(rules: list[Rule]) -> dict[str, list[str]]:
    """Each rule id with the content of its versions, to spot rules a draft redefined."""
    out: dict[str, list[str]] = {}
    for r in rules:
        body = json.dumps([r.expr, [(n, p.model_dump(mode="json")) for n, p in r.actions],
                           r.priority, str(r.effective)], sort_keys=True, ensure_ascii=False)
        out.setdefault(f"{r.ruleset}/{r.id}", []).append(body)
    return {k: sorted(v) for k, v in out.items()}


def redefined(a: Rulebook, b: Rulebook) -> frozenset[str]:
    """Rule ids present in both rulebooks whose conditions, actions or dates differ."""
    da, db = _definition(a.rules), _definition(b.rules)
    return frozenset(k for k in da.keys() & db.keys() if da[k] != db[k])


class Comparer:
    """Evaluates cases under a baseline and a candidate rulebook of one kernel."""

    def __init__(self, kernel: Any, baseline: Rulebook, candidate: Rulebook,
                 dirs: list[list[Path] | None] | None = None):
        self.kernel, self.books = kernel, (baseline, candidate)
        # the folders each rulebook was read from (None: the kernel's own)
        self.dirs = tuple(d or list(kernel.rule_dirs) for d in dirs or (None, None))
        self.catalogue = kernel.items.items
        self.changed_rules = redefined(baseline, candidate)
        self._days: tuple[dict[date, tuple], dict[date, tuple]] = ({}, {})
        self._counts: dict[tuple, int] = {}
        # what a fired rule does to a decision: its id (the view lists fired rules) and actions
        self._effects = {r: (r.ruleset, r.id, tuple((n, p.model_dump_json()) for n, p in r.actions))
                         for book in self.books for r in book.rules}

    def _view(self, case: HistoricCase, prepared: Any, book: Rulebook, matched: list) -> View:
        decision = self.kernel.decide(prepared, book, matched)
        return view(decision, self.catalogue, self._counts,
                    by_agent=case.application.agent is not None)

    def same_rules(self, day: date) -> bool:
        (a, b), (ca, cb) = self.books, self._days
        return versions(a, day, ca) == versions(b, day, cb)

    def views(self, case: HistoricCase) -> tuple[View, View, bool]:
        """Both views, and whether the candidate was skipped as identical on that day.

        The case's facts (plugins' look-ups included) are computed once for both policies,
        and when the candidate fires rules that act exactly as the baseline's did, in the
        same order, its decision is the baseline's and is not folded again.
        """
        app, (base_book, cand_book) = case.application, self.books
        prepared = self.kernel.prepare(app, case_id=case.case_id, at=app.submitted_at)
        matched = self.kernel.match(prepared, base_book)
        base = self._view(case, prepared, base_book, matched)
        if self.same_rules(app.submitted_at.astimezone(HALL_TZ).date()):
            return base, base, True
        again = self.kernel.match(prepared, cand_book)
        if self._acts(matched) == self._acts(again):
            return base, base, False
        return base, self._view(case, prepared, cand_book, again), False

    def _acts(self, matched: list[list[Rule]]) -> list[list[tuple]]:
        return [[self._effects[r] for r in rules] for rules in matched]


def _sets(a: tuple[str, ...], b: tuple[str, ...]) -> dict[str, list[str]] | None:
    sa, sb = set(a), set(b)
    return None if sa == sb else {"added": sorted(sb - sa), "removed": sorted(sa - sb)}


def diff(line: int, case: HistoricCase, b: View, c: View, changed_rules: frozenset[str]
         ) -> dict[str, Any] | None:
    """The diff line for one case, or None when its decision did not change."""
    if b == c:
        return None
    changes: dict[str, Any] = {}
    if b.outcome != c.outcome:
        changes["outcome"] = [b.outcome, c.outcome]
    for name in ("tolerated", "required", "waived"):
        moved = _sets(getattr(b, name), getattr(c, name))
        if moved:
            changes[name] = moved
    if b.committed != c.committed:
        changes["committed"] = [b.committed, c.committed]
    vb, vc = visits(b, case), visits(c, case)
    if vb != vc:
        changes["visits"] = [vb, vc]
    if not changes:
        return None
    return {
        "line": line, "case_id": case.case_id,
        "submitted_at": case.application.submitted_at.isoformat(),
        "items": list(case.application.items), "changes": changes,
        "rules": {"added": sorted(c.rules - b.rules), "removed": sorted(b.rules - c.rules),
                  "redefined": sorted(b.rules & c.rules & changed_rules)},
    }


EXAMPLES = 3  # example cases kept per outcome transition, the first in input order
FIRST_BAD = 20  # bad rows a summary lists


@dataclass
class ChunkResult:
    """Everything a worker found in one chunk of rows, merged in input order by the parent."""

    rows: int = 0
    diffs: list[str] = field(default_factory=list)
    bad: list[tuple[int, str]] = field(default_factory=list)
    bad_rows: int = 0  # every bad row merged in; ``bad`` keeps the first FIRST_BAD
    baseline: Kpis = field(default_factory=Kpis)
    candidate: Kpis = field(default_factory=Kpis)
    recorded: Recorded = field(default_factory=Recorded)
    skipped: int = 0
    transitions: Counter = field(default_factory=Counter)
    rules: Counter = field(default_factory=Counter)
    effects: Counter = field(default_factory=Counter)  # (items, counter) -> n, see EFFECTS
    examples: dict[str, list[dict]] = field(default_factory=dict)  # transition -> diffs

    def add(self, line: int, case: HistoricCase, b: View, c: View, cmp: Comparer) -> None:
        self.baseline.add(b, case)
        self.candidate.add(c, case)
        self.recorded.add(case)
        d = diff(line, case, b, c, cmp.changed_rules)
        self._effects(b, c, d is not None)
        if d is not None:
            self.diffs.append(json.dumps(d, ensure_ascii=False, sort_keys=True))
            key = f"{b.outcome} → {c.outcome}"
            self.transitions[key] += 1
            self.rules.update(set().union(*d["rules"].values()))
            if len(self.examples.setdefault(key, [])) < EXAMPLES:
                self.examples[key].append(d)

    def _effects(self, b: View, c: View, changed: bool) -> None:
        key = "+".join(b.items)
        days = (working_days(b), working_days(c))
        for name, n in (
                ("cases", 1), ("changed", changed),
                ("days_saved", days[0] - days[1] if None not in days else 0),
                ("days_changed", None not in days and days[0] != days[1]),
                ("tolerance_baseline", b.outcome == "accepted_with_tolerance"),
                ("tolerance_candidate", c.outcome == "accepted_with_tolerance"),
                ("correction_baseline", b.outcome == "correction_required"),
                ("correction_candidate", c.outcome == "correction_required")):
            if n:
                self.effects[(key, name)] += n

    def merge(self, other: ChunkResult) -> None:
        self.rows += other.rows
        self.skipped += other.skipped
        self.bad_rows += len(other.bad) + other.bad_rows
        self.bad += other.bad[:max(FIRST_BAD - len(self.bad), 0)]  # the rest: bad_rows.jsonl
        for name in ("baseline", "candidate", "recorded"):
            getattr(self, name).merge(getattr(other, name))
        self.transitions.update(other.transitions)
        self.rules.update(other.rules)
        self.effects.update(other.effects)
        for key, found in other.examples.items():
            mine = self.examples.setdefault(key, [])
            mine += found[:EXAMPLES - len(mine)]


def run_rows(cmp: Comparer, rows: Iterable[tuple[int, str]]) -> ChunkResult:
    """Replay some rows; a bad row is recorded with its line number, never dropped."""
    out = ChunkResult()
    for line, text in rows:
        out.rows += 1
        try:
            case = parse_line(text, line)
            b, c, skipped = cmp.views(case)
        except BadRow as exc:
            out.bad.append((line, exc.message))
            continue
        except ValueError as exc:  # InputError, UnknownItem, CalendarCoverageError
            out.bad.append((line, explain(exc)))
            continue
        out.skipped += skipped
        out.add(line, case, b, c, cmp)
    return out
