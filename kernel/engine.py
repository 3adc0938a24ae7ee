"""durable_rules used as a pure matcher, within the C core's known limits.

The engine only answers "which rules match this fact"; kernel code applies the actions.
One fixed session id per thread, its state deleted after every fact (the core holds at
most 1,024 live sessions and finds them by a 32-bit hash), a guard so the session's own
state document never matches, a warm-up that fires once on each new ruleset before real
use, and ``delete_ruleset`` when a rulebook is replaced.

Numbers reach the core in plain decimal notation, definitions and facts alike: it
refuses exponent notation (``1e-05`` is error 204) but reads ``0.00001`` as the same
double, so :func:`dumps` writes every float that way.

When the core refuses a ruleset, each rule is tried alone so that :class:`MatchError`
names the rules it refuses; the usual one is a condition past :data:`MAX_GROUPS`. A ruleset
that would hang the core (past :data:`MAX_FANOUT`) is refused before it is built.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import threading
from decimal import Decimal
from typing import Any

import durable_rules_engine as dre

GUARD = {"$ex": {"_case": 1}}
_WARMUP = "__warmup__"
_names = itertools.count()
# The core keeps a rule's $and/$or groups in one sequence of at most 31 entries, two per
# group (MAX_SEQUENCE_EXPRESSIONS 32 in its rete.h): a 16th group is error 113 at ruleset
# creation. Measured on 2.0.28: 15 pass and 16 fail, whatever the nesting. The guard
# takes one, so an expression given to the Matcher may have 14.
MAX_GROUPS = 15
# The core keeps the tests that may follow one test in an open-addressing table of 512
# slots (NEXT_BUCKET_LENGTH in its rete.h) and probes it without a bound: the 513th
# different test after one test never finishes building the ruleset, and with 512 the first
# fact that reaches that test never finishes matching; both hold the GIL, so the process
# stalls. Measured on 2.0.28: 511 build and match. Tests that follow one test are the
# alternatives of an any/in, and the next conditions of every rule sharing the leading ones
# (all rules share the guard and, per file, the effective dates).
MAX_FANOUT = 511


class MatchError(RuntimeError):
    """The engine refused a fact or a ruleset; the message says which.

    ``refused`` maps the names of the rules the core refuses on their own to the reason,
    when a ruleset was refused because of them.
    """

    def __init__(self, message: str, refused: dict[str, str] | None = None):
        super().__init__(message)
        self.refused = refused or {}


def groups(expr: Any) -> int:
    """The $and/$or groups in an expression; a rule may have at most :data:`MAX_GROUPS`."""
    if isinstance(expr, dict):
        return sum((k in ("$and", "$or")) + groups(v) for k, v in expr.items())
    if isinstance(expr, list):
        return sum(map(groups, expr))
    return 0


class _Node:
    """A test in the core's network, as :func:`too_wide` rebuilds it."""

    __slots__ = ("next", "nex")

    def __init__(self) -> None:
        self.next: dict[tuple, tuple[_Node, str]] = {}  # test → (node, the rule adding it)
        self.nex: dict[tuple, _Node] = {}  # $nex tests: a separate short list in the core


def _test(expr: dict) -> tuple:
    ((key, value),) = expr.items()
    if not key.startswith("$"):
        key, value = "$eq", {key: value}
    ((name, operand),) = value.items()
    return key, name, type(operand).__name__, operand  # 1, 1.0 and true are different tests


def _link(expr: dict, parent: _Node, rule: str) -> _Node:
    """Add ``expr`` below ``parent`` as the core does: an $and is a chain of shared tests, an
    $or a new node that each alternative (hung below ``parent``) leads to."""
    if "$and" in expr:
        for part in expr["$and"]:
            parent = _link(part, parent, rule)
        return parent
    if "$or" in expr:
        for part in expr["$or"]:
            _link(part, parent, rule)
        return _Node()
    key = _test(expr)
    if key[0] == "$nex":
        return parent.nex.setdefault(key, _Node())
    return parent.next.setdefault(key, (_Node(), rule))[0]


def too_wide(definition: dict[str, dict]) -> dict[str, str]:
    """Rules that would give one test more than :data:`MAX_FANOUT` followers, and why.

    Names the rule adding the first follower past the limit, at each test where it is passed.
    """
    root, nodes = _Node(), []
    for name, rule in definition.items():
        for part in rule["all"]:
            ((_alias, expr),) = part.items()
            _link(expr, root, name)
    stack = [root]
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack += [n for n, _ in node.next.values()] + list(node.nex.values())
    out: dict[str, str] = {}
    for node in nodes:
        if len(node.next) > MAX_FANOUT:
            owners = [rule for _, rule in node.next.values()]
            others = len(set(owners)) - 1
            out.setdefault(owners[MAX_FANOUT], (
                f"{len(node.next)} different conditions follow one condition once compiled ("
                + (f"with {others} other rule(s) sharing its leading conditions" if others
                   else "its alternatives")
                + f"); the engine takes at most {MAX_FANOUT}, more hang it: split the any/in, "
                "or lead with a condition the rules do not share"))
    return out


