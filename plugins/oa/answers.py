"""Pydantic models of what the /v1/oa/ routes answer; their schemas go into /openapi.json."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class StepView(BaseModel):
    step: str = Field(description="step code, e.g. sign_in, handle")
    name: str = Field(description="the step's name, e.g. 签收")
    limit: dict[str, int] = Field(description="unit -> amount, e.g. {office_hours: 4}")
    started_at: datetime
    due_at: datetime
    chase_at: datetime | None
    chased_at: datetime | None
    finished_at: datetime | None
    result: str | None = Field(description="done or returned, once finished")
    reason: str | None
    late: bool
    rules: list[str] = Field(description="the OA rules that set its limit")


class DocumentView(BaseModel):
    id: str
    flow: str
    title: str
    type: str
    urgency: str = Field(description="特急, 加急 or 平件")
    urgency_code: str
    lead: str | None
    co_handling: list[str]
    countersign: list[str]
    sender: str | None
    case_id: str | None
    body: str | None
    status: str = Field(description="open, finished or returned")
    current_step: str | None
    flow_steps: list[str]
    received_at: datetime
    finished_at: datetime | None
    steps: list[StepView]


class StepRow(StepView):
    doc_id: str
    title: str
    urgency: str
    lead: str | None


class DueList(BaseModel):
    as_of: datetime
    overdue: list[StepRow]
    due_soon: list[StepRow] = Field(description="open steps inside their chase window")


class ChasedRow(StepRow):
    chased_at: datetime


class Chased(BaseModel):
    chased: list[ChasedRow]


class Rates(BaseModel):
    steps_finished: int
    steps_late: int
    delay_rate: float | None = Field(description="延误率: late / finished steps")
    documents: int
    documents_returned: int
    error_rate: float | None = Field(description="错误率: returned / received documents")


class Metrics(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: date | None = Field(alias="from")
    to: date | None
    department: str | None
    overall: Rates
    by_department: dict[str, Rates]
    by_month: dict[str, Rates]
