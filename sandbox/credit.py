"""Applicants' credit from history rows, loaded into the replay's throw-away store."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from sandbox.history import explain


def _subject(row: dict[str, Any]) -> dict[str, Any] | None:
    credit, who = row.get("credit"), (row.get("application") or {}).get("applicant") or {}
    if not isinstance(credit, dict) or not isinstance(who, dict):
        return None
    key = "id_number" if who.get("kind") == "person" else "credit_code"
    return {**credit, "name": who.get("name") or "-", key: who.get(key)}


def load_credit(kernel: Any, lines: Iterable[tuple[int, str]], batch: int = 2000
                ) -> list[tuple[int, str]]:
    """Give the credit plugin every row's ``credit`` (its subject-record format); returns
    the rows whose credit was refused, with line numbers. Without the plugin: nothing.

    Batches are upserts, so memory stays flat; for an applicant whose rows disagree the
    last row wins, and the records' own dates decide what applies on each case's day.
    """
    if "credit" not in kernel.plugins:
        return []
    from plugins.credit.records import RecordFile, SubjectRecord, apply

    store = kernel.pm.get_plugin("credit").store
    pending: dict[str, SubjectRecord] = {}
    problems: list[tuple[int, str]] = []
    for line, text in lines:
        try:
            subject = _subject(json.loads(text))
            if subject is not None:
                record = SubjectRecord.model_validate(subject)
                pending[record.identifier] = record
        except ValueError as exc:  # bad JSON is reported by the replay itself
            if isinstance(exc, ValidationError):
                problems.append((line, f"credit: {explain(exc)}"))
        if len(pending) >= batch:
            apply(store, RecordFile(subjects=tuple(pending.values())))
            pending.clear()
    if pending:
        apply(store, RecordFile(subjects=tuple(pending.values())))
    return problems
