"""The 授权委托书: asked only when an agent applies, and never replaced by a commitment."""

import pytest
from pydantic import ValidationError

from kernel.models import MaterialSpec


def test_a_material_asked_of_agents_only_is_never_replaceable_by_commitment():
    with pytest.raises(ValidationError, match="never replaceable by a commitment"):
        MaterialSpec(code="POA", name="授权委托书", role="secondary", agent_only=True,
                     commitment_replaceable=True)


def test_an_applicant_in_person_is_not_asked_for_a_power_of_attorney(kernel, land_site):
    in_person = {**land_site, "materials": [m for m in land_site["materials"]
                                            if m != "NR-M-POWER-OF-ATTORNEY"]}
    decision, ctx = kernel.evaluate(in_person)
    assert decision.outcome == "accepted"
    assert "NR-M-POWER-OF-ATTORNEY" not in {m.code for i in ctx.items for m in i.materials}
    by_agent = {**in_person, "agent": {"name": "李某某", "id_number": "11010519491231002X"}}
    decision, _ = kernel.evaluate(by_agent)
    assert (decision.outcome, [m.material for m in decision.tolerated]) == (
        "accepted_with_tolerance", ["NR-M-POWER-OF-ATTORNEY"])  # owed, never waived
    assert "NR-M-POWER-OF-ATTORNEY" not in {w.material for w in decision.waived}
