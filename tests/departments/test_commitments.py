"""Commitments a decision creates, kept or broken, seen by the applicant's later cases."""

import json
from pathlib import Path

import pytest

from kernel.store import start_kernel
from kernel.store.outbox import Outbox

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CODE = "91350100M000100Y43"


def example(name, **changes):
    data = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    return {**data, **changes}


@pytest.fixture
def kernel(db_url):
    k = start_kernel(disabled=set(), db_url=db_url)
    yield k
    k.close()


def credit(kernel):
    return kernel.pm.get_plugin("credit")


def decide(kernel, case_id, app):
    decision, ctx = kernel.evaluate(app, case_id=case_id)
    Outbox(kernel).decision(ctx, decision)
    return decision


def test_a_dry_run_records_nothing(kernel):
    decision, ctx = kernel.evaluate(example("land_site_tolerance.json"))
    Outbox(kernel).decision(ctx, decision)          # no case id: not a stored case
    assert credit(kernel).store.records(CODE) is None


def test_tolerance_records_a_commitment_and_supplying_fulfils_it(kernel):
    d = decide(kernel, "C-1", example("land_site_tolerance.json"))
    assert d.outcome == "accepted_with_tolerance"
    (row,) = credit(kernel).store.records(CODE)["commitments"]
    assert (row["kind"], row["status"], row["materials"], row["due"]) == (
        "tolerance", "open", "NR-M-BOUNDARY-SURVEY", "2019-08-06")
    kernel.pm.hook.onetrip_case_event(case_id="C-1", event="supplemented",
                                      payload={"at": "2019-08-06T10:00:00+08:00"})
    (row,) = credit(kernel).store.records(CODE)["commitments"]
    assert (row["status"], row["settled_on"]) == ("fulfilled", "2019-08-06")


def test_a_partial_supplement_keeps_the_commitment_open(kernel):
    decide(kernel, "C-1", example("land_site_tolerance.json"))
    kernel.pm.hook.onetrip_case_event(case_id="C-1", event="supplemented", payload={
        "materials": [], "outstanding": ["NR-M-BOUNDARY-SURVEY"]})
    (row,) = credit(kernel).store.records(CODE)["commitments"]
    assert row["status"] == "open"


def test_a_broken_commitment_takes_tolerance_away_from_later_cases(kernel):
    decide(kernel, "C-1", example("land_site_tolerance.json"))
    kernel.pm.hook.onetrip_case_event(case_id="C-1", event="terminated", payload={
        "reason": "supplement_not_provided", "at": "2019-10-08T09:00:00+08:00",
        "applicant": {"kind": "organisation", "name": "x", "identifier": CODE}})
    later = example("land_site_tolerance.json", submitted_at="2019-10-09T09:00:00+08:00")
    d, _ = kernel.evaluate(later)
    assert d.outcome == "correction_required"
    assert {f["code"] for f in d.flags} == {"tolerance_refused_credit"}
    before = example("land_site_tolerance.json", submitted_at="2019-10-07T09:00:00+08:00")
    assert kernel.evaluate(before)[0].outcome == "accepted_with_tolerance"


def test_termination_for_another_reason_is_not_a_broken_commitment(kernel):
    decide(kernel, "C-1", example("land_site_tolerance.json"))
    kernel.pm.hook.onetrip_case_event(case_id="C-1", event="terminated", payload={
        "reason": "withdrawn", "at": "2019-10-08"})
    (row,) = credit(kernel).store.records(CODE)["commitments"]
    assert row["status"] == "open"


def test_a_termination_without_a_recorded_commitment_is_recorded_from_its_payload(kernel):
    kernel.pm.hook.onetrip_case_event(case_id="OLD-7", event="terminated", payload={
        "reason": "supplement_not_provided", "at": "2019-06-03", "items": ["NR-LAND-SITE"],
        "materials": ["NR-M-BOUNDARY-SURVEY"], "supplement_by": "2019-05-10",
        "applicant": {"kind": "organisation", "name": "遂宁市某某食品有限公司",
                      "identifier": CODE}})
    (row,) = credit(kernel).store.records(CODE)["commitments"]
    assert (row["status"], row["due"], row["items"]) == ("broken", "2019-05-10", "NR-LAND-SITE")
    assert credit(kernel).store.profile(CODE, __import__("datetime").date(2019, 6, 3)
                                        ).broken_commitments == 1


def test_a_commitment_waiver_records_a_notification_commitment(kernel, tmp_path):
    (tmp_path / "r.yaml").write_text(
        "subjects:\n  - {credit_code: 91510900MA62000018, name: 机械, "
        "rating: {grade: A, since: 2019-04-15}}\n", encoding="utf-8")
    from plugins.credit import records
    records.load_file(credit(kernel).store, tmp_path / "r.yaml")
    d = decide(kernel, "C-2", example("eng_planning_commitment.json"))
    assert d.outcome == "accepted"
    (row,) = credit(kernel).store.records("91510900MA62000018")["commitments"]
    assert (row["kind"], row["materials"]) == (
        "notification", "NR-M-DESIGN-QUALIFICATION")


def test_deciding_a_case_twice_keeps_one_commitment(kernel):
    decide(kernel, "C-1", example("land_site_tolerance.json"))
    decide(kernel, "C-1", example("land_site_tolerance.json"))
    assert len(credit(kernel).store.records(CODE)["commitments"]) == 1
