"""The action vocabulary rules may name, and the fold of fired actions into one decision.

Precedence when actions disagree: reject > correction > tolerance > accept. Two kernel
invariants hold whatever the rules say: a main material (主件) is never tolerated, and a
material that is missing, not waived and not tolerated makes the case
``correction_required`` with every missing material in one notice (行政许可法 art. 32).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kernel.models import Item, MaterialSpec, SpecialStep, TimeLimit, Waiver
from kernel.sharing import SharingDirectory, issuer_in

WaiveReason = Literal["data_sharing", "merged_duplicate", "commitment", "reuse"]


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LimitSpec(Params):
    """A limit as rule authors write it: exactly one of the units."""

    working_days: int | None = Field(None, ge=0, le=3650)
    calendar_days: int | None = Field(None, ge=0, le=3650)
    office_hours: int | None = Field(None, ge=0, le=2000)
    on_the_spot: Literal[True] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> LimitSpec:
        if len(self.model_dump(exclude_none=True)) != 1:
            raise ValueError("give exactly one of working_days, calendar_days, office_hours, "
                             "on_the_spot")
        return self

    @cached_property
    def limit(self) -> TimeLimit:
        ((unit, amount),) = self.model_dump(exclude_none=True).items()
        return TimeLimit(unit=unit, amount=0 if unit == "on_the_spot" else amount)


class Nothing(Params):
    note: str | None = None


class Reason(Params):
    reason: str = Field(min_length=1)


class Tolerate(Params):
    materials: Literal["tolerable"] | tuple[str, ...] = "tolerable"
    supplement_within: LimitSpec | None = Field(
        None, description="time to bring the materials; never past the committed limit")
    grace: LimitSpec = Field(
        LimitSpec(calendar_days=15),
        description="after the re-notice, time left before the case is terminated (seed: 15日)")
    review_after: LimitSpec = Field(
        LimitSpec(working_days=5),
        description="the agency's review time left between the supplement date and the "
        "committed due date; default 5 working days, the time 行政许可法 art. 32 gives an "
        "organ to examine materials handed in")


class Step(Params):
    """An art. 45 step the item needs; only these leave time out of a limit."""

    reason: SpecialStep


class Waive(Params):
    materials: Literal["data_sharing", "commitment_replaceable", "merged_duplicates"] | tuple[
        str, ...]
    reason: WaiveReason | None = None
    source: str | None = None

    @model_validator(mode="after")
    def _reason_for_lists(self) -> Waive:
        if isinstance(self.materials, tuple) and self.reason is None:
            raise ValueError("a list of materials needs a reason")
        return self


class SetLimits(Params):
    legal: LimitSpec | None = None
    committed: LimitSpec | None = None

    @model_validator(mode="after")
    def _something(self) -> SetLimits:
        if self.legal is None and self.committed is None:
            raise ValueError("give legal, committed or both")
        return self


class Extension(Params):
    """How far the organ head may extend the limit (行政许可法 art. 42)."""

    working_days: int = Field(ge=1, le=60)


class Route(Params):
    to: str = Field(min_length=1)


class Flag(Params):
    code: str = Field(min_length=1)
    message: str = ""


@dataclass
class FoldState:
    """What the fired actions of one case have said so far."""

    items: dict[str, Item]
    submitted: frozenset[str]
    applicant_kind: str = "organisation"
    sharing: SharingDirectory = field(default_factory=SharingDirectory)
    limits: dict[str, dict[str, TimeLimit]] = field(default_factory=dict)
    extensions: dict[str, TimeLimit] = field(default_factory=dict)  # item -> most allowed
    rejections: list[str] = field(default_factory=list)
    corrections: list[str] = field(default_factory=list)
    tolerable: dict[str, str] = field(default_factory=dict)  # material -> item
    supplement_within: TimeLimit | None = None
    grace: TimeLimit | None = None
    review_after: TimeLimit | None = None
    waived: dict[str, Waiver] = field(default_factory=dict)
    pauses: list[str] = field(default_factory=list)
    routes: list[str] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)
    accepted: bool = False
    part_of: dict[str, str] = field(default_factory=dict)  # part -> combined item (三窗合一)

    def waive(self, material: str, reason: str, source: str | None,
              system: str | None = None) -> None:
        """First reason wins, except that a merged duplicate (asked once, still asked) yields
        to a reason that spares the material altogether."""
        old = self.waived.get(material)
        if old is None or (old.reason == "merged_duplicate" and reason != "merged_duplicate"):
            self.waived[material] = _waiver(material, reason, source, system)

    @cached_property
    def applied_for(self) -> frozenset[str]:
        """The case's items and their constituents: what this case will issue."""
        return frozenset(c for i in self.items.values() for c in (i.code, *i.merges))


