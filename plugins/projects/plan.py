"""A project's plan: its items judged by the rules in force, both routes, totals and savings.

The legal route is the one the law sets without any reform: every licence the project
lists, at its own legal limit, each after the one before it (串联; 行政许可法 art. 26 lets a
government organise joint handling, which is itself a reform). The committed route applies
what the rules in force on each stage's first day say: constituents handled as one merged
step (``merge_steps``), committed limits (``set_time_limit``), parallel approval
(``parallel_approval``) and review before a needed result (``review_before_needs``). The
reforms are applied one after another in that order, and each is credited with the working
days it took off the chain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any

from kernel.core import InputError, Kernel
from kernel.decide import HALL_TZ, received_on
from kernel.models import Application, Item, TimeLimit
from kernel.rulebook import Rule
from plugins.projects import chain
from plugins.projects.assemble import Assembly, days
from plugins.projects.chain import Step
from plugins.projects.models import (
    NotRequired,
    Plan,
    Project,
)

REFORMS = ("merge_steps", "set_time_limit", "parallel_approval", "review_before_needs")
_KIND = {"merge_steps": "merge", "set_time_limit": "committed_limit",
         "parallel_approval": "parallel_approval", "review_before_needs": "review_before_needs"}


@dataclass
class Judged:
    """What the rules in force say of one item for this project."""

    item: Item
    legal: TimeLimit
    committed: TimeLimit
    fired: list[tuple[Rule, str, Any]]  # (rule, action name, params) of chain-relevant actions
    rejected: list[str]

    def rules(self, action: str) -> list[tuple[Rule, Any]]:
        return [(r, p) for r, name, p in self.fired if name == action]

    @property
    def committed_by(self) -> Rule | None:
        setters = [r for r, p in self.rules("set_time_limit") if p.committed is not None]
        return setters[-1] if setters else None


class Planner:
    """Plans projects with one started kernel (its catalogue, rules and calendars)."""

    def __init__(self, kernel: Kernel):
        self.kernel = kernel

    def plan(self, project: Project) -> Plan:
        calendar = self.kernel.calendar_for(project.region)
        first = received_on(calendar, datetime.combine(project.start, time(9), HALL_TZ))
        where = self._check(project)
        book = self.kernel.rulebook
        rules = {(r.ruleset, r.version, r.id): r for r in book.rules}

        def due(day: date, n: int) -> Any:
            return calendar.due(day, ("working_days", n))

        legal_start, start = first, first
        out = Assembly()
        for k, stage in enumerate(project.stages):
            if stage.start is not None:
                start = self._stage_start(stage.start, start, k, calendar)
                legal_start = max(legal_start, start)  # the legal route may still be running
            facts = project.facts(k + 1)
            judged = {}
            for entry in stage.items:
                j = self._judge(project, entry.code, start, facts, rules)
                if j.rejected:
                    out.not_required.append(NotRequired(item=entry.code, stage=stage.stage,
                                                        reasons=j.rejected))
                else:
                    judged[entry.code] = j
            legal = self._legal_steps(stage, judged, where)
            plan = _StagePlan(stage.stage, legal, judged)
            plan.pauses = {e.code: list(e.pauses) for e in stage.items}
            self._reform(plan, project, start, facts, rules, where)
            try:
                sched = chain.schedule(plan.steps, start, due)
            except chain.Late as exc:
                code = plan.merges.get(exc.code, [exc.code])[-1]
                raise InputError(f"{where[code]}.completed_on", str(exc)) from None
            legal_sched = chain.schedule([replace(s, completed_on=None) for s in legal],
                                         legal_start, due)
            out.add(plan, sched, legal_sched, due)
            start, legal_start = sched.end, legal_sched.end
        return out.build(project, first, start, legal_start)

    @staticmethod
    def _stage_start(day: date, ready: date, k: int, calendar: Any) -> date:
        """A stage the owner applies for later: from its own day, never before it can."""
        day = received_on(calendar, datetime.combine(day, time(9), HALL_TZ))
        if day < ready:
            raise InputError(f"stages.{k}.start", f"{day} is before the previous stage ends "
                             f"({ready})")
        return day

    # -- the items, as the rules in force judge them ---------------------------------------

    def _judge(self, project: Project, code: str, day: date, facts: dict,
               rules: dict) -> Judged:
        item = self.kernel.items.items[code]
        app = Application(
            items=(code,), applicant=project.owner, region=project.region,
            submitted_at=datetime.combine(day, time(9), HALL_TZ), facts=facts,
            materials=tuple(m.code for m in item.materials))
        decision, _ = self.kernel.evaluate(app)
        fired = []
        for entry in decision.trace:
            rule = rules.get((entry.ruleset, entry.version, entry.rule))
            if entry.status != "fired" or entry.item != code or rule is None:
                continue
            fired += [(rule, name, p) for name, p in rule.actions if name in REFORMS]
        limits = decision.items[0].time_limits
        return Judged(item, limits.legal, limits.committed, fired,
                      decision.reasons if decision.outcome == "rejected" else [])

    def _check(self, project: Project) -> dict[str, str]:
        """Where each listed item stands (``stages.i.items.j``); refuses what cannot be planned."""
        items, where, stage_of = self.kernel.items.items, {}, {}
        for i, stage in enumerate(project.stages):
            for j, entry in enumerate(stage.items):
                field = f"stages.{i}.items.{j}"
                item = items.get(entry.code)
                if item is None:
                    raise InputError(f"{field}.code", f"unknown item code {entry.code!r}")
                if item.merges:
                    raise InputError(f"{field}.code", (
                        f"{entry.code} merges {', '.join(item.merges)}: list those, the "
                        "legal chain counts each licence"))
                if entry.code in where:
                    raise InputError(f"{field}.code", f"{entry.code} is listed twice")
                where[entry.code], stage_of[entry.code] = field, i
        for i, stage in enumerate(project.stages):
            seen = set()
            for j, entry in enumerate(stage.items):
                for n, need in enumerate(entry.needs):
                    field = f"stages.{i}.items.{j}.needs.{n}"
                    if need not in stage_of:
                        raise InputError(field, f"{need} is not an item of this project")
                    if stage_of[need] > i or (stage_of[need] == i and need not in seen):
                        raise InputError(field, f"{entry.code} needs {need}, listed after it")
                seen.add(entry.code)
        return where

    def _legal_steps(self, stage: Any, judged: dict[str, Judged],
                     where: dict[str, str]) -> list[Step]:
        here = {e.code for e in stage.items if e.code in judged}
        return [Step(code=e.code, department=judged[e.code].item.department,
                     days=days(judged[e.code].legal, where[e.code]),
                     needs=frozenset(n for n in e.needs if n in here),
                     paused=sum(p.length.working_days for p in e.pauses),
                     completed_on=e.completed_on, order=j)
                for j, e in enumerate(stage.items) if e.code in here]

    # -- the reforms, one after another ----------------------------------------------------

    def _reform(self, plan: _StagePlan, project: Project, day: date, facts: dict,
                rules: dict, where: dict[str, str]) -> None:
        for merged in self.kernel.items.merged():
            parts = [c for c in merged.merges if c in plan.owner and plan.owner[c] == c]
            if len(parts) < 2:
                continue
            j = self._judge(project, merged.code, day, facts, rules)
            by = j.rules("merge_steps")
            if j.rejected or not by:
                continue
            field = where[parts[0]]
            steps = [s for s in plan.steps if s.code in parts]
            into = Step(code=merged.code, department=merged.department,
                        days=days(j.legal, field), paused=sum(s.paused for s in steps),
                        completed_on=max(s.completed_on for s in steps)
                        if all(s.completed_on for s in steps) else None)
            try:
                new = chain.merge(plan.steps, parts, into)
            except ValueError as exc:
                raise InputError(field, f"{merged.code} cannot be one step: {exc}") from None
            plan.apply(new, "merge", by[0][0], parts)
            plan.judged[merged.code] = j
            plan.merges[merged.code] = parts
            plan.pauses[merged.code] = [p for c in parts for p in plan.pauses.get(c, [])]
            for c in parts:
                plan.owner[c] = merged.code
        for step in list(plan.steps):
            j = plan.judged[step.code]
            committed = days(j.committed, where.get(step.code) or where[plan.merges[step.code][0]])
            new = [replace(s, days=committed) if s.code == step.code else s for s in plan.steps]
            plan.apply(new, "committed_limit", j.committed_by, [step.code])
        self._by_rule(plan, "parallel_approval", lambda s, p: replace(s, parallel=True))
        self._by_rule(plan, "review_before_needs", lambda s, p: replace(
            s, early=s.early | (s.needs & {plan.owner.get(c, c) for c in p.needs})))

    @staticmethod
    def _by_rule(plan: _StagePlan, action: str, change: Callable[[Step, Any], Step]) -> None:
        by_rule: dict[Rule, list[tuple[str, Any]]] = {}
        for step in plan.steps:
            for rule, params in plan.judged[step.code].rules(action):
                by_rule.setdefault(rule, []).append((step.code, params))
        for rule, hits in sorted(by_rule.items(), key=lambda kv: (kv[0].priority, kv[0].order)):
            params = dict(hits)
            new = [change(s, params[s.code]) if s.code in params else s for s in plan.steps]
            plan.apply(new, _KIND[action], rule, list(params))


class _StagePlan:
    """One stage while its reforms are applied: its steps and what each reform saved."""

    def __init__(self, stage: str, legal: list[Step], judged: dict[str, Judged]):
        self.stage, self.legal, self.steps, self.judged = stage, legal, legal, judged
        self.owner = {s.code: s.code for s in legal}  # listed item -> the step it is in
        self.merges: dict[str, list[str]] = {}
        self.pauses: dict[str, list[Any]] = {}
        self.savings: list[tuple[str, Rule | None, list[str], int]] = []

    def apply(self, steps: list[Step], kind: str, rule: Rule | None, items: list[str]) -> None:
        """Take ``steps`` as the stage's; credit ``rule`` (None: an implementation list's
        committed limit, listed only when it saved something) with the days saved."""
        saved = chain.length(self.steps) - chain.length(steps)
        self.steps = steps
        if saved or rule is not None:
            self.savings.append((kind, rule, items, saved))
