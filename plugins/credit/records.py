"""Credit record files (YAML): their model, file:line errors, and loading in one transaction."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlmodel import Session
from sqlmodel import select as orm_select

from kernel.ids import validate_credit_code, validate_id_number
from kernel.yamlsrc import RECORDS, Source, SourceError, load
from plugins.credit.store import CreditStore
from plugins.credit.tables import (
    CommitmentKind,
    CreditCommitment,
    CreditListing,
    CreditSubject,
    ListKind,
    Rating,
    Status,
)


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class RatingRecord(_Record):
    grade: Rating
    since: date = Field(description="date the rating was published; applies from then on")


class ListingRecord(_Record):
    kind: ListKind
    authority: str = Field(min_length=1)
    reference: str | None = None
    from_: date = Field(alias="from")
    until: date | None = None
    repaired_on: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> ListingRecord:
        if self.until is not None and self.until < self.from_:
            raise ValueError("until is before from")
        return self


class CommitmentRecord(_Record):
    case: str = Field(min_length=1, max_length=64)
    kind: CommitmentKind = "tolerance"
    items: tuple[str, ...] = ()
    materials: tuple[str, ...] = ()
    made_on: date
    due: date | None = None
    status: Status = "open"
    settled_on: date | None = None
    repaired_on: date | None = None

    @model_validator(mode="after")
    def _settled(self) -> CommitmentRecord:
        if (self.status == "open") != (self.settled_on is None):
            raise ValueError("settled_on is given exactly when status is fulfilled or broken")
        return self


class SubjectRecord(_Record):
    credit_code: Annotated[str, AfterValidator(validate_credit_code)] | None = None
    id_number: Annotated[str, AfterValidator(validate_id_number)] | None = None
    name: str = Field(min_length=1, max_length=200)
    rating: RatingRecord | None = None
    listings: tuple[ListingRecord, ...] = ()
    commitments: tuple[CommitmentRecord, ...] = ()

    @model_validator(mode="after")
    def _one_identifier(self) -> SubjectRecord:
        if (self.credit_code is None) == (self.id_number is None):
            raise ValueError("give exactly one of credit_code (organisation) or id_number (person)")
        return self

    @property
    def identifier(self) -> str:
        return self.credit_code or self.id_number or ""


class RecordFile(_Record):
    """A credit record file: ``subjects:`` each with rating, listings and commitments."""

    subjects: tuple[SubjectRecord, ...]


def parse(source: Source, at: tuple = ()) -> RecordFile:
    """Validate the records found at ``at`` in ``source``; errors name file:line."""
    data = source.data
    for part in at:
        data = data[part]
    try:
        return RecordFile.model_validate(data)
    except ValidationError as exc:
        raise SourceError(source.problems(exc, at)) from None


def load_file(store: CreditStore, path: Path | str) -> dict[str, int]:
    return apply(store, parse(load(path, limits=RECORDS)))


def apply(store: CreditStore, records: RecordFile) -> dict[str, int]:
    """Insert or update every record, all in one transaction; returns counts."""
    counts = {"subjects": 0, "listings": 0, "commitments": 0}
    with Session(store.engine) as s:
        for subj in records.subjects:
            _subject(s, subj)
            for rec in subj.listings:
                _listing(s, subj.identifier, rec)
            for com in subj.commitments:
                _commitment(s, subj.identifier, com)
            counts["subjects"] += 1
            counts["listings"] += len(subj.listings)
            counts["commitments"] += len(subj.commitments)
        s.commit()
    store.forget()
    return counts


def _subject(s: Session, subj: SubjectRecord) -> None:
    row = s.get(CreditSubject, subj.identifier) or CreditSubject(
        identifier=subj.identifier, kind="organisation" if subj.credit_code else "person",
        name=subj.name)
    row.name = subj.name
    if subj.rating is not None:
        row.rating, row.rated_on = subj.rating.grade, subj.rating.since
    s.add(row)
    s.flush()


def _listing(s: Session, identifier: str, rec: ListingRecord) -> None:
    row = s.exec(orm_select(CreditListing).where(
        CreditListing.identifier == identifier, CreditListing.kind == rec.kind,
        CreditListing.listed_from == rec.from_)).first() or CreditListing(
        identifier=identifier, kind=rec.kind, listed_from=rec.from_, authority=rec.authority)
    row.authority, row.reference = rec.authority, rec.reference
    row.listed_until, row.repaired_on = rec.until, rec.repaired_on
    s.add(row)


def _commitment(s: Session, identifier: str, rec: CommitmentRecord) -> None:
    row = s.exec(orm_select(CreditCommitment).where(
        CreditCommitment.case_id == rec.case, CreditCommitment.kind == rec.kind)).first()
    if row is None:
        row = CreditCommitment(identifier=identifier, case_id=rec.case, kind=rec.kind,
                               made_on=rec.made_on)
    row.identifier, row.made_on, row.due = identifier, rec.made_on, rec.due
    row.items, row.materials = ",".join(rec.items), ",".join(rec.materials)
    row.status, row.settled_on, row.repaired_on = rec.status, rec.settled_on, rec.repaired_on
    s.add(row)
