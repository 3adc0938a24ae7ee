"""The supervision plugin's own tables: ratings, follow-ups, warnings, accountability."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from kernel.store.tables import UTCDateTime


def _when(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable))


def _json() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Rating(SQLModel, table=True):
    """An applicant's rating of a completed case (好差评); one per case."""

    __tablename__ = "sv_rating"
    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(max_length=40, unique=True)
    level: str = Field(max_length=8)
    good: bool
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    channel: str = Field(max_length=16)
    department: str = Field(max_length=64, index=True)
    items: list[str] = _json()
    window: str = Field(max_length=64)
    rated_at: datetime = _when()


class FollowUp(SQLModel, table=True):
    """The rectification (整改) a bad rating opens: an owner, a due day, a reply."""

    __tablename__ = "sv_follow_up"
    id: int | None = Field(default=None, primary_key=True)
    rating_id: int = Field(foreign_key="sv_rating.id", unique=True)
    case_id: str = Field(max_length=40, index=True)
    owner: str = Field(max_length=64, description="the responsible department")
    opened_at: datetime = _when()
    due_on: date
    provisional: bool = False
    status: str = Field(default="open", max_length=8)  # open, closed
    reply: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    replied_by: str | None = Field(default=None, max_length=200)
    replied_at: datetime | None = _when(nullable=True)


class Warning(SQLModel, table=True):
    """A yellow or red warning (预警) or an overdue notice, raised once per level and due day."""

    __tablename__ = "sv_warning"
    __table_args__ = (UniqueConstraint("case_id", "level", "due_on"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(max_length=40, index=True)
    level: str = Field(max_length=8)  # yellow, red, overdue
    remaining: int
    due_on: date
    department: str = Field(max_length=64)
    window: str = Field(max_length=64)
    raised_at: datetime = _when()


class Accountability(SQLModel, table=True):
    """A case completed after its committed due date (责任追究制): by how much, and where."""

    __tablename__ = "sv_accountability"
    case_id: str = Field(primary_key=True, max_length=40)
    department: str = Field(max_length=64)
    window: str = Field(max_length=64)
    due_on: date
    completed_at: datetime = _when()
    overdue_working_days: int
    legal_overdue_working_days: int
    step: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    recorded_at: datetime = _when()


TABLES = [Rating.__table__, FollowUp.__table__, Warning.__table__, Accountability.__table__]
