"""Department plugins at start-up: catalogue shape, clashes, and running without credit."""

import json
from pathlib import Path

import pytest

from kernel import hookimpl
from kernel.cli import main
from kernel.manager import PluginError
from kernel.models import Item
from kernel.store import start_kernel

ROOT = Path(__file__).resolve().parents[2]
CHAIN = ["NR-LAND-PREREVIEW", "NR-SITE-SELECTION", "NR-LAND-SITE", "NR-LAND-PLANNING",
         "NR-LAND-APPROVAL", "NR-LAND-PLANNING-PERMIT", "NR-ENG-PLANNING", "NR-JOINT-SURVEY",
         "NR-JOINT-INSPECTION"]


@pytest.fixture
def kernel(tmp_path):
    k = start_kernel(disabled=set(), db_url=f"sqlite:///{tmp_path / 'k.db'}")
    yield k
    k.close()


def test_the_catalogue_covers_the_chain(kernel):
    assert set(CHAIN) <= kernel.items.items.keys()
    assert kernel.items.items["NR-LAND-SITE"].merges == ("NR-LAND-PREREVIEW", "NR-SITE-SELECTION")
    assert kernel.items.items["NR-LAND-PLANNING-PERMIT"].merges == (
        "NR-LAND-PLANNING", "NR-LAND-APPROVAL")


def test_a_merged_item_asks_for_every_constituent_material(kernel):
    items = kernel.items.items
    for item in items.values():
        mine = {m.code for m in item.materials}
        for code in item.merges:
            assert {m.code for m in items[code].materials} <= mine, (item.code, code)


def test_main_materials_are_never_waivable(kernel):
    # common.acceptance counts missing main materials before waivers
    for item in kernel.items.items.values():
        for m in item.materials:
            if m.role == "main":
                assert not m.shared_source and not m.commitment_replaceable, (item.code, m.code)


def test_two_plugins_with_one_item_code_stop_start_up_naming_both(tmp_path):
    class Rival:
        @hookimpl
        def onetrip_register_items(self, items):
            items.add(Item(code="NR-LAND-SITE", name="冒名事项", department="rival",
                           legal_basis="无", legal_limit={"working_days": 1},
                           committed_limit={"working_days": 1}))

    with pytest.raises(PluginError) as err:
        start_kernel(extra_plugins=[("rival", Rival())], disabled=set(),
                     db_url=f"sqlite:///{tmp_path / 'k.db'}")
    assert "natural_resources" in str(err.value) and "rival" in str(err.value)
    assert "NR-LAND-SITE" in str(err.value)


def test_without_credit_cases_still_evaluate_and_the_trace_says_why(tmp_path, monkeypatch,
                                                                    capsys):
    monkeypatch.setenv("ONETRIP_DISABLE_PLUGINS", "credit")
    monkeypatch.setenv("ONETRIP_DATABASE_URL", f"sqlite:///{tmp_path / 'k.db'}")
    assert main(["evaluate", str(ROOT / "examples" / "land_site_tolerance.json")]) == 0
    decision = json.loads(capsys.readouterr().out)
    assert decision["outcome"] == "correction_required"
    skipped = {t["rule"]: t["why"] for t in decision["trace"] if t["status"] == "skipped"}
    assert skipped == {r: "plugin credit is not loaded" for r in (
        "tolerate-secondary", "no-tolerance-for-bad-credit", "waive-by-commitment",
        "no-commitment-for-bad-credit")}
    assert "compress-merged-land-site" in {t["rule"] for t in decision["trace"]}


def test_credit_cli_loads_and_shows(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'k.db'}"
    assert main(["credit", "load", str(ROOT / "examples" / "credit_records.yaml"),
                 "--db", db]) == 0
    assert "5 subjects" in capsys.readouterr().out
    assert main(["credit", "show", "91510900MA6200002B", "--on", "2019-08-05", "--db", db]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["facts"]["credit.dishonest"] is True
    assert main(["credit", "show", "91350100M000100Y43", "--db", db]) == 0
    assert "no record" in capsys.readouterr().out
    assert main(["credit", "show", "91350100M000100Y44", "--db", db]) == 2
    assert "not a credit code" in capsys.readouterr().err


def test_credit_cli_rejects_a_bad_file_with_its_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("subjects:\n  - credit_code: 915109\n    name: x\n", encoding="utf-8")
    assert main(["credit", "load", str(bad), "--db", f"sqlite:///{tmp_path / 'k.db'}"]) == 2
    assert f"{bad}:2: subjects.0.credit_code" in capsys.readouterr().err


def test_every_department_rule_is_shown_firing_by_a_yaml_case():
    import yaml

    fired = set()
    for path in (ROOT / "tests" / "cases").glob("*.yaml"):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            fired |= set(case["expect"].get("fired", ()))
    rules = set()
    for path in [*(ROOT / "rules" / "natural_resources").glob("*.yaml"),
                 *(ROOT / "rules" / "real_estate").glob("*.yaml"),
                 *(ROOT / "rules" / "construction").glob("*.yaml"),
                 *(ROOT / "rules" / "projects").glob("*.yaml"),
                 *(ROOT / "rules" / "common").glob("*.yaml")]:
        rules |= {r["id"] for r in yaml.safe_load(path.read_text(encoding="utf-8"))["rules"]}
    assert rules - fired == set()


def test_a_blacklisted_code_spelt_in_other_digits_is_still_blacklisted(tmp_path, monkeypatch,
                                                                        capsys):
    """Fullwidth digits are the same code (stored as ASCII, so the credit record is found);
    digits of another script are no code at all: neither gets past the credit rules."""
    db = f"sqlite:///{tmp_path / 'k.db'}"
    assert main(["credit", "load", str(ROOT / "examples" / "credit_records.yaml"),
                 "--db", db]) == 0
    monkeypatch.setenv("ONETRIP_DATABASE_URL", db)
    case = json.loads((ROOT / "examples" / "land_site_dishonest.json").read_text("utf-8"))
    code = case["applicant"]["credit_code"]
    outcomes = {}
    for name, digits in (("ascii", "0123456789"), ("fullwidth", "０１２３４５６７８９"),
                         ("arabic-indic", "٠١٢٣٤٥٦٧٨٩")):
        case["applicant"]["credit_code"] = code.translate(str.maketrans("0123456789", digits))
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(case, ensure_ascii=False), "utf-8")
        capsys.readouterr()
        status = main(["evaluate", str(path)])
        out = capsys.readouterr()
        outcomes[name] = json.loads(out.out)["outcome"] if status == 0 else (status, out.err)
    assert outcomes["ascii"] == outcomes["fullwidth"] == "correction_required"
    assert outcomes["arabic-indic"][0] != 0 and "credit_code" in outcomes["arabic-indic"][1]
