"""Applicants' credit from history rows, loaded into the replay's throw-away store."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from sandbox.history import explain


def _subject(row: Any) -> dict[str, Any] | None:
    if not isinstance(row, dict):
        return None
    credit, who = row.get("credit"), (row.get("application") or {}).get("applicant") or {}
    if not isinstance(credit, dict) or not isinstance(who, dict):
        return None
    key = "id_number" if who.get("kind") == "person" else "credit_code"
    return {**credit, "name": who.get("name") or "-", key: who.get(key)}


def load_credit(kernel: Any, lines: Iterable[tuple[int, str]], batch: int = 2000,
                remember: int = 200_000) -> list[tuple[int, str]]:
    """Give the credit plugin every row's ``credit`` (its subject-record format); returns
    the rows whose credit was refused, with line numbers. Without the plugin: nothing.

    Batches are upserts, so memory stays flat; for an applicant whose rows disagree the
    last row wins, and the records' own dates decide what applies on each case's day.
    Up to ``remember`` applicants' credit is remembered so repeated rows are not reloaded.
    """
    if "credit" not in kernel.plugins:
        return []
    from plugins.credit.records import RecordFile, SubjectRecord, apply

    store = kernel.pm.get_plugin("credit").store
    pending: dict[str, SubjectRecord] = {}
    problems: list[tuple[int, str]] = []
    seen: set[str] = set()
    for line, text in lines:
        try:
            subject = _subject(json.loads(text))
            key = json.dumps(subject, sort_keys=True, ensure_ascii=False)
            if subject is None or key in seen:
                continue
            record = SubjectRecord.model_validate(subject)
        except ValidationError as exc:
            problems.append((line, f"credit: {explain(exc)}"))
            continue
        except ValueError:  # not JSON: the replay reports the row itself
            continue
        pending[record.identifier] = record
        if len(seen) >= remember:
            seen.clear()  # only a cost: forgotten applicants are upserted again
        seen.add(key)
        if len(pending) >= batch:
            apply(store, RecordFile(subjects=tuple(pending.values())))
            pending.clear()
    if pending:
        apply(store, RecordFile(subjects=tuple(pending.values())))
    return problems
