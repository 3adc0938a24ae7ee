"""The YAML case collector: readable failures, file:line errors, plugin fixtures."""

from pathlib import Path

import pytest

# Tables are defined once per process: load them before pytester's in-process runs, which
# drop every module they imported first (and a second import redefines the tables).
import kernel.store.tables  # noqa: F401
import plugins.credit.tables  # noqa: F401
import plugins.oa.models  # noqa: F401
from kernel import hookimpl
from kernel.models import Item

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "land_site_complete.json"


def run(pytester, text):
    pytester.makeconftest('pytest_plugins = ("kernel.testkit",)')
    (pytester.path / "cases").mkdir()
    (pytester.path / "cases" / "demo.yaml").write_text(text, encoding="utf-8")
    return pytester.runpytest("-p", "no:cacheprovider", "cases")


def test_a_passing_and_a_failing_case(pytester):
    result = run(pytester, f"""
- name: right
  application: {EXAMPLE}
  expect: {{outcome: accepted, compression_rate: 0.75}}
- name: wrong
  application: {EXAMPLE}
  expect:
    outcome: accepted_with_tolerance
    tolerated: [NR-M-BOUNDARY-SURVEY]
    fired: [tolerate-secondary]
""")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "*demo.yaml:5: wrong",
        "  outcome: expected \"accepted_with_tolerance\", got \"accepted\"",
        "  tolerated: expected [\"NR-M-BOUNDARY-SURVEY\"], got []",
        "  fired: tolerate-secondary did not fire (fired: *)",
    ])


def test_a_misspelt_expectation_is_an_error_with_its_line(pytester):
    result = run(pytester, f"""
- name: typo
  application: {EXAMPLE}
  expect:
    outcom: accepted
""")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*demo.yaml:5: 0.expect.outcom: Extra inputs are not permitted"])


def test_records_for_a_plugin_that_is_off_name_the_line(pytester):
    result = run(pytester, f"""
- name: no credit
  application: {EXAMPLE}
  disable: [credit]
  records: {{credit: {{subjects: []}}}}
  expect: {{outcome: accepted}}
""")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*demo.yaml:5: no loaded plugin takes records of kind 'credit'*"])


class Tiny:
    """A one-item department, tested alone."""

    @hookimpl
    def onetrip_register_items(self, items):
        items.add(Item(code="T-1", name="测试", department="tiny", legal_basis="测试",
                       legal_limit={"working_days": 20}, committed_limit={"working_days": 5},
                       materials=[{"code": "T-M1", "name": "申请表", "role": "main"}]))


def test_a_plugin_alone_in_a_fresh_kernel(onetrip_kernel_factory, onetrip_db_url):
    kernel = onetrip_kernel_factory(("tiny", Tiny()))
    assert set(kernel.items.items) == {"T-1"}
    assert kernel.plugins == {"tiny"}
    assert str(kernel.db.url) == onetrip_db_url
    decision, _ = kernel.evaluate({
        "items": ["T-1"], "materials": ["T-M1"], "submitted_at": "2019-08-05T10:00:00+08:00",
        "applicant": {"kind": "person", "name": "张三", "id_number": "510903198001010011"}})
    assert decision.outcome == "accepted"
    assert {t.rule for t in decision.trace if t.status == "skipped"} >= {"tolerate-secondary"}


def test_the_full_kernel_fixture_has_every_department(onetrip_kernel):
    assert {"natural_resources", "credit"} <= onetrip_kernel.plugins


@pytest.mark.parametrize("paths", [[], ["tests/cases/land_site.yaml"]])
def test_onetrip_test_runs_the_cases(paths, monkeypatch):
    from kernel.cli import main

    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    assert main(["test", *paths]) == 0


HOUR_ITEM = """
  catalogue:
    - code: RE-MORTGAGE
      name: 抵押权首次登记
      department: real_estate
      legal_basis: 不动产登记暂行条例第二十条
      legal_limit: {working_days: 30}
      committed_limit: {office_hours: 1}
      materials: [{code: RE-M1, name: 申请书, role: main}]
  application:
    items: [RE-MORTGAGE]
    applicant: {kind: person, name: 张三, id_number: "510903198001010011"}
    submitted_at: 2019-08-05T10:20:00+08:00
    materials: [RE-M1]
"""


def test_a_case_checks_an_office_hours_due_time(pytester):
    result = run(pytester, f"""
- name: one hour
  {HOUR_ITEM.strip()}
  expect:
    due: {{committed: 2019-08-05T11:20:00+08:00, legal: 2019-09-17}}
- name: the wrong hour
  {HOUR_ITEM.strip()}
  expect:
    due: {{committed: 2019-08-05T16:20:00+08:00}}
""")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "*demo.yaml:*: the wrong hour",
        '  due.committed: expected "2019-08-05T16:20:00+08:00", got "2019-08-05T11:20:00+08:00"',
    ])
