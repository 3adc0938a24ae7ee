"""The credit plugin's own tables: subjects, dishonesty listings and commitments."""

from __future__ import annotations

from datetime import date
from typing import Literal

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

Rating = Literal["A", "B", "M", "C", "D"]
ListKind = Literal["judgment_defaulter", "serious_dishonesty"]
CommitmentKind = Literal["tolerance", "notification"]
Status = Literal["open", "fulfilled", "broken"]


class CreditSubject(SQLModel, table=True):
    """A company (unified social credit code) or a person (resident ID number)."""

    __tablename__ = "credit_subject"
    identifier: str = Field(primary_key=True, max_length=18)
    kind: str = Field(max_length=16, description="organisation or person")
    name: str = Field(max_length=200)
    rating: str | None = Field(None, max_length=1, description="tax-credit style A/B/M/C/D")
    rated_on: date | None = Field(None, description="the rating applies to cases from this day")


class CreditListing(SQLModel, table=True):
    """A judgment-defaulter (失信被执行人) or serious-dishonesty listing with its validity."""

    __tablename__ = "credit_listing"
    __table_args__ = (UniqueConstraint("identifier", "kind", "listed_from"),)
    id: int | None = Field(None, primary_key=True)
    identifier: str = Field(foreign_key="credit_subject.identifier", index=True, max_length=18)
    kind: str = Field(max_length=24)
    authority: str = Field(max_length=200)
    reference: str | None = Field(None, max_length=200)
    listed_from: date
    listed_until: date | None = Field(None, description="last day listed; None: until removed")
    repaired_on: date | None = Field(None, description="credit repair (信用修复) took effect")


class CreditCommitment(SQLModel, table=True):
    """A commitment a case created (容缺受理 or 告知承诺) and whether it was kept."""

    __tablename__ = "credit_commitment"
    __table_args__ = (
        UniqueConstraint("case_id", "kind"),
        Index("ix_credit_commitment_subject_status", "identifier", "status"),
    )
    id: int | None = Field(None, primary_key=True)
    identifier: str = Field(foreign_key="credit_subject.identifier", max_length=18)
    case_id: str = Field(max_length=64)
    kind: str = Field(max_length=16)
    items: str = Field("", description="item codes, comma-separated")
    materials: str = Field("", description="material codes promised, comma-separated")
    made_on: date
    due: date | None = None
    status: str = Field("open", max_length=16)
    settled_on: date | None = None
    repaired_on: date | None = None


TABLES = [CreditSubject.__table__, CreditListing.__table__, CreditCommitment.__table__]
