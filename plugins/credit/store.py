"""Credit queries on the hot path and commitment bookkeeping, on any SQLAlchemy engine."""

from __future__ import annotations

import time
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from sqlalchemy import bindparam, exists, func, insert, or_, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel
from sqlmodel import select as orm_select

from kernel.store.db import writing
from plugins.credit.tables import TABLES, CreditCommitment, CreditListing, CreditSubject

_S, _L, _C = CreditSubject.__table__.c, CreditListing.__table__.c, CreditCommitment.__table__.c


DAY, IDENTIFIER = bindparam("day"), bindparam("identifier")


def _listed(kind: str):
    """Listed under ``kind`` on the bound day, not yet repaired."""
    return exists().where(
        _L.identifier == _S.identifier, _L.kind == kind, _L.listed_from <= DAY,
        or_(_L.listed_until.is_(None), _L.listed_until >= DAY),
        or_(_L.repaired_on.is_(None), _L.repaired_on > DAY))


# One indexed round trip per case: the subject row and three correlated sub-queries.
PROFILE = select(
    _S.rating, _S.rated_on, _listed("judgment_defaulter"), _listed("serious_dishonesty"),
    select(func.count()).where(
        _C.identifier == _S.identifier, _C.status == "broken", _C.settled_on <= DAY,
        or_(_C.repaired_on.is_(None), _C.repaired_on > DAY)).scalar_subquery(),
).where(_S.identifier == IDENTIFIER)


# The days an applicant's profile may change on; it is the same from one to the next.
CHANGES = (
    select(_S.identifier, _S.rated_on),
    select(_L.identifier, _L.listed_from, _L.listed_until, _L.repaired_on),
    select(_C.identifier, _C.settled_on, _C.repaired_on).where(_C.status == "broken"),
)


@dataclass(frozen=True)
class Profile:
    """What a case sees of its applicant on a given day; unknown means no record."""

    known: bool = False
    rating: str | None = None
    dishonest: bool = False
    serious_dishonesty: bool = False
    broken_commitments: int = 0

    def facts(self) -> dict[str, object]:
        out: dict[str, object] = {
            "credit.known": self.known, "credit.dishonest": self.dishonest,
            "credit.serious_dishonesty": self.serious_dishonesty,
            "credit.broken_commitments": self.broken_commitments,
        }
        if self.rating is not None:  # absent, not "", so rating conditions stay false
            out["credit.rating"] = self.rating
        return out


