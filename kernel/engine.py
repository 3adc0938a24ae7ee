"""durable_rules used as a pure matcher, within the C core's known limits.

The engine only answers "which rules match this fact"; kernel code applies the actions.
One fixed session id per thread, its state deleted after every fact (the core holds at
most 1,024 live sessions and finds them by a 32-bit hash), a guard so the session's own
state document never matches, a warm-up that fires once on each new ruleset before real
use, and ``delete_ruleset`` when a rulebook is replaced.

Numbers reach the core in plain decimal notation, definitions and facts alike: it
refuses exponent notation (``1e-05`` is error 204) but reads ``0.00001`` as the same
double, so :func:`dumps` writes every float that way.
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


class MatchError(RuntimeError):
    """The engine refused a fact or a ruleset; the message says which."""


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


class Matcher:
    """A compiled ruleset: rule names to durable expressions, matched one fact at a time."""

    def __init__(self, rules: dict[str, tuple[dict, int]]):
        definition = {
            name: {"all": [{"m": {"$and": [GUARD, expr]}}], "pri": pri}
            for name, (expr, pri) in rules.items()
        }
        definition[_WARMUP] = {"all": [{"m": {_WARMUP: 1}}]}
        self.name = f"onetrip_{next(_names)}_{threading.get_ident()}"
        try:
            self.handle = dre.create_ruleset(self.name, dumps(definition))
        except Exception as exc:  # the C core raises bare Exception with an error number
            raise MatchError(f"durable_rules refused the ruleset: {exc}") from exc
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
