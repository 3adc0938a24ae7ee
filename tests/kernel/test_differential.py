"""durable_rules and the plain-Python reference agree on the same compiled conditions."""

import random

import pytest
from pydantic import TypeAdapter

from kernel.conditions import Condition, attr, compile_condition, reference_match
from kernel.engine import Matcher

CASES = 100_000
VALUES = {
    "t.code": ["NR-LAND-SITE", "NR-LAND-PREREVIEW", "用地", "", "a b", "Z"],
    "t.kind": ["industrial", "commercial", "住宅"],
    "t.count": [-3, 0, 1, 2, 5, 99, 100, 140],
    "t.flag": [True, False],
    "t.rate": [0.0, 0.5, 0.807, 1.25, 27.0, 140.0],
}
OPS = ["eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "exists"]


def _leaf(rnd):
    fact = rnd.choice(list(VALUES))
    ops = OPS if not isinstance(VALUES[fact][0], bool) else ["eq", "ne", "in", "not_in", "exists"]
    op = rnd.choice(ops)
    if op == "exists":
        return {"fact": fact, "exists": rnd.random() < 0.5}
    if op in ("in", "not_in"):
        pool = VALUES[fact]
        return {"fact": fact, op: rnd.sample(pool, min(rnd.randint(1, 3), len(pool)))}
    return {"fact": fact, op: rnd.choice(VALUES[fact])}


def _condition(rnd, depth=0):
    roll = rnd.random()
    if depth >= 3 or roll < 0.4:
        return _leaf(rnd)
    if roll < 0.6:
        return {"not": _condition(rnd, depth + 1)}
    key = "all" if roll < 0.8 else "any"
    return {key: [_condition(rnd, depth + 1) for _ in range(rnd.randint(1, 3))]}


def _doc(rnd):
    return {attr(f): rnd.choice(v) for f, v in VALUES.items() if rnd.random() < 0.85}


def _agree(matcher, exprs, docs):
    mismatches = []
    for doc in docs:
        engine = set(matcher.match(doc))
        seen = {**doc, "_case": 1}  # the matcher adds the case guard to every fact
        reference = {name for name, expr in exprs.items() if reference_match(expr, seen)}
        if engine != reference:
            mismatches.append((doc, sorted(engine ^ reference)))
    return mismatches


@pytest.fixture(scope="module")
def generated():
    rnd = random.Random(20190725)
    conditions = TypeAdapter(list[Condition]).validate_python(
        [_condition(rnd) for _ in range(40)])
    exprs = {f"r{i}": compile_condition(c) for i, c in enumerate(conditions)}
    matcher = Matcher({n: (e, 100) for n, e in exprs.items()})
    yield rnd, exprs, matcher
    matcher.close()


def test_engine_agrees_with_reference_on_generated_rules(generated):
    rnd, exprs, matcher = generated
    docs = (_doc(rnd) for _ in range(30_000))
    assert _agree(matcher, exprs, docs)[:5] == []


def test_engine_agrees_with_reference_on_shipped_rules(kernel):
    rnd = random.Random(7)
    book = kernel.rulebook
    exprs = {r.name: book.matcher_expr(r) for r in book.rules}
    specs = kernel.facts.specs
    pools = {
        "string": ["NR-LAND-SITE", "NR-SITE-SELECTION", "industrial", "online", "window", "x"],
        "integer": [0, 1, 2, 3, 20190724, 20190725, 20200101],
        "boolean": [True, False], "number": [0.0, 0.5, 99.5],
    }

    def doc():
        return {attr(n): rnd.choice(pools[s.type]) for n, s in specs.items()
                if rnd.random() < 0.8}

    assert _agree(book.matcher, exprs, (doc() for _ in range(CASES)))[:5] == []


def test_sessions_are_cleaned_after_every_case(generated):
    """Far more cases than the core's 1,024 live sessions, from one thread."""
    rnd, exprs, matcher = generated
    for _ in range(3000):
        matcher.match(_doc(rnd))
