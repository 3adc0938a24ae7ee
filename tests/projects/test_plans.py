"""Project plans: chain totals from the items' own limits and the rules, dates, critical path."""

from datetime import date

import pytest
from conftest import example

from kernel.core import InputError
from plugins.projects import chain
from plugins.projects.chain import Step


def part(plan, department):
    (found,) = [d for d in plan.departments if d.department == department]
    return found.legal.amount, found.committed.amount


def stage(plan, name):
    (found,) = [s for s in plan.stages if s.stage == name]
    return found


@pytest.mark.parametrize("name", ["industrial", "government_invested"])
def test_natural_resources_chain_is_legal_140_committed_27_computed(plan, name):
    # allocated land, a project approved or ratified: seven licences at 20 each; after
    # 多审合一 four steps of 5 + 7 + 5 + 10 (see the catalogue's header)
    assert part(plan(name), "natural_resources") == (140, 27)


def test_transferred_land_has_no_site_selection_in_its_legal_chain(plan):
    assert part(plan("social_investment"), "natural_resources") == (120, 27)


def test_industrial_chain_is_committed_within_90_working_days(plan):
    p = plan("industrial")
    assert p.committed.model_dump() == {"unit": "working_days", "amount": 45}
    assert p.committed.amount <= 90 < p.legal.amount


def test_government_invested_chain_is_committed_within_120_working_days(plan):
    p = plan("government_invested")
    assert p.committed.amount <= 120 < p.legal.amount


@pytest.mark.parametrize("name", ["industrial", "social_investment", "government_invested"])
def test_savings_per_rule_add_up_to_legal_minus_committed(plan, name):
    p = plan(name)
    assert sum(s.days for s in p.savings) == p.legal.amount - p.committed.amount
    assert sum(s.legal.amount for s in p.stages) == p.legal.amount
    assert sum(s.committed.amount for s in p.stages) == p.committed.amount


def test_a_stage_of_parallel_items_takes_its_slowest_item(plan):
    done = stage(plan("industrial"), "completion")
    days = {s.item: s.committed.amount for s in done.steps}
    assert days == {"NR-JOINT-INSPECTION": 10, "CN-JOINT-INSPECTION": 7, "CN-COMPLETION-FILING": 3}
    # the two inspections run side by side; the filing needs both
    assert done.committed.amount == max(10, 7) + 3
    assert done.critical_path == ["NR-JOINT-INSPECTION", "CN-COMPLETION-FILING"]
    assert done.legal.amount == 20 + 20 + 15 + 20 + 5  # the law's route: one after another


def test_parallel_and_serial_steps_in_the_arithmetic():
    steps = [Step("A", "x", 5, parallel=True), Step("B", "y", 9, parallel=True),
             Step("C", "x", 2, parallel=True, needs=frozenset({"A"}))]
    assert chain.length(steps) == 9
    assert chain.length([Step(s.code, s.department, s.days) for s in steps]) == 16
    assert chain.length(steps, lambda s: s.days * (s.department == "x")) == 7


def test_pausing_one_item_for_expert_review_moves_its_stage_end_and_critical_path(plan):
    data = example("industrial")
    before = plan(data)
    completion = data["stages"][3]["items"]
    fire = next(i for i in completion if i["code"] == "CN-FIRE-ACCEPTANCE")
    fire["pauses"] = [{"category": "expert_review", "length": {"working_days": 15},
                       "reason": "消防验收专家评审"}]
    after = plan(data)
    old, new = stage(before, "completion"), stage(after, "completion")
    assert old.critical_path == ["NR-JOINT-INSPECTION", "CN-COMPLETION-FILING"]
    assert new.critical_path == ["CN-JOINT-INSPECTION", "CN-COMPLETION-FILING"]
    # 7 + 15 working days from 06-01 end 07-02 (the Dragon Boat Festival, 06-14, is not
    # counted); the filing's 3 follow: 07-07, where the stage ended 06-21
    assert (old.end, new.end) == (date(2021, 6, 21), date(2021, 7, 7))
    assert after.end == date(2021, 7, 7)
    # time that is not the agencies' moves dates, never the totals
    assert (after.legal, after.committed) == (before.legal, before.committed)
    step = next(s for s in new.steps if s.item == "CN-JOINT-INSPECTION")
    assert [(p.category, p.working_days) for p in step.pauses] == [("expert_review", 15)]


def test_a_late_item_moves_the_dates_downstream(plan):
    data = example("industrial")
    first = data["stages"][0]["items"]
    for entry in first[:2]:  # the land-site opinion came eleven days late
        entry["completed_on"] = "2020-03-20"
    before, after = plan("industrial"), plan(data)
    site = stage(after, "land_use_planning").steps[0]
    assert (site.item, site.due.committed, site.late) == ("NR-LAND-SITE", date(2020, 3, 9), True)
    ratification = stage(after, "land_use_planning").steps[1]
    assert ratification.start == date(2020, 3, 20)
    assert stage(after, "works_licensing").start > stage(before, "works_licensing").start


def test_reforms_not_yet_in_force_save_nothing(plan):
    # before 多审合一 (2019-07-25) and parallel approval (2019-08-01): every licence on its
    # own, one after the other; only the implementation lists' committed limits are shorter
    data = example("industrial")
    p = plan({**data, "start": "2019-01-02", "stages": data["stages"][:3]})
    assert p.end < date(2019, 7, 25)
    assert [s.rule for s in p.savings] == [None]
    assert part(p, "natural_resources") == (100, 50)  # 5 licences at 20; at 10 each
    assert not any(step.merges or step.parallel for s in p.stages for step in s.steps)


def test_industrial_pre_review_is_in_force_from_2020(plan):
    rules = {s.rule for s in plan("industrial", start="2019-09-02").savings}
    assert "construction.industrial_pre_review/industrial-permit-before-drawing-review" not in rules
    rules = {s.rule for s in plan("industrial").savings}
    assert "construction.industrial_pre_review/industrial-permit-before-drawing-review" in rules


def test_an_item_the_law_does_not_ask_is_left_out_with_its_reason(plan):
    data = example("social_investment")
    data["stages"][0]["items"].insert(1, {"code": "NR-SITE-SELECTION"})
    p = plan(data)
    (left,) = p.not_required
    assert left.item == "NR-SITE-SELECTION" and "城乡规划法第三十六条" in left.reasons[0]
    assert part(p, "natural_resources") == (120, 27)


@pytest.mark.parametrize(("change", "field"), [
    (lambda d: d["stages"][0]["items"][0].update(code="NOPE"), "stages.0.items.0.code"),
    (lambda d: d["stages"][0]["items"][0].update(code="NR-LAND-SITE"), "stages.0.items.0.code"),
    (lambda d: d["stages"][0]["items"][0].update(needs=["NR-LAND-PREREVIEW"]),
     "stages.0.items.0.needs.0"),
    (lambda d: d["stages"][1]["items"][0].update(needs=["CN-DRAWING-REVIEW"]),
     "stages.1.items.0.needs.0"),
    (lambda d: d["stages"][0]["items"][2].update(completed_on="2020-03-03"),
     "stages.0.items.2.completed_on"),
    (lambda d: d["stages"][3].update(start="2020-04-01"), "stages.3.start"),
    (lambda d: d.update(region="XX"), "region"),
])
def test_a_project_that_cannot_be_planned_names_the_field(plan, change, field):
    data = example("industrial")
    change(data)
    with pytest.raises(InputError) as info:
        plan(data)
    assert info.value.field == field
