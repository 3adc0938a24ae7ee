"""Hostile YAML is refused before it is expanded, with file:line, and nothing else breaks."""

import pytest

from kernel.yamlsrc import RECORDS, SourceError, load


def _doubling_bomb(levels: int) -> str:
    """Each anchor holds two aliases of the previous one: 2**levels values, 2*levels aliases."""
    lines = ['l0: &l0 ["lol"]']
    lines += [f"l{i}: &l{i} [*l{i - 1}, *l{i - 1}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


BAD = {
    "many aliases": ("a: &a [x]\n" + "".join(f"b{i}: *a\n" for i in range(150)),
                     "more than 100 aliases"),
    "expansion": (_doubling_bomb(40), "values once aliases are expanded"),
    "deep flow": ("a: " + "[" * 500 + "]" * 500, "nested more than 64 deep"),
    "deep not": ("when:\n" + "".join("  " * i + " not:\n" for i in range(1, 300)),
                 "nested more than 64 deep"),
    "nul byte": ("a: b\x00", "unacceptable character"),
    "nul escape": ('a: "b\\0"', "NUL character"),
    "huge": ("a: " + "x" * (1 << 20) + "\n", "larger than"),
}


@pytest.mark.parametrize("name", BAD)
def test_hostile_yaml_is_refused_with_a_line(name):
    text, message = BAD[name]
    with pytest.raises(SourceError) as err:
        load(f"{name}.yaml", text)
    problem = err.value.problems[0]
    assert message in problem.message and problem.file == f"{name}.yaml" and problem.line >= 1


def test_aliases_within_bounds_still_work():
    assert load("ok.yaml", "a: &x {b: 1}\nc: *x\n").data == {"a": {"b": 1}, "c": {"b": 1}}
    assert len(load("bomb.yaml", _doubling_bomb(10)).data) == 11


def test_record_files_may_be_larger_than_rule_files():
    text = "subjects:\n" + "".join(f"  - {{name: n{i}}}\n" for i in range(40_000))
    with pytest.raises(SourceError):
        load("records.yaml", text)
    assert len(load("records.yaml", text, limits=RECORDS).data["subjects"]) == 40_000
