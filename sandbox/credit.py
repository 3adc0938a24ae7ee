"""Applicants' credit from history rows, loaded into the replay's throw-away store."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import ValidationError


def subject_of(row: Any) -> dict[str, Any] | None:
    """A history row's ``credit`` as the credit plugin's subject record, or None."""
    if not isinstance(row, dict):
        return None
    credit, who = row.get("credit"), (row.get("application") or {}).get("applicant") or {}
    if not isinstance(credit, dict) or not isinstance(who, dict):
        return None
    key = "id_number" if who.get("kind") == "person" else "credit_code"
    return {**credit, "name": who.get("name") or "-", key: who.get(key)}


def subject_key(subject: dict[str, Any] | None) -> str:
    return json.dumps(subject, sort_keys=True, ensure_ascii=False, default=str)


def subjects(lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each row's credit block, with its line (the same block again is left out)."""
    for line, text in lines:
        try:
            yield line, subject_of(json.loads(text))
        except ValueError:  # not JSON: the replay reports the row itself
            continue


def distinct(found: Iterable[tuple[int, dict[str, Any] | None]], remember: int = 200_000
             ) -> Iterator[tuple[int, dict[str, Any]]]:
    """Credit blocks less repeats of one seen before; up to ``remember`` are remembered
    (a forgotten one is only loaded again: loading is an upsert)."""
    seen: set[str] = set()
    for line, subject in found:
        key = subject_key(subject)
        if subject is None or key in seen:
            continue
        if len(seen) >= remember:
            seen.clear()
        seen.add(key)
        yield line, subject


def load_credit(kernel: Any, lines: Iterable[tuple[int, str]], batch: int = 2000
                ) -> list[tuple[int, str]]:
    """Hand every row's ``credit`` to the plugin that takes ``credit`` records; returns
    the rows whose credit was refused, with line numbers. Without such a plugin: nothing."""
    return load_subjects(kernel, distinct(subjects(lines)), batch)


def load_subjects(kernel: Any, found: Iterable[tuple[int, dict[str, Any]]], batch: int = 2000
                  ) -> list[tuple[int, str]]:
    """Load credit blocks (line, subject record) in order, as :func:`load_credit` does.

    Batches are upserts, so memory stays flat; for an applicant whose rows disagree the
    last row wins, and the records' own dates decide what applies on each case's day.
    """
    pending: dict[str, tuple[int, dict[str, Any]]] = {}
    problems: list[tuple[int, str]] = []
    for line, subject in found:
        pending[_who(subject)] = (line, subject)
        if len(pending) >= batch:
            if not _load(kernel, list(pending.values()), problems):
                return problems
            pending.clear()
    if pending:
        _load(kernel, list(pending.values()), problems)
    return problems


def _who(subject: dict[str, Any]) -> str:
    return str(subject.get("id_number") or subject.get("credit_code") or "").strip().upper()


def _load(kernel: Any, rows: list[tuple[int, dict[str, Any]]],
          problems: list[tuple[int, str]]) -> bool:
    """Load one batch; rows the plugin refuses are reported and the rest loaded again.

    Returns False when no plugin takes credit records (nothing to do for later batches).
    """
    try:
        taken = kernel.pm.hook.onetrip_load_records(
            kind="credit", data={"subjects": [s for _, s in rows]})
    except ValidationError as exc:
        bad = {e["loc"][1] for e in exc.errors() if len(e["loc"]) > 1}
        for i in sorted(bad):
            problems.append((rows[i][0], f"credit: {_explain_row(exc, i)}"))
        rest = [r for i, r in enumerate(rows) if i not in bad]
        if not bad:
            raise
        return _load(kernel, rest, problems) if rest else True
    return taken is not None


def _explain_row(exc: ValidationError, index: int) -> str:
    """The first error of row ``index``, located within the row, like ``explain``."""
    for err in exc.errors():
        if len(err["loc"]) > 1 and err["loc"][1] == index:
            where = ".".join(str(p) for p in err["loc"][2:])
            msg = err["msg"]
            return f"{where}: {msg}" if where else msg
    return str(exc)