@lru_cache(maxsize=4096)  # immutable values built from checked rule data
def _waiver(material: str, reason: str, source: str | None,
            system: str | None = None) -> Waiver:
    return Waiver.model_construct(material=material, reason=reason, source=source,
                                  system=system)


def _reject(state: FoldState, p: Reason, item: Item) -> None:
    state.rejections.append(p.reason)


def _correct(state: FoldState, p: Nothing, item: Item) -> None:
    state.corrections.append(p.note or item.code)


def _accept(state: FoldState, p: Nothing, item: Item) -> None:
    state.accepted = True


def _tolerate(state: FoldState, p: Tolerate, item: Item) -> None:
    chosen = p.materials if isinstance(p.materials, tuple) else None
    for m in item.materials:
        if m.role == "secondary" and (m.tolerable if chosen is None else m.code in chosen):
            state.tolerable.setdefault(m.code, item.code)
    if p.supplement_within is not None:
        state.supplement_within = p.supplement_within.limit
    state.grace = p.grace.limit
    state.review_after = p.review_after.limit


def _waive(state: FoldState, p: Waive, item: Item) -> None:
    if p.materials == "merged_duplicates":
        seen: dict[str, str] = {}
        for it in state.items.values():
            for m in it.materials:
                if m.code in seen:
                    state.waive(m.code, p.reason or "merged_duplicate", p.source or seen[m.code])
                seen.setdefault(m.code, it.code)
        return
    for m in item.materials:
        if p.materials == "data_sharing" and m.shared_source:
            _share(state, p, m)
        elif p.materials == "commitment_replaceable" and m.commitment_replaceable:
            state.waive(m.code, p.reason or "commitment", p.source)
        elif isinstance(p.materials, tuple) and m.code in p.materials:
            state.waive(m.code, p.reason, p.source)


def _share(state: FoldState, p: Waive, m: MaterialSpec) -> None:
    """Waived for data sharing only through a directory entry for this applicant's kind. A
    document this very case applies for does not exist yet: it is not fetched, nor asked of
    the applicant, but taken from the case's own earlier result (``reuse``, naming the item)."""
    entry = state.sharing.entry_for(m.shared_source, m.code, state.applicant_kind)
    if entry is None:
        return
    issuer = issuer_in(entry, state.applied_for)
    if issuer is not None:
        state.waive(m.code, "reuse", issuer)
    else:
        state.waive(m.code, p.reason or "data_sharing", entry.id, entry.system)


def _limits(state: FoldState, p: SetLimits, item: Item) -> None:
    slot = state.limits.setdefault(item.code, {})
    if p.legal:
        slot["legal"] = p.legal.limit
    if p.committed:
        slot["committed"] = p.committed.limit


def _extension(state: FoldState, p: Extension, item: Item) -> None:
    state.extensions[item.code] = TimeLimit(unit="working_days", amount=p.working_days)


def _pause(state: FoldState, p: Step, item: Item) -> None:
    state.pauses.append(p.reason)


def _route(state: FoldState, p: Route, item: Item) -> None:
    state.routes.append(p.to)


def _flag(state: FoldState, p: Flag, item: Item) -> None:
    state.flags.append({"code": p.code, "message": p.message, "item": item.code})


Apply = Callable[[FoldState, Any, Item], None]


class ActionRegistry:
    """Every action a rule may name goes through this one lookup."""

    def __init__(self) -> None:
        self.actions: dict[str, tuple[type[BaseModel], Apply, str]] = {}
        self.plugin = "kernel"
        for name, model, fn in BUILTIN:
            self.add(name, model, fn)

    def add(self, name: str, params_model: type[BaseModel], apply: Apply) -> None:
        if name in self.actions:
            raise ValueError(f"action {name!r} is already registered by {self.actions[name][2]}")
        self.actions[name] = (params_model, apply, self.plugin)

    def params(self, name: str) -> type[BaseModel]:
        return self.actions[name][0]

    def apply(self, state: FoldState, name: str, params: BaseModel, item: Item) -> None:
        self.actions[name][1](state, params, item)


BUILTIN = (
    ("accept", Nothing, _accept),
    ("reject", Reason, _reject),
    ("require_correction", Nothing, _correct),
    ("tolerate_missing", Tolerate, _tolerate),
    ("waive", Waive, _waive),
    ("set_time_limit", SetLimits, _limits),
    ("allow_extension", Extension, _extension),
    ("pause_clock", Step, _pause),
    ("route_to", Route, _route),
    ("flag", Flag, _flag),
)
