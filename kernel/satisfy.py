"""Can a condition hold? Conditions as alternatives of conjunctions, checked against what is
known of one catalogue item (its facts, how many of its materials can be missing).

Used by lint to find rules that never fire and rules that fire together. The answer errs on
"can hold": facts the check knows nothing about may take any value of their type, and sums
(missing = main + secondary) are not related. So "cannot hold" is certain; "can" may not be.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import product
from typing import Any

from kernel.conditions import All, AnyOf, Leaf, Not

Literal = tuple[str, str, Any]  # (fact, op, value); op also "absent"
Conj = tuple[Literal, ...]
LIMIT = 512  # conjunctions per condition; past it the condition is taken as "can hold"
_NEG = {"eq": "ne", "ne": "eq", "lt": "ge", "ge": "lt", "gt": "le", "le": "gt",
        "in": "not_in", "not_in": "in"}


def alternatives(cond: Any, negate: bool = False) -> list[Conj] | None:
    """``cond`` as alternatives of conjunctions of literals (None: too many to list).

    An absent fact makes every comparison false, so ``not (f = v)`` is ``f absent`` or
    ``f != v`` (see ``kernel.conditions``).
    """
    if cond is None:
        return [()]
    if isinstance(cond, Not):
        return alternatives(cond.not_, not negate)
    if isinstance(cond, Leaf):
        return _leaf(cond, negate)
    kids = [alternatives(c, negate) for c in (cond.all if isinstance(cond, All) else cond.any)]
    if any(k is None for k in kids):
        return None
    if isinstance(cond, AnyOf) != negate:  # any, or a negated all: one of them
        out = [c for k in kids for c in k]
    else:
        if math.prod(len(k) for k in kids) > LIMIT:
            return None
        out = [tuple(lit for conj in combo for lit in conj) for combo in product(*kids)]
    return out if len(out) <= LIMIT else None


def _leaf(leaf: Leaf, negate: bool) -> list[Conj]:
    op, value = leaf.op, leaf.value
    if op == "exists":
        return [((leaf.fact, "exists" if value != negate else "absent", None),)]
    if op in ("in", "not_in"):
        value = frozenset(value)
    if not negate:
        return [((leaf.fact, op, value),)]
    return [((leaf.fact, "absent", None),), ((leaf.fact, _NEG[op], value),)]


@dataclass
class Domain:
    """What is known before the case: fact values, integer ranges, facts always present."""

    known: dict[str, Any] = field(default_factory=dict)
    ranges: dict[str, tuple[int, int]] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)  # fact -> declared type
    present: frozenset[str] = frozenset()  # facts every case has
    choices: dict[str, frozenset] = field(default_factory=dict)  # e.g. channel


_TEST = {"eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "lt": lambda a, b: a < b,
         "le": lambda a, b: a <= b, "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b,
         "in": lambda a, b: a in b, "not_in": lambda a, b: a not in b}


def possible(conj: Conj, domain: Domain) -> bool:
    """Whether some case can satisfy every literal of ``conj``."""
    by_fact: dict[str, list[tuple[str, Any]]] = {}
    for fact, op, value in conj:
        by_fact.setdefault(fact, []).append((op, value))
    return all(_fact_possible(fact, lits, domain) for fact, lits in by_fact.items())


def _fact_possible(fact: str, lits: list[tuple[str, Any]], domain: Domain) -> bool:
    absent = any(op == "absent" for op, _ in lits)
    compared = [(op, v) for op, v in lits if op not in ("absent", "exists")]
    if absent:
        return not compared and all(op == "absent" for op, _ in lits) and (
            fact not in domain.present and fact not in domain.known)
    if fact in domain.known:
        value = domain.known[fact]
        return all(_TEST[op](value, v) for op, v in compared)
    kind = domain.types.get(fact)
    values = domain.choices.get(fact) or ({True, False} if kind == "boolean" else None)
    if values is None and fact in domain.ranges:
        lo, hi = domain.ranges[fact]
        values = set(range(lo, hi + 1)) if hi - lo <= 1000 else None
    if values is not None:
        return any(all(_TEST[op](x, v) for op, v in compared) for x in values)
    return _open_possible(compared, kind)


def _open_possible(lits: list[tuple[str, Any]], kind: str | None) -> bool:
    """An unbounded fact: equalities pick candidates, else the bounds must leave room."""
    pinned = [set(v) if op == "in" else {v} for op, v in lits if op in ("eq", "in")]
    if pinned:
        candidates = set.intersection(*pinned)
        return any(all(_TEST[op](x, v) for op, v in lits) for x in candidates)
    if kind not in ("integer", "number"):
        return True  # strings: finitely many exclusions leave others
    lo, hi, lo_open, hi_open = -math.inf, math.inf, False, False
    for op, v in lits:
        if op in ("gt", "ge") and (v > lo or (v == lo and op == "gt")):
            lo, lo_open = v, op == "gt"
        if op in ("lt", "le") and (v < hi or (v == hi and op == "lt")):
            hi, hi_open = v, op == "lt"
    if kind == "integer":
        if not math.isinf(lo):
            lo = math.floor(lo) + 1 if lo_open else math.ceil(lo)
        if not math.isinf(hi):
            hi = math.ceil(hi) - 1 if hi_open else math.floor(hi)
        if lo > hi:
            return False
        if math.isinf(lo) or math.isinf(hi):
            return True
        excluded = {v for op, v in lits if op == "ne"} | {
            x for op, v in lits if op == "not_in" for x in v}
        return hi - lo + 1 > len({x for x in excluded if lo <= x <= hi})
    return lo < hi or (lo == hi and not lo_open and not hi_open)