def _number(x: float) -> str:
    if not math.isfinite(x):
        raise MatchError(f"durable_rules cannot read the number {x!r}")
    text = float.__repr__(x)  # the shortest text that reads back as the same double
    if "e" in text:  # 1e-05, 1e+16: the same digits without the exponent
        text = format(Decimal(text), "f")
        text += "" if "." in text else ".0"
    return text


def _encode(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{_encode(str(k))}:{_encode(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(map(_encode, value)) + "]"
    raise TypeError(f"cannot send {type(value).__name__} to durable_rules")


_SCALARS = {str, int, bool, type(None)}


def _plain(value: Any) -> bool:
    """Whether ``json.dumps`` writes ``value`` as the core reads it (no exponent, no NaN)."""
    if isinstance(value, float):
        return math.isfinite(value) and "e" not in float.__repr__(value)
    if isinstance(value, dict):
        value = value.values()
    elif not isinstance(value, (list, tuple)):
        return True
    return all(type(v) in _SCALARS or _plain(v) for v in value)


def dumps(value: Any) -> str:
    """JSON text of ``value`` with every number in plain decimal notation."""
    if _plain(value):  # the usual case, at json's speed
        return json.dumps(value, ensure_ascii=False)
    return _encode(value)


def _name() -> str:
    return f"onetrip_{next(_names)}_{threading.get_ident()}"


def _refused(definition: dict) -> dict[str, str]:
    """The rules of a refused ruleset that the core refuses on their own, and why."""
    out = {}
    for name, rule in definition.items():
        try:
            dre.delete_ruleset(dre.create_ruleset(_name(), dumps({name: rule})))
        except Exception as exc:
            out[name] = (f"{groups(rule)} and/or groups once compiled, the engine takes at most"
                         f" {MAX_GROUPS} (error 113)" if str(exc).endswith("error code: 113")
                         else f"durable_rules refused it: {exc}")
    return out


class Matcher:
    """A compiled ruleset: rule names to durable expressions, matched one fact at a time."""

    def __init__(self, rules: dict[str, tuple[dict, int]]):
        definition = {
            name: {"all": [{"m": {"$and": [GUARD, expr]}}], "pri": pri}
            for name, (expr, pri) in rules.items()
        }
        definition[_WARMUP] = {"all": [{"m": {_WARMUP: 1}}]}
        wide = too_wide(definition)
        if wide:  # building it would never finish
            raise MatchError("durable_rules would hang on this ruleset: "
                             + "; ".join(f"{k}: {v}" for k, v in wide.items()), wide)
        self.name = _name()
        try:
            self.handle = dre.create_ruleset(self.name, dumps(definition))
        except Exception as exc:  # the C core raises bare Exception with an error number
            raise MatchError(f"durable_rules refused the ruleset: {exc}",
                             _refused(definition)) from exc
        self._local = threading.local()

    def _sid(self) -> str:
        sid = getattr(self._local, "sid", None)
        if sid is None:
            sid = self._local.sid = f"w{threading.get_ident()}"
            if self._run({"sid": sid, _WARMUP: 1}) != [_WARMUP]:
                raise MatchError("durable_rules warm-up did not fire")
        return sid

    def _run(self, fact: dict) -> list[str]:
        hits = []
        try:
            code, state = dre.assert_fact(self.handle, dumps(fact))
        except Exception as exc:
            with contextlib.suppress(dre.error):  # a refused fact may leave no state (309)
                dre.delete_state(self.handle, fact["sid"])
            raise MatchError(f"durable_rules refused the fact: {exc}") from exc
        try:
            if code == 2:
                raise MatchError("durable_rules session was not clean")
            if code == 0:
                result = dre.start_action_for_state(self.handle, state)
                message = result[1] if result else None
                while message:  # '{"<rule name>":{"m":{...}}}'
                    hits.append(message[2:message.index('"', 2)])
                    message = dre.complete_and_start_action(self.handle, state)
        finally:
            dre.delete_state(self.handle, fact["sid"])
        return hits

    def match(self, doc: dict) -> list[str]:
        """Names of the rules whose condition holds for ``doc``, in the engine's order."""
        return self._run({**doc, "sid": self._sid(), "_case": 1})

    def close(self) -> None:
        if self.handle is not None:
            dre.delete_ruleset(self.handle)
            self.handle = None
