"""The case store: cases, their append-only event log and their timers (sqlmodel tables)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Index,
    Integer,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

# Tables created by the kernel's migrations; plugins' tables are created with create_all.
KERNEL_TABLES = ("cases", "case_events", "timers", "rules_changes", "delivery_failures")
ACTIVE = ("in_review", "awaiting_supplement", "re_notified")
TERMINAL = ("completed", "terminated", "rejected", "correction_required")


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (no time zones) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _when(**kw: Any) -> Any:
    return Field(sa_column=Column(UTCDateTime(), **kw))


def _json(**kw: Any) -> Any:
    return Field(default=None, sa_column=Column(JSON, **kw))


def _undelivered(prefix: str) -> dict[str, Any]:
    """A partial index's condition: only rows a plugin has yet to hear of (few, once caught up)."""
    cond = text(f"{prefix + '_' if prefix else ''}delivered_at IS NULL")
    return {"sqlite_where": cond, "postgresql_where": cond}


class Case(SQLModel, table=True):
    """One stored application with its decision and current lifecycle state."""

    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_state_due", "state", "due_committed"),
                      Index("ix_cases_undelivered", "updated_at", **_undelivered("decision")))

    id: str = Field(primary_key=True, max_length=40)
    state: str = Field(max_length=32)
    outcome: str = Field(max_length=32)
    applicant_kind: str = Field(max_length=16)
    applicant_name: str = Field(max_length=200)
    applicant_identifier: str = Field(max_length=18, index=True)
    items: list[str] = _json(nullable=False)
    application: dict = _json(nullable=False)
    decision: dict = _json(nullable=False)
    rulesets: list[dict] = _json(nullable=False)
    submitted_at: datetime = _when(nullable=False)
    region: str | None = Field(default=None, max_length=8)  # calendar region, None: national
    received_on: date | None = None  # deemed receipt day (a rest day's is the next working day)
    supplement_by: date | None = None
    grace_by: date | None = None
    due_committed: date | None = None
    due_legal: date | None = None
    idempotency_key: str | None = Field(default=None, max_length=200, unique=True)
    request_hash: str | None = Field(default=None, max_length=64)
    updated_at: datetime = _when(nullable=False)
    # Outbox: set once every plugin took onetrip_decision_made; ``_to`` lists those that did.
    decision_delivered_at: datetime | None = _when(nullable=True)
    decision_delivered_to: list[str] | None = _json(nullable=True)


class CaseEvent(SQLModel, table=True):
    """One lifecycle event; rows are only ever inserted."""

    __tablename__ = "case_events"
    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_case_events_seq"),
                      Index("ix_case_events_undelivered", "recorded_at", **_undelivered("")))

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="cases.id", max_length=40)
    seq: int
    kind: str = Field(max_length=32)
    at: datetime = _when(nullable=False)
    payload: dict = _json(nullable=False)
    recorded_at: datetime = _when(nullable=False)
    # Outbox: set once every plugin took onetrip_case_event; ``_to`` lists those that did.
    delivered_at: datetime | None = _when(nullable=True)
    delivered_to: list[str] | None = _json(nullable=True)


class Timer(SQLModel, table=True):
    """Something due at a time; the sweeper sets ``fired_at`` in the transaction that acts.

    A handler that fails leaves the timer unfired with its error, the number of attempts
    and when to try again (``retry_at``, later after each failure); after the last attempt
    allowed, ``failed_at`` is set and the timer is not tried again.
    """

    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_pending", "fired_at", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="cases.id", max_length=40, index=True)
    kind: str = Field(max_length=32)
    due_at: datetime = _when(nullable=False)
    fired_at: datetime | None = _when(nullable=True)
    cancelled_at: datetime | None = _when(nullable=True)
    fired_by: str | None = Field(default=None, max_length=80)
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0,
                                                      server_default="0"))
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    retry_at: datetime | None = _when(nullable=True)
    failed_at: datetime | None = _when(nullable=True)


class DeliveryFailure(SQLModel, table=True):
    """A decision (``seq`` 0) or case event a plugin failed to take: when to offer it again.

    Removed once every plugin took it; while it exists the outbox passes it by until
    ``retry_at``, so a row no plugin can take never holds up the others.
    """

    __tablename__ = "delivery_failures"

    case_id: str = Field(primary_key=True, max_length=40)
    seq: int = Field(primary_key=True)
    attempts: int
    last_error: str = Field(sa_column=Column(Text, nullable=False))
    first_failed_at: datetime = _when(nullable=False)
    retry_at: datetime = _when(nullable=False)


class RulesChange(SQLModel, table=True):
    """A ruleset written over the API: the audit trail, and the versions kept to fetch and to
    roll back to (a change never overwrites one)."""

    __tablename__ = "rules_changes"
    __table_args__ = (Index("ix_rules_changes_ruleset", "ruleset", "revision", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    ruleset: str = Field(max_length=80)
    version: str = Field(max_length=40)
    department: str = Field(max_length=80)
    file: str = Field(max_length=200)
    hash: str = Field(max_length=64)
    author: str = Field(max_length=200)
    at: datetime = _when(nullable=False)
    revision: int | None = Field(default=None, description="1, 2, ... per ruleset")
    action: str = Field(default="put", max_length=20, sa_column_kwargs={
        "server_default": "put"}, description="put, rollback, or baseline (the file before "
        "the first change)")
    reason: str | None = Field(default=None, max_length=500)
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


def now() -> datetime:
    return datetime.now(UTC)
