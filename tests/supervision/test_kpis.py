"""The yearbook's KPIs: item shares from the implementation lists, case figures by name."""

from __future__ import annotations

import json

from kernel import hookimpl
from kernel.cli import main
from kernel.models import Item
from plugins.supervision.kpis import DEFINITIONS

IMPL = {"body": "示范局", "level": "county", "handling": "即办件", "fee": "不收费"}


class Hall:
    """Three items whose implementation lists differ in every share."""

    @hookimpl
    def onetrip_register_items(self, items):
        for n, (one_window, visits, online) in enumerate(
                [(True, 0, "full"), (True, 2, "apply"), (False, 1, "none")], 1):
            items.add(Item(code=f"HALL-{n}", name=f"事项{n}", department="hall",
                           legal_basis="《行政许可法》第四十二条",
                           legal_limit={"working_days": 20}, committed_limit={"working_days": 5},
                           implementation={**IMPL, "code": f"H-{n}", "one_window": one_window,
                                           "visits": visits, "online": online}))


def test_item_shares_are_read_off_the_implementation_lists(tmp_path):
    from kernel.store import start_kernel
    from plugins.supervision.dashboard import all_kpis
    from plugins.supervision.service import Supervision

    kernel = start_kernel(db_url=f"sqlite:///{tmp_path / 'k.db'}", disabled=set(),
                          extra_plugins=[("hall", Hall())])
    try:
        out = all_kpis(Supervision(kernel), None, None, "hall")
    finally:
        kernel.close()
    f = out["figures"]
    assert (f["one_window_items_share"]["numerator"], f["one_window_items_share"]["denominator"]
            ) == (2, 3)
    assert f["one_trip_items_share"]["value"] == round(2 / 3, 4)  # visits 0 and 1
    assert f["one_network_items_share"]["value"] == round(1 / 3, 4)  # online: full
    assert f["online_items_share"]["value"] == round(2 / 3, 4)  # full or apply
    assert f["time_compression"]["value"] == 0.75  # 1 - 5/20 for each
    assert out["cases"] == 0 and f["cases_one_window_share"]["value"] is None


def test_every_figure_comes_with_its_definition_and_the_api_equals_the_cli(hall, tmp_path,
                                                                          capsys):
    cid = hall.submit(channel="online")
    hall.complete(cid, "2019-08-30T16:00:00+08:00")
    hall.submit(window={"code": "ZH-01", "level": "county", "kind": "comprehensive"})
    hall.submit("land_site_main_missing.json")  # correction: the applicant comes back
    res = hall.call("GET", "/v1/kpis?from=2019-07-01&to=2019-12-31", role="clerk")
    assert res.status_code == 200, res.text
    api = res.json()
    figures = api["figures"]
    assert set(figures) == set(DEFINITIONS) and all(
        f["definition"] == DEFINITIONS[k] for k, f in figures.items())
    assert "shares of items" not in figures["one_window_items_share"]["definition"]
    assert figures["one_window_items_share"]["value"] == 1.0  # every shipped item: one_window
    assert figures["one_network_items_share"]["value"] == 0.0  # applied online, result at hall
    assert api["cases"] == 3
    assert figures["cases_online_share"]["numerator"] == 1
    assert figures["cases_one_window_share"]["numerator"] == 2  # online + comprehensive
    assert figures["cases_one_trip_share"]["numerator"] == 2  # the correction costs a trip
    merged = next(i for i in api["items"] if i["code"] == "NR-LAND-SITE")
    assert (merged["legal"], merged["committed"]) == (
        {"unit": "working_days", "amount": 140}, {"unit": "working_days", "amount": 27})
    assert merged["waived_materials"] == ["NR-M-BUSINESS-LICENCE", "NR-M-LEGAL-REP-ID"]

    db = hall.kernel.settings["db_url"]
    assert main(["kpis", "--from", "2019-07-01", "--to", "2019-12-31", "--json",
                 "--db", db]) == 0
    assert json.loads(capsys.readouterr().out) == api


def test_bad_periods_are_422_naming_the_field(hall):
    for query, field in (("from=2019-09-02&to=2019-09-01", "to"), ("from=tomorrow", "from"),
                         ("to=1800-01-01", "to"), ("department=", "department"),
                         ("from=2019-01-01&from=2019-02-01", "from")):
        res = hall.call("GET", f"/v1/kpis?{query}")
        assert res.status_code == 422 and res.json()["error"]["field"] == field, (query, res.text)
