"""Pydantic models of the kernel: items, applicants, applications and decisions."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
    WrapValidator,
    model_validator,
)

from kernel.ids import validate_credit_code, validate_id_number

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
# 行政许可法 art. 45: the only steps whose time is left out of a licensing limit (特别程序).
SpecialStep = Literal["听证", "招标", "拍卖", "检验", "检测", "检疫", "鉴定", "专家评审"]
SPECIAL_STEPS: tuple[str, ...] = SpecialStep.__args__
# An applicant's name: the length of its column in the case store (cases.applicant_name).
Name = Annotated[str, StringConstraints(max_length=200)]
Unit = Literal["working_days", "calendar_days", "office_hours", "on_the_spot"]
FactValue = bool | int | float | str
FactName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")]
# From 1910 the hall's zone has a whole-minute offset (Shanghai kept local mean time,
# +08:05:43, until 1901); to 2999 a moment moved to any offset is still a valid date.
YEARS = (1910, 2999)
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
_LAX = {datetime: TypeAdapter(AwareDatetime), date: TypeAdapter(date)}


def _parsed(value: Any, kind: type) -> Any:
    """ISO 8601 text or a ``kind`` object, as ``kind``: never a number taken as seconds."""
    if isinstance(value, str) and _ISO.match(value):
        try:
            return _LAX[kind].validate_python(value)
        except ValidationError as exc:
            raise ValueError(exc.errors()[0]["msg"]) from None
    if isinstance(value, kind) and (kind is datetime or not isinstance(value, datetime)):
        return value
    raise ValueError("give an ISO 8601 date or time, e.g. 2019-07-25T10:00:00+08:00")


def _moment(value: Any) -> datetime:
    moment = _parsed(value, datetime)
    if moment.tzinfo is None:
        raise ValueError("give the time with its UTC offset, e.g. +08:00")
    if not YEARS[0] <= moment.year <= YEARS[1]:
        raise ValueError(f"a time from the years {YEARS[0]} to {YEARS[1]}")
    return moment


# A moment with its UTC offset (2019-07-25T10:00:00+08:00) in the years above, or a day
# (2019-07-25). Read by their own functions, so strict validation reads text the same way.
Moment = Annotated[datetime, WrapValidator(lambda value, _: _moment(value)), WithJsonSchema(
    {"type": "string", "format": "date-time", "pattern": r"^(19[1-9][0-9]|2[0-9]{3})-"})]
Day = Annotated[date, WrapValidator(lambda value, _: _parsed(value, date)),
                WithJsonSchema({"type": "string", "format": "date"})]


class Strict(BaseModel):
    """Base of every input model: unknown fields are errors, not silently dropped."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class TimeLimit(Strict):
    """A time limit with its unit; `on_the_spot` (即办) has amount 0."""

    unit: Unit
    amount: Annotated[int, Field(ge=0, le=3650)]

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, data: Any) -> Any:
        """Accept ``{working_days: 27}`` as rule and catalogue authors write it."""
        if isinstance(data, dict) and len(data) == 1:
            ((unit, amount),) = data.items()
            if unit in Unit.__args__:
                return {"unit": unit, "amount": 0 if amount is True else amount}
        return data

    @model_validator(mode="after")
    def _on_the_spot_is_zero(self) -> TimeLimit:
        if self.unit == "on_the_spot" and self.amount:
            raise ValueError("an on-the-spot limit has amount 0")
        return self


class MaterialSpec(Strict):
    """One material an item asks for, and the ways it may be spared or follow later."""

    code: Code
    name: str
    role: Literal["main", "secondary"] = "main"
    tolerable: bool = False
    shared_source: str | None = Field(
        None, description="the data-sharing directory entry (政务信息资源共享目录) that lets the "
        "government fetch it; lint checks it exists and supplies this material")
    commitment_replaceable: bool = False
    agent_only: bool = Field(
        False, description="asked only when an agent applies for the applicant (授权委托书)")
    asked_when: dict[FactName, Annotated[tuple[FactValue, ...], Field(min_length=1)]] = Field(
        default_factory=dict, description="asked only when each of these applicant facts has "
        "one of its values; a fact the application does not give leaves the material asked")

    @model_validator(mode="after")
    def _main_is_never_tolerable(self) -> MaterialSpec:
        if self.role == "main" and self.tolerable:
            raise ValueError(f"material {self.code}: a main material (主件) cannot be tolerable")
        if self.agent_only and self.commitment_replaceable:
            # 授权委托书 proves the agent's authority; it is not a 证明事项 (国办发〔2020〕42号)
            raise ValueError(f"material {self.code}: a material asked of agents only is never "
                             "replaceable by a commitment")
        return self


