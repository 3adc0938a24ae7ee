"""A plan's parts gathered stage by stage: steps with dates, stages, departments, savings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from kernel.core import InputError
from kernel.decide import compression
from kernel.models import TimeLimit
from plugins.projects import chain
from plugins.projects.models import (
    STAGES,
    Days,
    DepartmentPart,
    LegalStep,
    NotRequired,
    Plan,
    PlannedPause,
    PlannedStage,
    PlannedStep,
    Project,
    Saving,
    StepDue,
)

IMPLEMENTATION_LIST = "各事项实施清单的承诺时限"


def wd(n: int) -> Days:
    return Days(amount=n)


def days(limit: TimeLimit, field: str) -> int:
    """A limit as chain working days: the chain counts working days (即办: none)."""
    if limit.unit == "on_the_spot":
        return 0
    if limit.unit != "working_days":
        raise InputError(field, f"a limit in {limit.unit}: the chain counts working days")
    return limit.amount


class Assembly:
    """The plan's parts, gathered stage by stage."""

    def __init__(self) -> None:
        self.stages: list[PlannedStage] = []
        self.legal: list[LegalStep] = []
        self.not_required: list[NotRequired] = []
        self.plans: list[Any] = []  # the stages as planned (plan._StagePlan)
        self.years: set[int] = set()

    def add(self, plan: Any, sched: chain.Schedule, legal: chain.Schedule,
            due: Callable[[date, int], Any]) -> None:
        self.plans.append(plan)
        self.years |= sched.provisional_years | legal.provisional_years
        self.legal += [LegalStep(item=s.code, stage=plan.stage, legal=plan.judged[s.code].legal,
                                 start=legal.starts[s.code], due=legal.ends[s.code])
                       for s in plan.legal]
        steps = []
        for s in plan.steps:
            j, begin = plan.judged[s.code], sched.starts[s.code]
            legal_due = due(begin, days(j.legal, s.code) + s.paused)
            self.years |= set(legal_due.provisional_years)
            # reviewed before a result it needs (容缺预审): decided no earlier than that result
            legal_day = max([legal_due.day] + [sched.ends[c] for c in s.early])
            committed_due = sched.dues[s.code]
            by = j.committed_by
            steps.append(PlannedStep(
                item=s.code, name=j.item.name, department=s.department,
                merges=plan.merges.get(s.code, []), needs=sorted(s.needs),
                legal=j.legal, committed=j.committed,
                committed_by=f"{by.ruleset}/{by.id}" if by else None, parallel=s.parallel,
                reviewed_before=sorted(s.early), start=begin,
                due=StepDue(committed=committed_due, legal=legal_day),
                pauses=self._pauses(plan, s.code), completed_on=s.completed_on,
                late=s.completed_on is not None and s.completed_on > committed_due,
                critical=s.code in sched.critical))
        self.stages.append(PlannedStage(
            stage=plan.stage, name=STAGES[plan.stage], legal=wd(chain.length(plan.legal)),
            committed=wd(chain.length(plan.steps)), start=sched.start, end=sched.end,
            critical_path=sched.critical, steps=steps))

    @staticmethod
    def _pauses(plan: Any, code: str) -> list[PlannedPause]:
        return [PlannedPause(category=p.category, working_days=p.length.working_days,
                             reason=p.reason) for p in plan.pauses.get(code, [])]

    def build(self, project: Project, first: date, end: date, legal_end: date) -> Plan:
        legal = sum(chain.length(p.legal) for p in self.plans)
        committed = sum(chain.length(p.steps) for p in self.plans)
        return Plan(
            project=project.code, name=project.name, kind=project.kind, legal=wd(legal),
            committed=wd(committed),
            compression_rate=compression(TimeLimit(unit="working_days", amount=legal),
                                         TimeLimit(unit="working_days", amount=committed)),
            start=first, end=end, legal_end=legal_end, provisional=bool(self.years),
            provisional_years=sorted(self.years),
            critical_path=[c for s in self.stages for c in s.critical_path],
            stages=self.stages, departments=self._departments(), savings=self._savings(),
            legal_route=self.legal, not_required=self.not_required)

    def _departments(self) -> list[DepartmentPart]:
        names = dict.fromkeys(s.department for p in self.plans for s in p.legal + p.steps)
        return [DepartmentPart(department=d, **{
            route: wd(sum(chain.length(getattr(p, attr), lambda s, d=d: s.days * (
                s.department == d)) for p in self.plans))
            for route, attr in (("legal", "legal"), ("committed", "steps"))})
            for d in names]

    def _savings(self) -> list[Saving]:
        out: dict[tuple, Saving] = {}
        for plan in self.plans:
            for kind, rule, items, saved in plan.savings:
                key = (kind, rule.ruleset if rule else None, rule.id if rule else None)
                found = out.get(key)
                if found is None:
                    out[key] = Saving(rule=f"{rule.ruleset}/{rule.id}" if rule else None,
                                      title=rule.title if rule else IMPLEMENTATION_LIST,
                                      reform=kind, items=list(items), days=saved)
                else:
                    found.items += items
                    found.days += saved
        return list(out.values())
