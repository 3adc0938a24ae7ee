"""OA rules on the kernel's rule machinery: document facts, OA actions, one plan per step."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from pydantic import Field, model_validator

from kernel import FactRegistry, Rulebook
from kernel.actions import ActionRegistry, Params, Reason
from kernel.conditions import attr

if TYPE_CHECKING:  # the tables load with the service; lint and schema need only the rules
    from plugins.oa.models import OADocument

DATE_FACT = "doc.received_on"
StepUnit = Literal["working_days", "calendar_days", "office_hours", "clock_hours",
                   "on_the_spot"]


class Limit(NamedTuple):
    """A step's limit: the kernel's units, and clock hours (duty roster on rest days)."""

    unit: str
    amount: int


# When no rule sets a step's limit: 平件's 3 working days, the least urgent local practice.
FALLBACK = Limit("working_days", 3)


class StepLimit(Params):
    """A step limit as rule authors write it: exactly one unit. ``clock_hours`` run round the
    clock (a duty roster on rest days), ``office_hours`` only in office time."""

    working_days: int | None = Field(None, ge=0, le=3650)
    calendar_days: int | None = Field(None, ge=0, le=3650)
    office_hours: int | None = Field(None, ge=0, le=2000)
    clock_hours: int | None = Field(None, ge=1, le=2000)
    on_the_spot: Literal[True] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> StepLimit:
        if len(self.model_dump(exclude_none=True)) != 1:
            raise ValueError("give exactly one of working_days, calendar_days, office_hours, "
                             "clock_hours, on_the_spot")
        return self

    @cached_property
    def limit(self) -> Limit:
        ((unit, amount),) = self.model_dump(exclude_none=True).items()
        return Limit(unit, 0 if unit == "on_the_spot" else amount)

DOC_FACTS = (
    ("doc.flow", "string", "incoming (收文) or outgoing (发文)"),
    ("doc.type", "string", "文种, e.g. 通知, 请示, 函, 容缺受理通知书"),
    ("doc.urgency", "string", "extra_urgent (特急), urgent (加急) or normal (平件)"),
    ("doc.step", "string", "the step being entered, e.g. review (初审), recheck (复核)"),
    ("doc.lead", "string", "lead (主办) department, absent when none is named yet"),
    ("doc.co_handling", "integer", "number of co-handling (协办) departments"),
    ("doc.sender", "string", "来文单位 of an incoming document"),
    ("doc.ours", "boolean", "the document is for this office to handle"),
    ("doc.format_ok", "boolean", "文种 and 格式 meet the rules"),
    ("doc.countersigned", "boolean", "departments concerned have agreed (会签) beforehand"),
    ("doc.from_case", "boolean", "a notice issued for an approval case"),
    ("doc.returns", "integer", "times the document was returned so far"),
    (DATE_FACT, "integer", "day the document arrived or was drafted, yyyymmdd (Asia/Shanghai)"),
    ("doc.rest_day", "boolean", "the step starts on a rest day (the duty roster handles it)"),
)


class Chase(Params):
    """When to chase (催办) a step: at a share of its limit, or some office hours before due."""

    percent: int | None = Field(None, ge=1, le=99, description="share of the limit elapsed")
    office_hours_before: int | None = Field(None, ge=1, le=200)

    @model_validator(mode="after")
    def _exactly_one(self) -> Chase:
        if (self.percent is None) == (self.office_hours_before is None):
            raise ValueError("give exactly one of percent, office_hours_before")
        return self


class Route(Params):
    lead: str | None = Field(None, min_length=1, description="lead department if none is named")
    countersign: tuple[str, ...] = Field((), description="departments that countersign (会签)")

    @model_validator(mode="after")
    def _something(self) -> Route:
        if self.lead is None and not self.countersign:
            raise ValueError("give lead, countersign or both")
        return self


@dataclass
class Plan:
    """What the fired rules say about one document at one step; later rules win on limits."""

    limit: Limit = FALLBACK
    chase: Chase | None = None
    lead: str | None = None
    countersign: list[str] = field(default_factory=list)
    returns: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)


def _limit(plan: Plan, p: StepLimit, doc: Any) -> None:
    plan.limit = p.limit


def _chase(plan: Plan, p: Chase, doc: Any) -> None:
    plan.chase = p


def _route(plan: Plan, p: Route, doc: Any) -> None:
    plan.lead = p.lead or plan.lead
    plan.countersign += [d for d in p.countersign if d not in plan.countersign]


def _return(plan: Plan, p: Reason, doc: Any) -> None:
    plan.returns.append(p.reason)


class OAActions(ActionRegistry):
    """The OA rule vocabulary only: the kernel's case actions make no sense for a document."""

    def __init__(self) -> None:
        self.actions = {}
        self.plugin = "oa"
        self.add("set_step_limit", StepLimit, _limit)
        self.add("chase", Chase, _chase)
        self.add("route", Route, _route)
        self.add("return_document", Reason, _return)


def fact_registry() -> FactRegistry:
    facts = FactRegistry()
    facts.plugin = "oa"
    for name, type_, text in DOC_FACTS:
        facts.declare(name, type_, text)
    return facts


class OARules:
    """The OA rulebook: loaded whole from YAML folders, or not at all (SourceError)."""

    def __init__(self, dirs: list[Path], loaded: set[str]):
        self.facts, self.actions = fact_registry(), OAActions()
        self.book = Rulebook.load(dirs, self.facts, self.actions, loaded, date_fact=DATE_FACT)

    def plan(self, doc: OADocument, step: str, returns: int = 0,
             rest_day: bool | None = None) -> Plan:
        """Fire the rules for ``doc`` entering ``step`` (on a rest day, or not)."""
        plan = Plan()
        facts = doc_facts(doc, step, returns, rest_day)
        for name, value in facts.items():
            self.facts.check_value(name, value)
        for rule in self.book.match({attr(k): v for k, v in facts.items()}):
            for name, params in rule.actions:
                self.actions.apply(plan, name, params, doc)
            plan.rules.append(f"{rule.ruleset}@{rule.version}:{rule.id}")
        return plan

    def close(self) -> None:
        self.book.close()


def doc_facts(doc: OADocument, step: str, returns: int,
              rest_day: bool | None = None) -> dict[str, Any]:
    """The ``doc.*`` facts of a document; unknown ones are left out (conditions are false)."""
    from plugins.oa.models import local_day

    day = local_day(doc.received_at)
    facts = {
        "doc.flow": doc.flow, "doc.type": doc.doc_type, "doc.urgency": doc.urgency,
        "doc.step": step, "doc.lead": doc.lead, "doc.co_handling": len(doc.co_handling),
        "doc.sender": doc.sender, "doc.from_case": doc.case_id is not None,
        "doc.returns": returns, DATE_FACT: day.year * 10000 + day.month * 100 + day.day,
        "doc.rest_day": rest_day,
        **{f"doc.{k}": doc.facts[k] for k in ("ours", "format_ok", "countersigned")
           if k in doc.facts},
    }
    return {k: v for k, v in facts.items() if v is not None}