Level = Literal["city", "county", "township", "village"]  # 市、县、乡、村
LEVELS: tuple[str, ...] = Level.__args__  # highest first


class Implementation(Strict):
    """An item's implementation-list record (实施清单) as the hall publishes it.

    The seed's item shares (一窗受理, 最多跑一次, 一网通办, 网上可办) are read off these
    fields: ``one_window``, ``visits <= 1``, ``online == "full"`` and ``online != "none"``.
    """

    code: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        description="事项编码: the item's code in the provincial implementation list")
    body: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="实施主体: the body that approves the item")
    level: Level = Field(description="层级 of the implementing body: city, county, "
                         "township or village (市、县、乡、村)")
    accepted_at: tuple[Level, ...] = Field(
        (), description="levels whose windows may accept the item and route it to the "
        "implementing body (the body's own level always may)")
    handling: Literal["即办件", "承诺件"] = Field(
        description="即办件 (decided at the window) or 承诺件 (within the committed limit)")
    visits: Annotated[int, Field(ge=0, le=9)] = Field(
        description="跑动次数: trips to the hall the applicant needs at most")
    fee: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="收费: 不收费, or the fee and its basis")
    one_window: bool = Field(description="accepted at the comprehensive window (一窗受理)")
    online: Literal["full", "apply", "none"] = Field(
        description="full: handled online end to end (一网通办); apply: applied for online, "
        "result or originals at the hall (网上可办); none")


class Item(Strict):
    """A catalogued service item (事项) with its legal and committed limits."""

    code: Code
    name: str
    department: Code
    kind: Literal["licence", "confirmation", "registration", "public_service", "other"] = "licence"
    legal_basis: str
    legal_limit: TimeLimit
    committed_limit: TimeLimit
    materials: tuple[MaterialSpec, ...] = ()
    merges: tuple[Code, ...] = Field((), description="constituent items this item merges")
    parallel: tuple[Code, ...] = Field(
        (), description="parts handled in parallel by their own departments (三窗合一: one "
        "application at one window fans out to each part; due when the latest part is)")
    joint_handling: bool = Field(
        False, description="handled jointly by several organs (统一办理、联合办理、集中办理, "
        "行政许可法 art. 26): 45 working days, +15 (art. 42)")
    implementation: Implementation | None = Field(
        None, description="the implementation-list record (实施清单); lint requires it")

    @model_validator(mode="after")
    def _unique_materials(self) -> Item:
        codes = [m.code for m in self.materials]
        if len(codes) != len(set(codes)):
            raise ValueError(f"item {self.code}: a material code appears twice")
        return self


class Person(Strict):
    kind: Literal["person"]
    name: Name
    id_number: Annotated[str, AfterValidator(validate_id_number)]

    @property
    def identifier(self) -> str:
        return self.id_number


class Organisation(Strict):
    kind: Literal["organisation"]
    name: Name
    credit_code: Annotated[str, AfterValidator(validate_credit_code)]

    @property
    def identifier(self) -> str:
        return self.credit_code


Applicant = Annotated[Person | Organisation, Field(discriminator="kind")]


class Agent(Strict):
    """Who applies for the applicant (委托代理人): always a natural person."""

    name: str
    id_number: Annotated[str, AfterValidator(validate_id_number)]


class Window(Strict):
    """The window that accepts a case (受理窗口): 前台综合受理 at any of the four levels."""

    code: Code = Field(description="the window's code in the hall's register")
    level: Level = Field(description="level of the hall or point: city, county, township, "
                         "village (市、县、乡、村)")
    kind: Literal["comprehensive", "department", "convenience", "online", "bank"] = Field(
        description="comprehensive window (综合窗口), a department's window, a township or "
        "village convenience point (便民服务点), the online hall, or a bank outlet")
    name: Name | None = None


class Application(Strict):
    """What a window clerk, the online hall or a bank submits for one case."""

    items: Annotated[tuple[Code, ...], Field(min_length=1, max_length=50)]
    applicant: Applicant
    submitted_at: Moment
    channel: Literal["window", "online", "bank"] = "window"
    agent: Agent | None = Field(
        None, description="who applies for the applicant (委托代理人), if not the applicant")
    materials: tuple[Code, ...] = Field((), description="codes of the materials handed in")
    facts: dict[str, FactValue] = Field(default_factory=dict, description="declared case facts")
    region: str | None = Field(None, max_length=16,
                               description="calendar region, e.g. GX; None for national")
    window: Window | None = Field(None, description="the window that accepted the case; "
                                  "None: the department's own window")


