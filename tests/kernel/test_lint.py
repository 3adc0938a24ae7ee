"""Lint knows the catalogue and reads rules together: file:line for each finding, both files
and lines for two rules that contradict each other, across departments."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from kernel import Item, hookimpl
from kernel.core import Kernel
from kernel.lint import lint
from rules import RULES_DIR

HEAD = """ruleset: {ruleset}
version: "1"
department: {department}
reference: 测试依据
effective: {{from: 2019-01-01}}
rules:
"""


def ruleset(folder: Path, name: str, rules: str, department: str = "natural_resources") -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(HEAD.format(ruleset=f"{department}.{name}", department=department)
                    + textwrap.dedent(rules), encoding="utf-8")
    return path


class Estate:
    """Another department: one mortgage item, and a rules folder of its own."""

    def __init__(self, rules: Path):
        self.rules = rules

    @hookimpl
    def onetrip_register_items(self, items):
        items.add(Item(code="RE-MORTGAGE", name="抵押权首次登记", department="real_estate",
                       legal_basis="不动产登记暂行条例第二十条", legal_limit={"working_days": 30},
                       committed_limit={"working_days": 30},
                       materials=[{"code": "RE-M-APPLICATION", "name": "申请书", "role": "main"}]))

    @hookimpl
    def onetrip_rule_dirs(self):
        return [self.rules]


@pytest.fixture
def started():
    kernels = []

    def start(**kw) -> Kernel:
        kernels.append(Kernel.start(disabled=set(), **kw))
        return kernels[-1]

    yield start
    for k in kernels:
        k.close()


def found(findings, path: Path) -> list[str]:
    return [f"{f.line}: {f.severity}: {f.message}" for f in findings if Path(f.file) == path]


def test_an_unknown_material_code_names_its_line_and_the_nearest_code(started, tmp_path):
    path = ruleset(tmp_path, "plant", """\
      - id: tolerate-survey
        title: 勘测定界图可容缺
        when: {all: [{fact: item.code, eq: NR-LAND-SITE}, {fact: materials.missing_main, eq: 0}]}
        then:
          - tolerate_missing: {materials: [NR-M-BOUNDRY-SURVEY]}
    """)
    findings = lint(started(), [RULES_DIR / "common", RULES_DIR / "natural_resources", path])
    assert found(findings, path) == [
        "11: error: rule tolerate-survey: tolerate_missing: no material 'NR-M-BOUNDRY-SURVEY' "
        "in the catalogue; did you mean NR-M-BOUNDARY-SURVEY?"]


def test_an_unknown_item_code_and_a_main_material_tolerated_or_waived(started, tmp_path):
    path = ruleset(tmp_path, "plant", """\
      - id: misspelt-item
        title: 错拼事项编码
        when: {all: [{fact: item.code, in: [NR-LAND-SIET]}]}
        then: [{accept: {}}]
      - id: tolerate-main
        title: 主件容缺
        when: {all: [{fact: item.code, eq: NR-LAND-SITE}, {fact: materials.missing_main, eq: 0}]}
        then:
          - tolerate_missing: {materials: [NR-M-SITE-PLAN]}
          - waive: {materials: [NR-M-APPLICATION], reason: reuse}
    """)
    findings = lint(started(), [RULES_DIR / "common", RULES_DIR / "natural_resources", path])
    assert found(findings, path) == [
        "7: warning: rule misspelt-item can never fire: no catalogue item meets its condition "
        "in the ruleset's effective dates",
        "9: error: rule misspelt-item: item.code: no item 'NR-LAND-SIET' in the catalogue; did "
        "you mean NR-LAND-SITE?",
        "15: error: rule tolerate-main: tolerate_missing: NR-M-SITE-PLAN is a main material "
        "(主件) of NR-LAND-SITE: a main material is never tolerated",
        "16: error: rule tolerate-main: waive: NR-M-APPLICATION is a main material (主件) of "
        "NR-LAND-SITE: a main material is never waived",
    ]


def test_a_cross_department_contradiction_names_both_files_and_lines(started, tmp_path):
    estate = tmp_path / "real_estate"
    estate.mkdir()
    path = ruleset(estate, "correction", """\
      - id: correct-anything-missing
        title: 缺少任何材料均须补正
        when: {fact: materials.missing_tolerable, gt: 0}
        then:
          - require_correction: {}
    """, department="real_estate")
    kernel = started(extra_plugins=[("estate", Estate(estate))])
    findings = lint(kernel)
    tolerance = RULES_DIR / "common" / "tolerance.yaml"
    assert found(findings, path) == [
        f"7: error: rule correct-anything-missing ({path}:7) and rule tolerate-secondary "
        f"({tolerance}:9) can fire together for item NR-ENG-PLANNING: one tolerates missing "
        "materials (容缺) that the other requires (correction wins)"]


def test_two_committed_limits_for_one_item(started, tmp_path):
    path = ruleset(tmp_path, "limits", """\
      - id: twenty
        title: 承诺20个工作日
        when: {all: [{fact: item.code, in: [NR-LAND-SITE, NR-ENG-PLANNING]},
                     {fact: application.submitted_on, ge: 20190801}]}
        then:
          - set_time_limit: {committed: {working_days: 20}}
      - id: too-early
        title: 改革前的承诺时限（与多审合一的生效日期不重叠）
        when: {all: [{fact: item.code, eq: NR-LAND-SITE},
                     {fact: application.submitted_on, lt: 20190725}]}
        then:
          - set_time_limit: {committed: {working_days: 15}}
    """)
    findings = lint(started(), [RULES_DIR / "common", RULES_DIR / "natural_resources", path])
    multi = RULES_DIR / "natural_resources" / "multi_review.yaml"
    assert found(findings, path) == [
        f"7: error: rule twenty ({path}:7) and rule compress-merged-land-site ({multi}:8) can "
        "fire together for item NR-LAND-SITE: two committed limits (27 working days and 20 "
        "working days); the rule that fires last wins unseen",
    ]


def test_a_date_compared_with_a_yyyymmdd_fact_says_how_to_write_it(started, tmp_path):
    path = ruleset(tmp_path, "dated", """\
      - id: after-reform
        title: 改革后
        when: {fact: application.submitted_on, ge: 2019-07-01}
        then: [{accept: {}}]
    """)
    findings = lint(started(), [path])
    assert [f"{f.line}: {f.message}" for f in findings if Path(f.file) == path] == [
        "9: rules.0.when.leaf: ge: 2019-07-01 is a date, and facts hold days as integers "
        "yyyymmdd (e.g. application.submitted_on): write 20190701"]


def test_an_unknown_fact_names_the_nearest_and_who_could_provide_it(started, tmp_path):
    path = ruleset(tmp_path, "facts", """\
      - id: typo
        title: 错拼事实
        when: {all: [{fact: credit.dishonst, eq: true}, {fact: housing.first_home, eq: true}]}
        then: [{accept: {}}]
    """)
    messages = [f.message for f in lint(started(), [path]) if Path(f.file) == path]
    assert messages == [
        "rule typo: unknown fact 'credit.dishonst': plugin credit declares no such fact; did "
        "you mean credit.dishonest?",
        "rule typo: unknown fact 'housing.first_home': no loaded plugin provides facts "
        "housing.*"]


def test_a_rule_on_another_plugins_facts_without_requires_is_warned(started, tmp_path):
    path = ruleset(tmp_path, "credit_only", """\
      - id: dishonest
        title: 失信
        when: {fact: credit.dishonest, eq: true}
        then: [{flag: {code: dishonest}}]
    """)
    assert found(lint(started(), [path]), path) == [
        "9: warning: rule dishonest: fact credit.dishonest is provided by plugin credit: add "
        "requires: [credit], or with credit switched off no rule file loads"]


def test_an_item_whose_committed_limit_nobody_decides(started, tmp_path):
    estate = tmp_path / "real_estate"
    estate.mkdir()
    kernel = started(extra_plugins=[("estate", Estate(estate))])
    messages = [f.message for f in lint(kernel) if f.severity == "warning"]
    assert ("item RE-MORTGAGE: no rule decides its committed limit and the catalogue's equals "
            "the legal one (30 working days): give a shorter committed_limit or a "
            "set_time_limit rule") in messages


def test_the_shipped_rules_have_no_errors_and_the_oa_rules_are_linted(started, tmp_path):
    oa = tmp_path / "oa"
    shutil.copytree(RULES_DIR / "oa", oa)
    kernel = started(oa_rule_dirs=[oa])
    assert [f for f in lint(kernel) if f.severity == "error"] == []
    limits = oa / "limits.yaml"
    limits.write_text(limits.read_text(encoding="utf-8").replace(
        "set_step_limit:", "set_step_limt:", 1), encoding="utf-8")
    errors = [f for f in lint(kernel) if f.severity == "error"]
    assert errors and {Path(f.file) for f in errors} == {limits}
    assert "unknown action 'set_step_limt'" in errors[0].message
