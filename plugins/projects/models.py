"""A construction project as submitted (pydantic, strict), and its plan as answered."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from kernel.models import Code, Day, Organisation, TimeLimit

# 国办发〔2019〕11号: the four stages, in the order they follow each other.
STAGES: dict[str, str] = {
    "land_use_planning": "立项用地规划许可",
    "works_licensing": "工程建设许可",
    "construction_permit": "施工许可",
    "completion": "竣工验收",
}
Stage = Literal["land_use_planning", "works_licensing", "construction_permit", "completion"]
Kind = Literal["government_invested", "social_investment", "industrial", "small"]
# Time that is not the agencies' own: left out of every limit, but it moves the dates.
PauseCategory = Literal["applicant", "intermediary", "publicity", "expert_review"]
PAUSE_NAMES = {"applicant": "申请人补正", "intermediary": "中介服务", "publicity": "公示",
               "expert_review": "专家评审"}
ProjectCode = Annotated[str, StringConstraints(
    strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[0-9A-Za-z-]+$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PauseLength(_In):
    working_days: int = Field(ge=1, le=365)


class Pause(_In):
    """Time an item's clock stands still: the applicant's, an intermediary's, 公示, 专家评审."""

    category: PauseCategory
    length: PauseLength
    reason: str | None = Field(None, max_length=200)


class ProjectItem(_In):
    code: Code = Field(description="the item's code in the catalogue")
    needs: tuple[Code, ...] = Field(
        (), max_length=50, description="items whose result this one needs (same or earlier stage)")
    pauses: tuple[Pause, ...] = Field((), max_length=20)
    completed_on: Day | None = Field(
        None, description="the day it was actually decided, early or late: later steps wait for it")


class ProjectStage(_In):
    stage: Stage
    start: Day | None = Field(
        None, description="the day its first application is accepted, when the owner applies "
        "later than the previous stage ends (building, for 竣工验收): the applicant's time")
    items: Annotated[tuple[ProjectItem, ...], Field(min_length=1, max_length=60)]


class Project(_In):
    """A construction project (工程建设项目) and the items of its approval chain, by stage."""

    code: ProjectCode = Field(description="项目代码 from the investment-project platform")
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    owner: Organisation = Field(description="the project owner (建设单位)")
    kind: Kind = Field(description="government_invested (政府投资), social_investment (社会投资), "
                       "industrial (工业), small (小型)")
    land_supply: Literal["allocation", "transfer"] = Field(
        description="allocation: 划拨; transfer: 出让")
    approval: Literal["approval", "ratification", "filing"] = Field(
        description="how the investment is decided: approval (审批), ratification (核准), "
        "filing (备案)")
    land_approved: bool = Field(False, description="the land is already approved for "
                                "construction (no pre-review)")
    joint_survey: bool = Field(False, description="surveys made once under 多测合一")
    start: Day = Field(description="the day the first application of the chain is accepted")
    region: str | None = Field(None, max_length=16, description="calendar region, e.g. GX")
    stages: Annotated[tuple[ProjectStage, ...], Field(min_length=1, max_length=4)]

    @field_validator("stages")
    @classmethod
    def _order(cls, stages: tuple[ProjectStage, ...]) -> tuple[ProjectStage, ...]:
        order = [s.stage for s in stages]
        if order != sorted(order, key=list(STAGES).index) or len(set(order)) != len(order):
            raise ValueError("each stage once, in the order " + ", ".join(STAGES))
        return stages

    def facts(self, stage: int) -> dict[str, bool | int | str]:
        """The project's facts as rules see them (the ``project.*`` namespace)."""
        return {"project.kind": self.kind, "project.land_supply": self.land_supply,
                "project.approval": self.approval, "project.land_approved": self.land_approved,
                "project.joint_survey": self.joint_survey, "project.stage": stage}


# -- the plan ---------------------------------------------------------------------------


class Days(BaseModel):
    """A chain figure in working days, in the form of a decision's ``time_limits``."""

    unit: Literal["working_days"] = "working_days"
    amount: int


class StepDue(BaseModel):
    committed: date = Field(description="due under the committed limit, pauses added")
    legal: date = Field(description="due under the step's own legal limit, pauses added")


class PlannedPause(BaseModel):
    category: PauseCategory
    working_days: int
    reason: str | None = None


class PlannedStep(BaseModel):
    item: str
    name: str
    department: str
    merges: list[str] = Field(default_factory=list,
                              description="the constituent items handled as this one step")
    needs: list[str] = Field(default_factory=list)
    legal: TimeLimit
    committed: TimeLimit
    committed_by: str | None = Field(None, description="ruleset/rule that set the committed "
                                     "limit; None: the item's implementation list")
    parallel: bool = Field(description="starts once its needs are met (并联审批)")
    reviewed_before: list[str] = Field(default_factory=list, description="needs it does not "
                                       "wait for (容缺预审); it is decided no earlier than they")
    start: date
    due: StepDue
    pauses: list[PlannedPause] = Field(default_factory=list)
    completed_on: date | None = None
    late: bool = Field(False, description="completed after its committed due date")
    critical: bool = Field(False, description="on the path that decides its stage's end")


class PlannedStage(BaseModel):
    stage: Stage
    name: str
    legal: Days
    committed: Days
    start: date
    end: date = Field(description="the day its last step is due or was completed")
    critical_path: list[str] = Field(description="the steps that decide the stage's end")
    steps: list[PlannedStep]


class DepartmentPart(BaseModel):
    department: str
    legal: Days
    committed: Days


class Saving(BaseModel):
    rule: str | None = Field(description="ruleset/rule id; None for an implementation list's "
                             "committed limit")
    title: str
    reform: Literal["merge", "committed_limit", "parallel_approval", "review_before_needs"]
    items: list[str]
    days: int = Field(description="working days this reform takes off the chain, applied after "
                      "the ones listed before it")


class LegalStep(BaseModel):
    item: str
    stage: Stage
    legal: TimeLimit
    start: date
    due: date


class NotRequired(BaseModel):
    item: str
    stage: Stage
    reasons: list[str]


class Plan(BaseModel):
    """The approval chain of one project: both routes, their totals, dates and savings."""

    project: str
    name: str
    kind: Kind
    legal: Days = Field(description="the legal chain: each item after the one before, at its "
                        "own legal limit, no reform")
    committed: Days = Field(description="the committed chain under the reforms in force")
    compression_rate: float | None
    start: date
    end: date = Field(description="the committed chain's last due (or completion) date")
    legal_end: date = Field(description="the legal chain's last due date")
    provisional: bool = False
    provisional_years: list[int] = Field(default_factory=list)
    critical_path: list[str]
    stages: list[PlannedStage]
    departments: list[DepartmentPart]
    savings: list[Saving]
    legal_route: list[LegalStep]
    not_required: list[NotRequired] = Field(default_factory=list)


class Stored(BaseModel):
    id: str
    plan: Plan
