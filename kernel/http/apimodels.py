"""Pydantic models of the HTTP API's requests and answers; /openapi.json is built from them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, model_validator

from kernel.models import Code, Day, Decision, Moment, Strict, TimeLimit

Role = Literal["clerk", "rule_author", "auditor", "admin"]


class ErrorDetail(BaseModel):
    code: str = Field(description="machine-readable, e.g. invalid, unknown_item, invalid_state")
    message: str
    field: str | None = Field(None, description="dotted path of the offending input")
    problems: list[Problem] | None = Field(None, description="rule file problems, file:line")


class Problem(BaseModel):
    file: str
    line: int
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


class SupplementRequest(Strict):
    materials: list[Code] = Field(min_length=1, description="codes of the materials brought")
    at: Moment | None = Field(None, description="when they were received; default now")


class ClockRequest(Strict):
    action: Literal["pause", "resume"]
    reason: str | None = Field(
        None, min_length=1, max_length=200,
        description="pause: the art. 45 step, one of 听证、招标、拍卖、检验、检测、检疫、"
        "鉴定、专家评审; resume: optional note")
    length: TimeLimit | None = Field(
        None, description="pause: expected length told to the applicant, "
        "{\"working_days\": n} or {\"calendar_days\": n}")
    at: Moment | None = None


class ExtensionRequest(Strict):
    """An extension approved by the organ head (行政许可法 art. 42); once per case."""

    approver: str = Field(min_length=1, max_length=100,
                          description="the organ head (负责人) who approved it")
    reason: str = Field(min_length=1, max_length=500, description="why; told to the applicant")
    working_days: int | None = Field(
        None, ge=1, le=60, description="default: the most the rules allow (10, or 15 for "
        "joint handling)")
    at: Moment | None = None


class CorrectionNoticeRequest(Strict):
    at: Moment | None = Field(
        None, description="when the correction notice reached the applicant; default now")


class CompleteRequest(Strict):
    """The decision on a case in review (办结)."""

    result: Literal["granted", "not_granted"] = Field(
        description="granted (准予许可) or not_granted (不予许可)")
    reasons: list[str] = Field([], description="not_granted: why (行政许可法 art. 38)")
    review_body: str | None = Field(
        None, max_length=100, description="not_granted: the 行政复议 body the notice names")
    court: str | None = Field(None, max_length=100,
                              description="not_granted: the court the notice names")
    at: Moment | None = None


class AsOfQuery(Strict):
    as_of: Moment | None = Field(None, description="compute remaining days as of then")


class ListQuery(AsOfQuery):
    state: Literal["in_review", "awaiting_supplement", "re_notified", "completed",
                   "terminated", "rejected", "correction_required"] | None = None
    overdue: bool | None = None
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=1_000_000_000)  # past 2**63 the database overflows


class ScheduleQuery(Strict):
    name: str | None = Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}\.ya?ml$",
                             description="file name in the notice folder (default: from the "
                             "years it covers and its content)")
    replace: bool = Field(False, description="replace a file of that name with other content")


class ScheduleLoaded(BaseModel):
    """A holiday notice installed, and the open cases counted again."""

    installed: str = Field(description="file name in the hall's notice folder")
    covers: list[int]
    settled: list[int] = Field(description="years no longer provisional")
    recomputed: int = Field(description="open cases whose due dates moved (due_recomputed)")


class DeadlineQuery(Strict):
    start: Moment | Day = Field(description="day (or moment, for office hours) of "
                                        "acceptance; itself not counted")
    working_days: int | None = Field(None, ge=0, le=3650)
    calendar_days: int | None = Field(None, ge=0, le=3650)
    office_hours: int | None = Field(None, ge=0, le=2000)

    @model_validator(mode="after")
    def _one_limit(self) -> DeadlineQuery:
        given = [k for k in ("working_days", "calendar_days", "office_hours")
                 if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of working_days, calendar_days, office_hours")
        return self


class Deadline(BaseModel):
    start: datetime | date
    limit: TimeLimit
    due: datetime | date
    provisional: bool = Field(False, description="counted through a year whose holiday notice "
                              "is not yet published")
    provisional_note: str | None = None


class CaseCreated(BaseModel):
    id: str
    state: str
    created: bool = Field(description="false when an Idempotency-Key replayed an earlier case")
    decision: Decision


class ClockView(BaseModel):
    running: bool
    paused: bool
    waiting_on_applicant: bool = Field(
        False, description="stopped for the applicant's time: past the supplement date, "
        "materials still owed (never overdue)")
    pauses: list[dict[str, Any]] = Field(description="spans the clock stood still")
    special_steps: list[dict[str, Any]] = Field(
        [], description="art. 45 steps: step, start, end, length, expected_end, notice")
    remaining_working_days: int | None = Field(
        None, description="committed limit minus working days used; negative when overdue")
    warning: Literal["yellow", "red", "overdue"] | None = None
    note: str | None = None


class EventView(BaseModel):
    seq: int
    kind: str
    at: datetime
    payload: dict[str, Any]


class Undelivered(BaseModel):
    what: Literal["decision", "event"]
    seq: int | None = Field(None, description="the event's seq; none for the decision")
    attempts: int
    last_error: str
    first_failed_at: datetime
    retry_at: datetime


class CaseView(BaseModel):
    id: str
    state: str
    outcome: str
    applicant: dict[str, str]
    items: list[str]
    submitted_at: datetime
    received_on: date | None = Field(
        None, description="deemed receipt day: a rest day's submission counts from the next "
        "working day")
    region: str | None = Field(None, description="calendar region of every date of the case")
    served_on: date | None = Field(
        None, description="day the hall served the applicant: a Saturday of the weekend "
        "service (周末延时服务) is that Saturday, though limits count from received_on")
    routing: dict[str, Any] | None = Field(
        None, description="accepted_at (the window), approved_by (each item's implementing "
        "body), routed_up, collect_at (统一窗口出件)")
    due: dict[str, date | None]
    supplement_by: date | None
    grace_by: date | None
    result: dict[str, Any] | None = Field(
        None, description="once completed: result, reasons, deliver_by (art. 44), notice")
    extension: dict[str, Any] | None = Field(
        None, description="the approved art. 42 extension: approver, reason, working_days, "
        "due_before, due_after, notice")
    outstanding_materials: list[str]
    clock: ClockView
    decision: Decision
    rulesets: list[dict[str, str]]
    events: list[EventView]
    undelivered: list[Undelivered] = Field(
        [], description="the decision or events some plugin failed to take, each with its "
        "attempts, last error and next try (retried with backoff, the others unaffected)")


class CaseSummary(BaseModel):
    id: str
    state: str
    outcome: str
    items: list[str]
    submitted_at: datetime
    due_committed: date | None
    supplement_by: date | None


class CaseList(BaseModel):
    cases: list[CaseSummary]


class PluginInfo(BaseModel):
    name: str
    version: str | None
    distribution: str | None = Field(
        None, description="the installed distribution and its version, for an entry point")
    status: str = Field("ok", description="ok, or broken: why (it is not loaded)")
    hooks: list[str] = Field(description="the hooks it implements")
    doc: list[str] = Field(description="the first line of its docstring, if any")


class FactInfo(BaseModel):
    name: str
    type: Literal["string", "integer", "boolean", "number"]
    description: str
    plugin: str = Field(description="who provides it: kernel, or a plugin's name")
    applicant: bool = Field(description="applicants may supply it in the application's facts")
    rulebook: str = Field(description="cases (the kernel's rules), or a plugin's own rulebook")


class SubmitHeaders(BaseModel):
    idempotency_key: str | None = Field(
        None, alias="Idempotency-Key", min_length=1, max_length=200,
        description="the same key and body give back the case stored the first time (200)")


class Health(BaseModel):
    status: Literal["ok"]
    database: str
    rules: int


class RulesChanged(BaseModel):
    """The audit record of a ruleset written over the API: one revision."""

    id: int | None = None
    ruleset: str
    revision: int | None = Field(None, description="1, 2, ... per ruleset")
    action: str = Field("put", description="put, rollback, or baseline (the file as it was "
                        "before the first change)")
    version: str
    department: str
    file: str
    hash: str = Field(description="sha256 of the file as written")
    author: str = Field(description="the person the token's config names (name), else its role")
    at: datetime
    reason: str | None = None


class RevisionInfo(RulesChanged):
    can_roll_back: bool = Field(description="its text was kept (revisions since versions)")


class InForce(BaseModel):
    version: str
    file: str
    hash: str = Field(description="sha256 of the file")
    effective_from: date
    effective_until: date | None


class RulesetVersions(BaseModel):
    ruleset: str
    in_force: list[InForce] = Field(description="the ruleset's files the rules load now")
    revisions: list[RevisionInfo] = Field(description="every change over the API, oldest first")


class ReasonQuery(Strict):
    reason: str | None = Field(None, max_length=500, description="why the rules change")


class RulesetQuery(Strict):
    on: Day | None = Field(None, description="the day in force (default: today)")
    version: str | None = Field(None, max_length=40, description="this version's file instead")


def _whole(value: Any) -> Any:
    """JSON's 3.0 is the whole number 3 (JSON Schema's integer)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


class RollbackRequest(Strict):
    to: Annotated[int, BeforeValidator(_whole)] = Field(
        ge=1, le=10**9, description="the revision to make live again")
    reason: str | None = Field(None, max_length=400)


class AuditQuery(Strict):
    ruleset: str | None = Field(None, max_length=80)
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10**9)


class AuditPage(BaseModel):
    entries: list[RulesChanged] = Field(description="newest first")
    total: int
    limit: int
    offset: int


class RulesetInfo(BaseModel):
    ruleset: str
    version: str
    department: str
    title: str | None
    effective_from: date
    effective_until: date | None
    file: str
