"""The engine's hidden limit: at most 511 different conditions may follow one condition.

durable_rules 2.0.28 hangs (holding the GIL) past it: measured here in child processes with
a time limit, and refused by the kernel at file:line before it builds anything.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from kernel.engine import GUARD, MAX_FANOUT, too_wide

HANG = 5  # seconds: what builds or matches at all does so in milliseconds


def _rule(expr: dict) -> dict:
    return {"all": [{"m": {"$and": [GUARD, expr]}}], "pri": 1}


def alternatives(n: int) -> dict:
    return {"r": _rule({"$or": [{"x": i} for i in range(n)]})}


def many_rules(n: int, window: int = 20190101) -> dict:
    return {f"r{i}": _rule({"$and": [{"$gte": {"d": window}}, {"x": i}]}) for i in range(n)}


def _engine_finishes(definition: dict) -> tuple[bool, bool]:
    """(built, matched a fact reaching the widest condition) in a child process."""
    script = textwrap.dedent("""
        import json, sys, durable_rules_engine as dre
        h = dre.create_ruleset("t", sys.stdin.read())
        print("built", flush=True)
        dre.assert_fact(h, json.dumps({"sid": "s", "_case": 1, "d": 20200101, "x": 1}))
        print("matched", flush=True)
    """)
    try:
        out = subprocess.run([sys.executable, "-c", script], input=json.dumps(definition),
                             capture_output=True, text=True, timeout=HANG).stdout
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
    return "built" in out, "matched" in out


@pytest.mark.parametrize(("definition", "finishes"), [
    (alternatives(MAX_FANOUT), (True, True)),
    (alternatives(MAX_FANOUT + 1), (True, False)),  # builds, then the first fact never ends
    (alternatives(MAX_FANOUT + 2), (False, False)),
    (many_rules(MAX_FANOUT), (True, True)),
    (many_rules(MAX_FANOUT + 2), (False, False)),
], ids=["511-any", "512-any", "513-any", "511-rules", "513-rules"])
def test_the_engine_limit_as_measured(definition, finishes):
    assert _engine_finishes(definition) == finishes


def test_too_wide_follows_how_the_engine_shares_conditions():
    assert too_wide(alternatives(MAX_FANOUT)) == {}
    assert set(too_wide(alternatives(MAX_FANOUT + 1))) == {"r"}
    assert set(too_wide(many_rules(MAX_FANOUT + 1))) == {f"r{MAX_FANOUT}"}
    split = {**many_rules(400), **{f"s{i}": v for i, v in many_rules(400, 20200101).items()}}
    assert too_wide(split) == {}  # two effective dates: 400 after each
    assert _engine_finishes(split) == (True, True)


def _rule_file(alternatives: int, rules: int = 1) -> str:
    leaves = "".join(f"          - {{fact: item.code, eq: X-{i}}}\n" for i in range(alternatives))
    body = "".join(f"  - id: r{r}\n    title: t\n    when:\n      any:\n"
                   + leaves.replace("X-", f"X{r}-") + "    then: [{accept: {}}]\n"
                   for r in range(rules))
    return ("ruleset: test.wide\nversion: \"1\"\ndepartment: test\nreference: test\n"
            f"effective: {{from: 2019-01-01}}\nrules:\n{body}")


LOAD = textwrap.dedent("""
    import sys
    from pathlib import Path
    from kernel.store import start_kernel
    from kernel.yamlsrc import SourceError
    kernel = start_kernel(db_url="sqlite://", rule_dirs=[Path(sys.argv[1])])
    try:
        book = kernel.load_rules([Path(sys.argv[2])])
    except SourceError as exc:
        print("refused", exc)
    else:
        doc = {"item__code": "X0-1", "application__submitted_on": 20200101}
        print("matched", [r.id for r in book.match(doc)])
""")


@pytest.mark.parametrize("alternatives", [MAX_FANOUT, MAX_FANOUT + 1])
def test_a_rule_file_at_and_past_the_limit(tmp_path, alternatives):
    """511 alternatives load and match; 512 are refused at the rule's line, nothing built."""
    path = tmp_path / "wide.yaml"
    path.write_text(_rule_file(alternatives), encoding="utf-8")
    common = tmp_path / "common"
    common.mkdir()
    try:
        out = subprocess.run([sys.executable, "-c", LOAD, str(common), str(path)],
                             capture_output=True, text=True, timeout=60).stdout
    except subprocess.TimeoutExpired:
        pytest.fail("the engine hung")
    if alternatives <= MAX_FANOUT:
        assert "matched ['r0']" in out, out
    else:
        assert f"refused {path}:7: rule r0: 512 different conditions follow one" in out, out
        assert "the engine takes at most 511" in out, out
