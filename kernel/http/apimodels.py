"""Pydantic models of the HTTP API's requests and answers; /openapi.json is built from them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

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
    reason: str = Field(min_length=1, max_length=200,
                        description="art. 45 step, e.g. 专家评审, 听证, 检测")
    at: Moment | None = None


class CompleteRequest(Strict):
    at: Moment | None = None


class AsOfQuery(Strict):
    as_of: Moment | None = Field(None, description="compute remaining days as of then")


class ListQuery(AsOfQuery):
    state: Literal["in_review", "awaiting_supplement", "re_notified", "completed",
                   "terminated", "rejected", "correction_required"] | None = None
    overdue: bool | None = None
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=1_000_000_000)  # past 2**63 the database overflows


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
    pauses: list[dict[str, Any]]
    remaining_working_days: int | None = Field(
        None, description="committed limit minus working days used; negative when overdue")
    warning: Literal["yellow", "red", "overdue"] | None = None
    note: str | None = None


class EventView(BaseModel):
    seq: int
    kind: str
    at: datetime
    payload: dict[str, Any]


class CaseView(BaseModel):
    id: str
    state: str
    outcome: str
    applicant: dict[str, str]
    items: list[str]
    submitted_at: datetime
    due: dict[str, date | None]
    supplement_by: date | None
    grace_by: date | None
    outstanding_materials: list[str]
    clock: ClockView
    decision: Decision
    rulesets: list[dict[str, str]]
    events: list[EventView]


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
    hooks: list[str] = Field(description="the hooks it implements")
    doc: list[str] = Field(description="the first line of its docstring, if any")


class SubmitHeaders(BaseModel):
    idempotency_key: str | None = Field(
        None, alias="Idempotency-Key", min_length=1, max_length=200,
        description="the same key and body give back the case stored the first time (200)")


class Health(BaseModel):
    status: Literal["ok"]
    database: str
    rules: int


class RulesChanged(BaseModel):
    """The audit record of a ruleset written over the API."""

    ruleset: str
    version: str
    department: str
    file: str
    hash: str = Field(description="sha256 of the file as written")
    author: str
    at: datetime


class RulesetInfo(BaseModel):
    ruleset: str
    version: str
    department: str
    title: str | None
    effective_from: date
    effective_until: date | None
    file: str
