"""Real-estate registration and the one-window hall: hour limits, 三窗合一, windows, hours."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kernel.catalogue import ItemRegistry
from kernel.cli import main
from kernel.core import InputError
from kernel.models import Item
from kernel.testkit import Expect, compare
from kernel.windows import load_service_calendar
from kernel.yamlsrc import SourceError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "real_estate"
TZ = ZoneInfo("Asia/Shanghai")


def example(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def at(app: dict, when: str, **window) -> dict:
    return {**app, "submitted_at": when, **({"window": {**app["window"], **window}}
                                             if window else {})}


def test_one_office_hour_from_1645_is_due_at_0915_the_next_working_morning(capsys):
    assert main(["evaluate", str(EXAMPLES / "mortgage_1645.json")]) == 0
    decision = json.loads(capsys.readouterr().out)
    assert decision["time_limits"]["committed"] == {"unit": "office_hours", "amount": 1}
    assert decision["time_limits"]["legal"] == {"unit": "working_days", "amount": 30}
    assert decision["due"]["committed"] == "2019-08-06T09:15:00+08:00"
    assert decision["due"]["legal"] == "2019-09-17"
    assert "承诺于2019-08-06 09:15前办结" in decision["notices"][0]


def test_three_windows_run_in_parallel_and_the_case_is_due_with_its_latest_part(
        onetrip_kernel):
    decision, _ = onetrip_kernel.evaluate(example("resale_three_windows.json"))
    parts = {i.item: i for i in decision.items}
    assert [(i.item, i.department, i.part_of) for i in decision.items] == [
        ("HS-RESALE-FILING", "housing", "RE-RESALE-ONE-WINDOW"),
        ("TAX-DEED", "tax", "RE-RESALE-ONE-WINDOW"),
        ("RE-TRANSFER", "real_estate", "RE-RESALE-ONE-WINDOW")]
    assert {c: p.due.committed for c, p in parts.items()} == {
        "HS-RESALE-FILING": date(2019, 8, 6), "TAX-DEED": date(2019, 8, 5),
        "RE-TRANSFER": date(2019, 8, 8)}
    # parallel: the latest part (3 working days), not 1 + 0 + 3 = 4 working days (08-09)
    assert decision.due.committed == date(2019, 8, 8)
    assert [a.body for a in decision.routing.approved_by] == [
        "遂宁市住房和城乡建设局", "国家税务总局遂宁市税务局", "遂宁市不动产登记中心"]
    # one set of materials for the three departments: shared ones asked once
    assert decision.outcome == "accepted" and decision.required == []


def test_a_part_applied_for_alone_is_no_part(onetrip_kernel):
    app = example("resale_three_windows.json")
    decision, _ = onetrip_kernel.evaluate({**app, "items": ["RE-TRANSFER"]})
    assert [(i.item, i.part_of) for i in decision.items] == [("RE-TRANSFER", None)]


def test_a_village_point_case_records_its_route_to_the_county(onetrip_kernel):
    decision, _ = onetrip_kernel.evaluate(example("village_homestead.json"))
    route = decision.routing
    assert decision.outcome == "accepted"
    assert (route.accepted_at.code, route.accepted_at.level) == ("510981-TPV-012", "village")
    assert [(a.body, a.level) for a in route.approved_by] == [("射洪市不动产登记中心", "county")]
    assert route.routed_up and route.collect_at == "510981-TPV-012"


def test_a_saturday_case_is_served_that_day_and_counted_from_monday(onetrip_kernel):
    decision, _ = onetrip_kernel.evaluate(example("saturday_mortgage.json"))
    assert (decision.served_on, decision.received_on) == (date(2019, 8, 10), date(2019, 8, 12))
    assert decision.due.committed == datetime(2019, 8, 12, 10, 0, tzinfo=TZ)


@pytest.mark.parametrize("when, why", [
    ("2019-08-11T10:00:00+08:00", "a Sunday: no service"),
    ("2019-08-10T14:00:00+08:00", "a Saturday afternoon: the service is the morning"),
    ("2019-10-05T10:00:00+08:00", "a Saturday of the National Day holiday"),
    ("2019-08-05T12:30:00+08:00", "a working day's lunch break"),
    ("2019-03-02T08:59:00+08:00", "the first Saturday of the service, before it opens"),
])
def test_a_window_of_a_closed_hall_is_refused_naming_submitted_at(onetrip_kernel, when, why):
    with pytest.raises(InputError) as info:
        onetrip_kernel.evaluate(at(example("saturday_mortgage.json"), when))
    assert info.value.field == "submitted_at", why
    assert "510900-ZW-05" in str(info.value) and "saturday 09:00–12:00" in str(info.value)


def test_windows_the_service_calendar_does_not_list_are_not_checked(onetrip_kernel):
    sunday = "2019-08-11T10:00:00+08:00"
    bank, _ = onetrip_kernel.evaluate(at(example("mortgage_at_bank.json"), sunday))
    online, _ = onetrip_kernel.evaluate(at(example("saturday_mortgage.json"), sunday,
                                           kind="online"))
    for decision in (bank, online):
        assert decision.outcome == "accepted"
        assert (decision.served_on, decision.received_on) == (date(2019, 8, 11),
                                                              date(2019, 8, 12))
    assert online.routing.collect_at == "online"


def test_the_cli_names_the_field_of_a_closed_window(tmp_path, capsys):
    path = tmp_path / "sunday.json"
    path.write_text(json.dumps(at(example("saturday_mortgage.json"),
                                  "2019-08-11T10:00:00+08:00")), encoding="utf-8")
    assert main(["evaluate", str(path)]) == 2
    assert "submitted_at: window 510900-ZW-05 does not accept cases" in capsys.readouterr().err


def test_a_bad_service_calendar_names_its_line_and_stops_the_start(tmp_path,
                                                                   onetrip_kernel_factory):
    bad = tmp_path / "service.yaml"
    bad.write_text("source: 测试\nhalls:\n  - name: 某中心\n    windows: [X-*]\n"
                   "    working_days: [[09:00, 17:00]]\n", encoding="utf-8")
    with pytest.raises(SourceError) as info:
        load_service_calendar(bad)
    assert f"{bad}:5:" in str(info.value) and 'quoted "HH:MM"' in str(info.value)
    with pytest.raises(SourceError):
        onetrip_kernel_factory(service_calendar=str(bad))


def test_a_hall_of_ones_own_is_checked_on_its_own_hours(tmp_path, onetrip_kernel_factory):
    own = tmp_path / "service.yaml"
    own.write_text('source: 测试\nhalls:\n  - name: 某中心\n    windows: ["510900-ZW-*"]\n'
                   '    working_days: [["08:30", "18:00"]]\n', encoding="utf-8")
    kernel = onetrip_kernel_factory(entry_points=True, service_calendar=str(own))
    evening = at(example("saturday_mortgage.json"), "2019-08-05T17:45:00+08:00")
    decision, _ = kernel.evaluate(evening)  # closed in the shipped calendar, open here
    assert decision.outcome == "accepted"
    with pytest.raises(InputError):  # and no Saturday service here
        kernel.evaluate(example("saturday_mortgage.json"))


ITEM = dict(department="d", legal_basis="测试", legal_limit={"working_days": 20},
            committed_limit={"working_days": 5})


@pytest.mark.parametrize("items, message", [
    ([Item(code="C", name="合", parallel=("P", "Q"), **ITEM), Item(code="P", name="甲", **ITEM)],
     "item C has an unknown part Q"),
    ([Item(code="C", name="合", parallel=("P",), **ITEM),
      Item(code="P", name="甲", parallel=("Q",), **ITEM), Item(code="Q", name="乙", **ITEM)],
     "item C: its part P has parts of its own"),
    ([Item(code="C", name="合", parallel=("P",), merges=("P", "Q"), **ITEM),
      Item(code="P", name="甲", **ITEM), Item(code="Q", name="乙", **ITEM)],
     "item C both merges items and fans out to parts"),
])
def test_a_combined_item_names_parts_that_exist_and_have_none(items, message):
    registry = ItemRegistry()
    for item in items:
        registry.add(item)
    with pytest.raises(ValueError, match=message):
        registry.check()


def test_yaml_cases_check_due_moments_parts_and_routing(onetrip_kernel):
    decision, _ = onetrip_kernel.evaluate(example("mortgage_1645.json"))
    right = Expect.model_validate({
        "due": {"committed": "2019-08-06T09:15:00+08:00", "legal": "2019-09-17"},
        "item_due": {"RE-MORT-FIRST": {"committed": "2019-08-06"}},
        "routing": {"accepted_at": "510900-ZW-05", "routed_up": False}})
    assert compare(right, decision) == []
    wrong = Expect.model_validate({
        "due": {"committed": "2019-08-06T09:45:00+08:00"},
        "item_due": {"RE-MORT-FIRST": {"committed": "2019-08-07"},
                     "RE-OTHER": {"committed": "2019-08-07"}},
        "routing": {"collect_at": "department"}})
    assert compare(wrong, decision) == [
        '  due.committed: expected "2019-08-06T09:45:00+08:00", got "2019-08-06T09:15:00+08:00"',
        '  item_due.RE-MORT-FIRST.committed: expected "2019-08-07", got "2019-08-06"',
        "  item_due: expected RE-OTHER, got ['RE-MORT-FIRST']",
        '  routing: expected {"collect_at": "department"}, got {"collect_at": "510900-ZW-05"}',
    ]
