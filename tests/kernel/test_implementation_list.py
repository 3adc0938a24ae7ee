"""Every item carries its implementation-list record (实施清单); lint refuses one without."""

from pathlib import Path

import pytest

from kernel.catalogue import ItemRegistry
from kernel.schema import catalogue_schema
from kernel.yamlsrc import SourceError

ITEM = """\
department: demo
items:
  - code: DEMO-A
    name: 甲
    department: demo
    legal_basis: 《行政许可法》第四十二条
    legal_limit: {working_days: 20}
    committed_limit: {working_days: 5}
    implementation: {code: "510900-DEMO-001", body: 示范局, level: county,
                     handling: 承诺件, visits: 1, fee: 不收费, one_window: true, online: apply}
  - code: DEMO-B
    name: 乙
    department: demo
    legal_basis: 《行政许可法》第四十二条
    legal_limit: {working_days: 20}
    committed_limit: {working_days: 5}
"""


def test_lint_names_the_item_without_its_implementation_list(tmp_path: Path):
    path = tmp_path / "catalogue.yaml"
    path.write_text(ITEM)
    items = ItemRegistry()
    items.load(path)  # the kernel still serves it: the gap is a lint finding
    assert items.items["DEMO-A"].implementation.level == "county"
    with pytest.raises(SourceError) as info:
        items.lint()
    (problem,) = info.value.problems
    assert (problem.file, problem.line) == (str(path), 11)
    assert "DEMO-B lacks its implementation-list fields" in problem.message


def test_a_wrong_level_names_the_field(tmp_path: Path):
    path = tmp_path / "catalogue.yaml"
    path.write_text(ITEM.replace("level: county", "level: province"))
    with pytest.raises(SourceError) as info:
        ItemRegistry().load(path)
    assert "implementation.level" in str(info.value) and ":9:" in str(info.value)


def test_shipped_catalogues_pass_lint(kernel):
    kernel.items.lint()
    assert all(item.implementation for item in kernel.items.items.values())


def test_catalogue_schema_shows_the_fields():
    fields = catalogue_schema()["$defs"]["Implementation"]["properties"]
    assert {"code", "body", "level", "handling", "visits", "fee"} <= set(fields)
