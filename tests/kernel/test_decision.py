"""Folding actions into one decision: precedence, invariants, limits, due dates and notices."""

import json
from datetime import date

import pytest

from kernel.cli import main
from kernel.core import InputError
from kernel.models import Application


def test_land_site_example_carries_the_licences_own_limits_not_the_chains(kernel, land_site):
    decision, _ = kernel.evaluate(land_site)
    assert decision.outcome == "accepted"
    # the licence's own legal limit (68号令 / 行政许可法 art. 42); 140 → 27 is the chain's
    assert decision.time_limits.legal.model_dump() == {"unit": "working_days", "amount": 20}
    assert decision.time_limits.committed.amount == 5
    assert decision.time_limits.compression_rate == 0.75  # 1 - 5/20
    assert decision.due.committed == date(2019, 8, 1)
    assert decision.due.legal == date(2019, 8, 22)
    assert "承诺时限5个工作日（法定20个工作日）" in decision.notices[0]
    assert "140" not in decision.notices[0]
    fired = [(t.ruleset, t.rule, t.version) for t in decision.trace]
    assert ("natural_resources.multi_review", "compress-merged-land-site", "2019.2") in fired
    assert {w.material: w.reason for w in decision.waived} == {
        "NR-M-BUSINESS-LICENCE": "data_sharing", "NR-M-LEGAL-REP-ID": "data_sharing"}


def test_rules_not_yet_in_force_do_not_fire(kernel, land_site):
    land_site["submitted_at"] = "2019-07-24T10:00:00+08:00"
    decision, _ = kernel.evaluate(land_site)
    assert decision.time_limits.committed.amount == 20  # the catalogue's own limit
    assert "compress-merged-land-site" not in {t.rule for t in decision.trace}


def test_missing_main_material_means_one_notice_listing_everything(kernel, land_site):
    land_site["materials"] = ["NR-M-PROJECT-BASIS"]
    land_site["agent"] = {"name": "李某某", "id_number": "11010519491231002X"}  # so 授权委托书
    decision, _ = kernel.evaluate(land_site)
    assert decision.outcome == "correction_required"
    assert [m.material for m in decision.required] == [
        "NR-M-APPLICATION", "NR-M-LAND-SITE-REPORT", "NR-M-SITE-PLAN", "NR-M-BOUNDARY-SURVEY",
        "NR-M-POWER-OF-ATTORNEY"]
    assert decision.due.committed is None  # no clock before acceptance
    (notice,) = decision.notices
    assert notice.startswith("补正材料通知书（一次性告知）") and "5. 授权委托书" in notice


def test_constituent_items_are_handled_as_the_merged_item(kernel, land_site):
    land_site["items"] = ["NR-SITE-SELECTION", "NR-LAND-PREREVIEW"]
    decision, _ = kernel.evaluate(land_site)
    assert [i.item for i in decision.items] == ["NR-LAND-SITE"]
    assert decision.time_limits.committed.amount == 5
    assert any(f["code"] == "merged" for f in decision.flags)


def test_unknown_item_and_undeclared_fact_name_the_field(kernel, land_site):
    with pytest.raises(ValueError) as info:
        kernel.evaluate(dict(land_site, items=["NR-LAND-SITE", "NOPE"]))
    assert info.value.field == "items.1"
    with pytest.raises(InputError) as info:
        kernel.evaluate(dict(land_site, facts={"project.colour": "red"}))
    assert info.value.field == "facts.project.colour"
    with pytest.raises(InputError) as info:
        kernel.evaluate(dict(land_site, facts={"project.kind": 3}))
    assert "must be of type string" in str(info.value)


def test_evaluations_do_not_leak_into_each_other(kernel, land_site):
    first = kernel.evaluate(land_site)[0].model_dump()
    kernel.evaluate(dict(land_site, materials=[]))
    assert kernel.evaluate(Application.model_validate(land_site))[0].model_dump() == first


def test_cli_evaluate_prints_the_decision(land_site, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "case.json").write_text(json.dumps(land_site), encoding="utf-8")
    assert main(["evaluate", "case.json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["time_limits"]["legal"]["amount"] == 20 and out["due"]["committed"] == "2019-08-01"


@pytest.mark.parametrize("content,expect", [
    ("{not json", "Expecting property name"),
    ('{"items": ["NR-LAND-SITE"]}', "applicant: Field required"),
    ('{"items": ["X"], "applicant": {"kind": "person", "name": "a", "id_number": '
     '"11010519491231002X"}, "submitted_at": "2019-07-25T10:00:00+08:00"}',
     "items.0: unknown item"),
])
def test_cli_evaluate_refuses_bad_input_in_one_line(content, expect, capsys, tmp_path,
                                                    monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "case.json").write_text(content, encoding="utf-8")
    assert main(["evaluate", "case.json"]) == 2
    err = capsys.readouterr().err
    assert expect in err and err.count("\n") == 1


def test_cli_lint_names_file_and_line(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("ruleset: x\nversion: '1'\ndepartment: t\nreference: r\n"
                   "effective: {from: 2019-01-01}\nrules:\n  - id: a\n    title: a\n"
                   "    then: [{launch: {}}]\n", encoding="utf-8")
    assert main(["lint", str(bad)]) == 1
    assert f"{bad}:9: unknown action 'launch'" in capsys.readouterr().err
    assert main(["lint"]) == 0
