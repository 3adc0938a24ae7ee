"""Versions of rulesets changed over the API: each change a new numbered revision with its
author, time, reason, hash and text; the history, one revision, and the audit log."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from kernel.routes import Conflict, NotFound
from kernel.store.db import reading
from kernel.store.tables import RulesChange, now

FIELDS = ("id", "ruleset", "revision", "action", "version", "department", "file", "hash",
          "author", "at", "reason")
BASELINE_AUTHOR = "files on disk (before the first change over the API)"


def _who(author: Any) -> str:
    """The person a token's config names, else its role (and department)."""
    return author.name or f"{author.role}:{author.department or '-'}"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record(s: Session, spec: Any, target: Path, text: str, author: Any, reason: str | None,
           action: str) -> list[dict[str, Any]]:
    """Add the change as the ruleset's next revision, in the caller's write transaction.

    The first change of a file that already exists first records the file as it was
    (``baseline``), so it can be fetched and rolled back to like any later revision.
    """
    last = s.scalar(select(func.max(RulesChange.revision)).where(
        RulesChange.ruleset == spec.ruleset)) or 0
    known = s.scalar(select(func.count()).select_from(RulesChange).where(
        RulesChange.ruleset == spec.ruleset, RulesChange.file == target.name,
        RulesChange.text.is_not(None)))
    rows = []
    base = dict(ruleset=spec.ruleset, department=spec.department, file=target.name, at=now())
    if not known and target.is_file():
        old = target.read_text(encoding="utf-8")
        version = _version_of(old) or spec.version
        rows.append({**base, "version": version, "hash": _sha(old), "author": BASELINE_AUTHOR,
                     "revision": last + 1, "action": "baseline", "reason": None, "text": old})
    rows.append({**base, "version": spec.version, "hash": _sha(text), "author": _who(author),
                 "revision": last + 1 + len(rows), "action": action,
                 "reason": (reason or None) and reason[:500], "text": text})
    for row in rows:
        s.execute(insert(RulesChange).values(row))
    return rows


def _version_of(text: str) -> str | None:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    return str(data.get("version")) if isinstance(data, dict) and "version" in data else None


def _row(change: RulesChange) -> dict[str, Any]:
    return {name: getattr(change, name) for name in FIELDS}


def history(db: Any, ruleset: str) -> list[dict[str, Any]]:
    """Every revision of ``ruleset``, oldest first, without the texts."""
    with reading(db) as s:
        found = s.scalars(select(RulesChange).where(RulesChange.ruleset == ruleset)
                          .order_by(RulesChange.revision, RulesChange.id)).all()
        return [{**_row(c), "can_roll_back": c.text is not None} for c in found]


def revision(db: Any, ruleset: str, number: int) -> RulesChange:
    """One revision with its text; NotFound, or Conflict when it was stored without one."""
    with reading(db) as s:
        found = s.scalars(select(RulesChange).where(
            RulesChange.ruleset == ruleset, RulesChange.revision == number)).first()
    if found is None:
        raise NotFound(f"ruleset {ruleset} has no revision {number}", "revision")
    if found.text is None:
        raise Conflict(f"revision {number} of {ruleset} was stored before versions kept "
                       "their text", "revision", "no_text")
    return found


def audit(db: Any, limit: int, offset: int, ruleset: str | None = None) -> dict[str, Any]:
    """The rules audit log, newest first, a page at a time."""
    where = [RulesChange.ruleset == ruleset] if ruleset else []
    with reading(db) as s:
        total = s.scalar(select(func.count()).select_from(RulesChange).where(*where))
        found = s.scalars(select(RulesChange).where(*where).order_by(
            RulesChange.id.desc()).limit(limit).offset(offset)).all()
        return {"entries": [_row(c) for c in found], "total": total, "limit": limit,
                "offset": offset}