class Waiver(BaseModel):
    model_config = ConfigDict(frozen=True)  # shared between decisions: immutable

    material: str
    reason: Literal["data_sharing", "merged_duplicate", "commitment", "reuse"]
    source: str | None = Field(None, description="data_sharing: the directory entry's id; "
                               "merged_duplicate: the item whose copy is kept")
    system: str | None = Field(None, description="data_sharing: the system that supplies it")


class Missing(BaseModel):
    model_config = ConfigDict(frozen=True)  # shared between decisions: immutable

    material: str
    name: str
    item: str


class TraceEntry(BaseModel):
    model_config = ConfigDict(frozen=True)  # shared between decisions: immutable

    ruleset: str
    version: str
    hash: str
    rule: str
    title: str
    reference: str
    item: str | None = None
    status: Literal["fired", "skipped"] = "fired"
    why: str | None = None


class Limits(BaseModel):
    model_config = ConfigDict(frozen=True)  # shared between decisions: immutable

    legal: TimeLimit
    committed: TimeLimit
    compression_rate: float | None = None


class Due(BaseModel):
    model_config = ConfigDict(frozen=True)  # shared between decisions: immutable

    legal: date | datetime | None = None
    committed: date | datetime | None = None
    provisional: bool = Field(False, description="counted through a year whose holiday notice "
                              "is not yet published: may move when it is")
    provisional_years: tuple[int, ...] = Field((), description="those years")
    provisional_note: str | None = Field(None, description="why the dates may move, in Chinese")


class ItemDecision(BaseModel):
    model_config = ConfigDict(frozen=True)  # shared between decisions: immutable

    item: str
    time_limits: Limits
    due: Due = Field(default_factory=Due)
    department: str | None = Field(None, description="the department that handles this part")
    part_of: str | None = Field(None, description="the combined item (三窗合一) this item is "
                                "a parallel part of; None for an item applied for itself")


class Approver(BaseModel):
    model_config = ConfigDict(frozen=True)

    item: str
    department: str
    body: str | None = Field(None, description="实施主体: the body that approves the item")
    level: Level | None = None


class Routing(BaseModel):
    """前台综合受理、后台分类审批、统一窗口出件: where a case was accepted, who approves each
    item, and where the result is handed out."""

    model_config = ConfigDict(frozen=True)

    accepted_at: Window | None = Field(
        None, description="the accepting window; None: the department's own window")
    approved_by: list[Approver]
    routed_up: bool = Field(
        False, description="accepted at a lower level than an approving body (routed upward)")
    collect_at: str = Field(
        description="where the result is handed out: the accepting window's code (统一窗口出件); "
        "without a window: `online`, `bank` or `department` (the department's own window)")


class Decision(BaseModel):
    """The single answer for one application; field names are a stable API."""

    outcome: Literal["accepted", "accepted_with_tolerance", "correction_required", "rejected"]
    received_on: date | None = Field(
        None, description="day the application counts as received: the submission day, or "
        "the next working day for a submission on a rest day; limits count from the day after")
    served_on: date | None = Field(
        None, description="day the hall served the applicant (the submission day in the "
        "hall's zone): a Saturday at the weekend service (周末延时服务) stays a Saturday here, "
        "while received_on is the next working day")
    routing: Routing | None = None
    items: list[ItemDecision]
    time_limits: Limits
    due: Due = Field(default_factory=Due)
    waived: list[Waiver] = Field(default_factory=list)
    tolerated: list[Missing] = Field(default_factory=list)
    required: list[Missing] = Field(default_factory=list)
    supplement_by: date | None = None
    supplement_grace: TimeLimit | None = Field(
        None, description="after the re-notice (再次通知), time to supply before termination")
    correction_notice_by: date | None = Field(
        None, description="the correction notice must reach the applicant by this day (5 "
        "working days after receipt, 行政许可法 art. 32); if it does not, the application "
        "counts as accepted on receipt")
    extension: TimeLimit | None = Field(
        None, description="the most the limit may be extended with the organ head's approval "
        "(行政许可法 art. 42); None: no extension")
    reasons: list[str] = Field(default_factory=list)
    pauses: list[str] = Field(default_factory=list)
    routes: list[str] = Field(default_factory=list)
    flags: list[dict[str, Any]] = Field(default_factory=list)
    notices: list[str] = Field(default_factory=list)
    trace: list[TraceEntry] = Field(default_factory=list)
