"""Rule conditions: the YAML grammar and its compilation to durable_rules.

Grammar (one of):

- ``{all: [cond, ...]}``, ``{any: [cond, ...]}``, ``{not: cond}``
- ``{fact: NAME, OP: VALUE}`` with OP one of eq, ne, lt, le, gt, ge, in, not_in, exists.

An absent fact (a plugin did not know it, or is switched off) makes every comparison on
it false, ``ne`` and ``not_in`` included; ``exists: false`` is true. ``not`` is classical
negation of the whole condition, so ``not: {fact: f, eq: 1}`` is true when ``f`` is
absent. The compiler type-checks every value against the fact's declared type, because
durable_rules itself compares loosely ("100" == 100).

Ordering (lt, le, gt, ge) compares numbers: ``check`` refuses it on string facts (and on
booleans). durable_rules orders strings by their raw JSON text, closing quote and escapes
included, so ``"a" < "a b"`` comes out false; codes are matched with eq, ne, in, not_in.
Numbers may be written in either notation (``0.00001``, ``1.0e-5``); the engine receives
them in plain decimals (see ``kernel.engine``).
"""

from __future__ import annotations

import difflib
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from kernel.facts import FactRegistry

Scalar = bool | int | float | str
OPS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "exists")
ORDERING = ("lt", "le", "gt", "ge")  # numbers only: see the module docstring
_DURABLE = {"ne": "$neq", "lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte"}
_NEGATE = {"eq": "ne", "ne": "eq", "lt": "ge", "ge": "lt", "gt": "le", "le": "gt",
           "in": "not_in", "not_in": "in"}


class _Cond(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Leaf(_Cond):
    fact: str
    eq: Scalar | None = None
    ne: Scalar | None = None
    lt: Scalar | None = None
    le: Scalar | None = None
    gt: Scalar | None = None
    ge: Scalar | None = None
    in_: Annotated[tuple[Scalar, ...], Field(min_length=1, max_length=200)] | None = Field(
        None, alias="in")
    not_in: Annotated[tuple[Scalar, ...], Field(min_length=1, max_length=200)] | None = None
    exists: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_dates(cls, data: Any) -> Any:
        """YAML reads 2019-07-01 as a date; facts hold days as integers (yyyymmdd)."""
        if isinstance(data, dict):
            for op, value in data.items():
                for v in value if isinstance(value, list) else [value]:
                    if isinstance(v, date):
                        raise ValueError(
                            f"{op}: {v.isoformat()} is a date, and facts hold days as integers"
                            f" yyyymmdd (e.g. application.submitted_on): write {v:%Y%m%d}")
        return data

    @model_validator(mode="after")
    def _one_operator(self) -> Leaf:
        given = [op for op in OPS if getattr(self, _attr(op)) is not None]
        if len(given) != 1:
            raise ValueError(f"a condition on {self.fact} needs exactly one of {', '.join(OPS)}"
                             f" (got {', '.join(given) or 'none'})")
        return self

    @property
    def op(self) -> str:
        return next(op for op in OPS if getattr(self, _attr(op)) is not None)

    @property
    def value(self) -> Any:
        return getattr(self, _attr(self.op))


class All(_Cond):
    all: Annotated[tuple[Condition, ...], Field(min_length=1)]


class AnyOf(_Cond):
    any: Annotated[tuple[Condition, ...], Field(min_length=1)]


class Not(_Cond):
    not_: Condition = Field(alias="not")


def _kind(v: Any) -> str:
    if isinstance(v, dict):
        for key in ("all", "any", "not"):
            if key in v:
                return key
        return "leaf"
    return type(v).__name__


Condition = Annotated[
    Annotated[All, Tag("all")] | Annotated[AnyOf, Tag("any")] | Annotated[Not, Tag("not")]
    | Annotated[Leaf, Tag("leaf")],
    Discriminator(_kind),
]
for _m in (All, AnyOf, Not):
    _m.model_rebuild()


def _attr(op: str) -> str:
    return "in_" if op == "in" else op


def attr(fact: str) -> str:
    """The engine's attribute name for a fact (dots are not attribute separators there)."""
    return fact.replace(".", "__")


def facts_of(cond: Any) -> set[str]:
    """Every fact name a condition mentions."""
    if isinstance(cond, Leaf):
        return {cond.fact}
    return set().union(*(facts_of(c) for c in _children(cond)))


def _children(cond: All | AnyOf | Not) -> tuple:
    return cond.all if isinstance(cond, All) else cond.any if isinstance(cond, AnyOf) else (
        cond.not_,)


def check(cond: Any, facts: FactRegistry) -> list[str]:
    """Problems with a condition's facts and values against the declared facts."""
    if not isinstance(cond, Leaf):
        return [p for c in _children(cond) for p in check(c, facts)]
    if cond.fact not in facts.specs:
        return [unknown_fact(cond.fact, facts)]
    if cond.op == "exists":
        return []
    values = cond.value if cond.op in ("in", "not_in") else (cond.value,)
    problems = []
    for v in values:
        try:
            facts.check_value(cond.fact, v)
        except ValueError as exc:
            problems.append(f"{cond.op}: {exc}")
    type_ = facts.specs[cond.fact].type
    if cond.op in ORDERING and type_ == "boolean":
        problems.append(f"{cond.op}: a boolean fact can only be compared with eq/ne/in")
    if cond.op in ORDERING and type_ == "string":
        problems.append(f"{cond.op}: {cond.fact} is a string; ordering compares numbers,"
                        " use in/eq for codes")
    return problems


def unknown_fact(name: str, facts: FactRegistry) -> str:
    """Why a fact is unknown: no loaded plugin provides it, and the nearest declared name."""
    namespace = name.split(".", 1)[0]
    owner = facts.owners.get(namespace)
    who = "the kernel" if owner == "kernel" else f"plugin {owner}"
    why = (f"{who} declares no such fact" if owner else
           f"no loaded plugin provides facts {namespace}.*")
    near = difflib.get_close_matches(name, list(facts.specs), n=1, cutoff=0.6)
    return f"unknown fact {name!r}: {why}" + (f"; did you mean {near[0]}?" if near else "")


def compile_condition(cond: Any, negate: bool = False) -> dict:
    """Compile to a durable_rules expression; ``negate`` pushes a ``not`` down (De Morgan)."""
    if isinstance(cond, Not):
        return compile_condition(cond.not_, not negate)
    if isinstance(cond, (All, AnyOf)):
        kids = [compile_condition(c, negate) for c in _children(cond)]
        conj = isinstance(cond, All) != negate
        return kids[0] if len(kids) == 1 else {"$and" if conj else "$or": kids}
    return _leaf(cond, negate)


def _leaf(cond: Leaf, negate: bool) -> dict:
    a, op, v = attr(cond.fact), cond.op, cond.value
    if op == "exists":
        return {"$ex" if v != negate else "$nex": {a: 1}}
    if negate:  # absent makes the comparison false, so its negation is true
        return {"$or": [{"$nex": {a: 1}}, _positive(a, _NEGATE[op], v)]}
    return _positive(a, op, v)


def _positive(a: str, op: str, v: Any) -> dict:
    if op == "eq":
        return {a: v}
    if op == "in":  # the engine has no $in (error 202): alternatives of equalities
        return v and ({a: v[0]} if len(v) == 1 else {"$or": [{a: x} for x in v]})
    if op == "not_in":
        return {"$neq": {a: v[0]}} if len(v) == 1 else {"$and": [{"$neq": {a: x}} for x in v]}
    return {_DURABLE[op]: {a: v}}

