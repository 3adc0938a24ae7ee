"""Rule conditions read straight from their YAML form in plain Python: the test reference.

Written from the grammar in the ``kernel.conditions`` docstring, never from the compiled
form: an absent fact makes every comparison on it false (``ne`` and ``not_in`` too),
``exists: false`` holds when it is absent, ``not`` negates the whole condition.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from pathlib import Path
from typing import Any

COMPARE = {
    "eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le,
    "gt": operator.gt, "ge": operator.ge,
    "in": lambda value, options: value in options,
    "not_in": lambda value, options: value not in options,
}


def holds(cond: Mapping[str, Any], facts: Mapping[str, Any]) -> bool:
    """Whether a condition, as written in a rule file, holds for facts keyed by fact name."""
    if "all" in cond:
        return all(holds(c, facts) for c in cond["all"])
    if "any" in cond:
        return any(holds(c, facts) for c in cond["any"])
    if "not" in cond:
        return not holds(cond["not"], facts)
    ((op, value),) = ((k, v) for k, v in cond.items() if k != "fact")
    present = cond["fact"] in facts
    if op == "exists":
        return present == value
    return present and COMPARE[op](facts[cond["fact"]], value)


def in_force(effective: Mapping[str, Any], submitted_on: int | None) -> bool:
    """A ruleset's ``effective`` dates (inclusive) against a yyyymmdd submission day."""
    if submitted_on is None:
        return False
    day = f"{submitted_on // 10000:04d}-{submitted_on // 100 % 100:02d}-{submitted_on % 100:02d}"
    until = effective.get("until")
    return str(effective["from"]) <= day and (until is None or day <= str(until))


def source_rules(book: Any) -> dict[str, tuple[Any, Any]]:
    """Each compiled rule's name -> its ``when`` and ``effective`` as its YAML file says.

    Read straight from the files, so the reference never sees the compiled form."""
    import yaml

    by_key = {}
    for _, path, _ in book.files:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        for r in data["rules"]:
            by_key[(data["ruleset"], str(data["version"]), r["id"])] = (
                r.get("when"), data["effective"])
    return {r.name: by_key[(r.ruleset, r.version, r.id)] for r in book.rules}
