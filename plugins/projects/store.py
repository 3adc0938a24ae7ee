"""The projects plugin's own table: each project as submitted, keyed by its project code."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel


class ProjectRow(SQLModel, table=True):
    """A project as its owner submitted it; its plan is computed when it is read."""

    __tablename__ = "project"
    code: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=200)
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime


class ProjectStore:
    def __init__(self, engine: Any):
        self.engine = engine

    def create_tables(self) -> None:
        SQLModel.metadata.create_all(self.engine, tables=[ProjectRow.__table__])

    def add(self, code: str, name: str, data: dict[str, Any]) -> bool:
        """Store a new project; False when its code is taken."""
        with Session(self.engine) as session:
            session.add(ProjectRow(code=code, name=name, data=data,
                                   created_at=datetime.now(UTC)))
            try:
                session.commit()
            except IntegrityError:
                return False
        return True

    def get(self, code: str) -> dict[str, Any] | None:
        with Session(self.engine) as session:
            row = session.get(ProjectRow, code)
            return None if row is None else dict(row.data)
