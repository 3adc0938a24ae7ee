"""OA documents and their steps: flows, urgencies, stored tables and API input models."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from sqlalchemy import JSON, Column, DateTime, UniqueConstraint
from sqlmodel import Field as Col
from sqlmodel import SQLModel

from kernel import HALL_TZ
from kernel.models import Moment

# 党政机关公文处理工作条例 (2012) art. 24 (收文) and arts. 19-22, 25 (拟制, 发文).
FLOWS: dict[str, tuple[str, ...]] = {
    "incoming": ("sign_in", "register", "review", "handle", "circulate", "chase", "reply"),
    "outgoing": ("draft", "check", "countersign", "sign", "recheck", "register", "print",
                 "dispatch"),
}
STEP_NAMES = {
    "sign_in": "签收", "register": "登记", "review": "初审", "handle": "承办", "circulate": "传阅",
    "chase": "催办", "reply": "答复", "draft": "拟稿", "check": "核稿", "countersign": "会签",
    "sign": "签发", "recheck": "复核", "print": "印制", "dispatch": "核发",
}
# Where a document may be returned, and the step it then goes back to (None: to the sender).
RETURNS = {("incoming", "review"): None, ("outgoing", "recheck"): "sign"}
URGENCIES = {"特急": "extra_urgent", "加急": "urgent", "平件": "normal"}
URGENCY_NAMES = {code: name for name, code in URGENCIES.items()}
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Urgency = Literal["特急", "加急", "平件", "extra_urgent", "urgent", "normal"]
StepName = Literal[(*STEP_NAMES, *STEP_NAMES.values())]  # a step by code or by name


def local_day(when: datetime) -> date:
    """The hall's calendar day of an instant."""
    return when.astimezone(HALL_TZ).date()


def utc(value: datetime | None) -> datetime | None:
    """Stored times are UTC; SQLite hands them back naive, so say so again."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _when(nullable: bool = False) -> Any:
    return Col(default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable))


class OADocument(SQLModel, table=True):
    __tablename__ = "oa_document"
    __table_args__ = (UniqueConstraint("case_id", "notice_key"),)

    id: str = Col(primary_key=True, max_length=32)
    flow: str = Col(max_length=16)
    title: str
    doc_type: str = Col(max_length=60)
    urgency: str = Col(max_length=16)
    lead: str | None = Col(default=None, max_length=120, index=True)
    co_handling: list[str] = Col(default_factory=list, sa_column=Column(JSON, nullable=False))
    countersign: list[str] = Col(default_factory=list, sa_column=Column(JSON, nullable=False))
    sender: str | None = None
    # 初审 facts (ours, format_ok, countersigned), and the calendar region and deadline of a
    # document that has them (kept here: plugin tables are created, never migrated)
    facts: dict[str, Any] = Col(default_factory=dict, sa_column=Column(JSON, nullable=False))
    case_id: str | None = Col(default=None, max_length=64, index=True)
    notice_key: str | None = Col(default=None, max_length=64)
    body: str | None = None
    status: str = Col(default="open", max_length=16)  # open, finished, returned
    current_step: str | None = Col(default=None, max_length=20)
    received_at: datetime = _when()
    finished_at: datetime | None = _when(nullable=True)


class OAStep(SQLModel, table=True):
    __tablename__ = "oa_step"

    id: int | None = Col(default=None, primary_key=True)
    doc_id: str = Col(foreign_key="oa_document.id", index=True, max_length=32)
    seq: int
    step: str = Col(max_length=20)
    limit_unit: str = Col(max_length=16)
    limit_amount: int
    started_at: datetime = _when()
    due_at: datetime = _when()
    chase_at: datetime | None = _when(nullable=True)
    chased_at: datetime | None = _when(nullable=True)
    finished_at: datetime | None = _when(nullable=True)
    result: str | None = Col(default=None, max_length=16)  # done, returned
    reason: str | None = None
    rule_return: str | None = None
    rules: list[str] = Col(default_factory=list, sa_column=Column(JSON, nullable=False))


TABLES = [OADocument.__table__, OAStep.__table__]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def urgency_code(value: str) -> str:
    """特急 / 加急 / 平件 or their codes; anything else names the accepted values."""
    if not isinstance(value, str):
        return value  # the type check that follows names it
    code = URGENCIES.get(value, value)
    if code not in URGENCY_NAMES:
        raise ValueError(f"unknown urgency {value!r}: use one of 特急, 加急, 平件 "
                         "(extra_urgent, urgent, normal)")
    return code


class NewDocument(_In):
    """A document entering the flow: an incoming one signed in, or an outgoing draft."""

    flow: Literal["incoming", "outgoing"]
    title: Name
    type: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)
                    ] = Field(description="文种, e.g. 通知, 请示, 函, 容缺受理通知书")  # doc_type
    urgency: Urgency = Field("normal", description="特急, 加急, 平件 (or their codes)")
    lead: Name | None = Field(None, description="lead (主办) department; rules may name it")
    co_handling: tuple[Name, ...] = Field((), max_length=30, description="协办 departments")
    sender: Name | None = Field(None, description="来文单位 of an incoming document")
    ours: bool = Field(True, description="for this office to handle (初审)")
    format_ok: bool = Field(True, description="文种、格式 meet the rules (初审)")
    countersigned: bool = Field(True, description="other departments' consent obtained (初审)")
    received_at: Moment | None = Field(None, description="default: now")
    case_id: str | None = Field(None, max_length=64)
    body: str | None = Field(None, max_length=20000)
    region: str | None = Field(None, description="calendar region of its dates, e.g. GX")
    deadline: Moment | None = Field(
        None, description="the whole document is due by then: no step is due later (a "
        "correction notice: five working days after the case's receipt)")

    @field_validator("urgency", mode="before")
    @classmethod
    def _urgency(cls, v: str) -> str:
        return urgency_code(v)


class Advance(_In):
    """Finish the current step: done, or returned (初审 / 复核 only) with a reason."""

    step: StepName | None = Field(None, description="the step being finished, by code or "
                                  "name; guards against races")
    result: Literal["done", "returned"] = "done"
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None
    at: Moment | None = Field(None, description="when it was finished; default: now")