class CreditStore:
    """The credit tables on one engine.

    Profiles are cached per (applicant, day) for ``ttl`` seconds: this process's own
    writes drop the applicant's entries at once; another process's writes show within
    ``ttl``. ``ttl=0`` turns the cache off.

    ``private``: no other process writes these tables (the sandbox's throw-away store), so
    profiles are kept for good, per applicant and stretch of days between two record dates
    (a rating, a listing's start, end or repair, a broken commitment's settlement or repair)
    rather than per day: a year of one applicant's cases then costs a query or two.
    """

    def __init__(self, engine: Engine, ttl: float = 30.0, size: int = 50_000,
                 private: bool = False):
        self.engine, self.ttl, self.size = engine, ttl, size
        self.private = private
        # applicant -> day (or, private, first day of its stretch) -> (when, profile):
        # one applicant's entries go at once
        self._cache: dict[str, dict[date, tuple[float, Profile]]] = {}
        self._cached = 0
        self._changes: dict[str, tuple[date, ...]] = {}
        self._everyone: dict | None = None  # every applicant's change days, when they fit

    def forget(self, identifier: str | None = None) -> None:
        """Drop cached profiles of one applicant (or of all)."""
        if identifier is None:
            self._cache.clear()
            self._cached = 0
            self._changes.clear()
            self._everyone = None
        else:
            self._cached -= len(self._cache.pop(identifier, ()))
            self._changes.clear()  # the next look-up reads them again
            self._everyone = None

    def create_tables(self) -> None:
        SQLModel.metadata.create_all(self.engine, tables=TABLES)

    def profile(self, identifier: str, day: date) -> Profile:
        now = time.monotonic()
        key = self._stretch(identifier, day) if self.private else day
        days = self._cache.get(identifier)
        hit = days.get(key) if days else None
        if hit is not None and (self.private or now - hit[0] < self.ttl):
            return hit[1]
        if self._cached >= self.size:  # crude bound; a replay's working set is recent applicants
            self._cache.clear()
            self._cached = 0
        found = self._query(identifier, day)
        if self.ttl or self.private:
            days = self._cache.setdefault(identifier, {})
            self._cached += key not in days
            days[key] = (now, found)
        return found

    def _stretch(self, identifier: str, day: date) -> date:
        """The first day of the stretch ``day`` lies in (date.min before the first change)."""
        changes = self._changes.get(identifier)
        if changes is None and not self._changes:  # first: everyone's, when they fit
            self._everyone = self._change_days(None)
            self._changes.update(self._everyone or {})
            changes = self._changes.get(identifier)
        if changes is None:
            if self._everyone is None and len(self._changes) >= self.size:
                self._changes.clear()  # the same crude bound as the profiles'
            changes = () if self._everyone is not None else self._change_days(
                identifier).get(identifier, ())
            self._changes[identifier] = changes
        i = bisect_right(changes, day)
        return changes[i - 1] if i else date.min

    def _change_days(self, identifier: str | None) -> dict[str, tuple[date, ...]] | None:
        """One applicant's change days, or everyone's (None when there are too many)."""
        with self.engine.connect() as conn:
            if identifier is None and conn.execute(
                    select(func.count()).select_from(CreditSubject.__table__)).scalar() > self.size:
                return None
            rated, listings, broken = (conn.execute(
                q if identifier is None else q.where(q.selected_columns[0] == identifier)).all()
                for q in CHANGES)
        days: dict[str, set[date | None]] = {}
        for who, *dates in (*rated, *broken):
            days.setdefault(who, set()).update(dates)
        for who, start, until, repaired in listings:  # listed through ``until``: off the next day
            days.setdefault(who, set()).update(
                (start, repaired, until + timedelta(days=1) if until else None))
        return {who: tuple(sorted(d for d in found if d is not None))
                for who, found in days.items()}

    def _query(self, identifier: str, day: date) -> Profile:
        row = self._profile_row(identifier, day)
        if row is None:
            return Profile()
        rating, rated_on, defaulter, serious, broken = row
        if isinstance(rated_on, str):  # SQLite keeps dates as ISO text
            rated_on = date.fromisoformat(rated_on)
        return Profile(known=True, rating=rating if rated_on is None or rated_on <= day else None,
                       dishonest=bool(defaulter), serious_dishonesty=bool(serious),
                       broken_commitments=int(broken))

    def _profile_row(self, identifier: str, day: date) -> tuple | None:
        """PROFILE's one row on a pooled driver connection: a miss is most lookups (most
        applicants have no record), and the driver alone answers it about four times faster
        than a Connection's execute (no transaction begun, no result processing)."""
        sql, order = self._profile_sql
        sqlite = self.engine.dialect.name == "sqlite"
        params = {**self._profile_params, "identifier": identifier,
                  "day": day.isoformat() if sqlite else day}
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(sql, [params[n] for n in order] if order is not None else params)
            row = cursor.fetchone()
            cursor.close()
        finally:
            raw.close()  # back to the pool, its transaction (if any) rolled back
        return None if row is None else tuple(row)

    @cached_property
    def _profile_sql(self) -> tuple[str, tuple[str, ...] | None]:
        compiled = PROFILE.compile(dialect=self.engine.dialect)
        return str(compiled), compiled.positiontup

    @cached_property
    def _profile_params(self) -> dict[str, Any]:
        """The statement's own constants (the listing kinds, the status)."""
        return PROFILE.compile(dialect=self.engine.dialect).construct_params(
            {"identifier": "", "day": date.min})

    def commit(self, **commitment: Any) -> None:
        """Record (or refresh, while open) one commitment of a case: ``identifier``,
        ``kind``, ``name``, ``case_id``, ``commitment`` (its kind), ``items``,
        ``materials``, ``made_on``, ``due`` and optionally ``status`` and ``settled_on``."""
        self.commit_many([commitment])

    def commit_many(self, commitments: list[dict[str, Any]]) -> None:
        """Record (or refresh, while open) many commitments in one transaction; a case's
        commitment of a kind is one row, and a settled one is left as it is."""
        if not commitments:
            return
        with writing(self.engine) as s:  # SQLite's write lock from the start: no upgrade
            conn = s.connection()
            self._subjects(conn, commitments)
            rows = conn.execute(select(_C.id, _C.case_id, _C.kind, _C.status).where(
                _C.case_id.in_({c["case_id"] for c in commitments}))).all()
            stored = {(r.case_id, r.kind): r for r in rows}
            fresh, refreshed = {}, []
            for c in commitments:
                self.forget(c["identifier"])
                values = {"items": ",".join(c["items"]), "materials": ",".join(c["materials"]),
                          "due": c["due"], "status": c.get("status", "open"),
                          "settled_on": c.get("settled_on")}
                row = stored.get((c["case_id"], c["commitment"]))
                if row is None:
                    fresh[c["case_id"], c["commitment"]] = {
                        "identifier": c["identifier"], "case_id": c["case_id"],
                        "kind": c["commitment"], "made_on": c["made_on"],
                        "repaired_on": None, **values}
                elif row.status == "open":
                    refreshed.append({"row": row.id, **values})
            if fresh:
                conn.execute(insert(CreditCommitment.__table__), list(fresh.values()))
            if refreshed:
                conn.execute(update(CreditCommitment.__table__)
                             .where(_C.id == bindparam("row")), refreshed)

    @staticmethod
    def _subjects(conn: Any, commitments: list[dict[str, Any]]) -> None:
        """A subject row for each applicant not known yet (no rating, no listing)."""
        wanted = {c["identifier"]: c for c in commitments}
        known = set(conn.execute(select(_S.identifier).where(
            _S.identifier.in_(wanted))).scalars())
        new = [{"identifier": i, "kind": c["kind"], "name": c["name"], "rating": None,
                "rated_on": None} for i, c in wanted.items() if i not in known]
        if new:
            conn.execute(insert(CreditSubject.__table__), new)

    def settle(self, case_id: str, status: str, on: date, kind: str = "tolerance") -> int:
        """Mark a case's open commitment fulfilled or broken; returns rows changed."""
        with writing(self.engine) as s:
            rows = s.exec(orm_select(CreditCommitment).where(
                CreditCommitment.case_id == case_id, CreditCommitment.kind == kind,
                CreditCommitment.status == "open")).all()
            for row in rows:
                self.forget(row.identifier)
                row.status, row.settled_on = status, on
                s.add(row)
        return len(rows)

    def records(self, identifier: str) -> dict[str, object] | None:
        """Everything stored about one subject, for people to read; None: no record."""
        with Session(self.engine) as s:
            subject = s.get(CreditSubject, identifier)
            if subject is None:
                return None
            listings = s.exec(orm_select(CreditListing).where(
                CreditListing.identifier == identifier)).all()
            commitments = s.exec(orm_select(CreditCommitment).where(
                CreditCommitment.identifier == identifier)).all()
            return {"subject": subject.model_dump(mode="json"),
                    "listings": [r.model_dump(mode="json") for r in listings],
                    "commitments": [r.model_dump(mode="json") for r in commitments]}
