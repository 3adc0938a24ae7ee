"""限时办结制: yellow and red warnings and overdue cases, raised by the sweeper once each."""

from __future__ import annotations

from datetime import datetime

from kernel.store.lifecycle import Lifecycle
from plugins.supervision import supervision_of
from plugins.supervision.tables import Warning


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_the_sweeper_raises_each_warning_once_and_the_list_shows_them(hall):
    cid = hall.submit()  # due 2019-09-02 (committed)
    waiting = hall.submit("land_site_tolerance.json")  # owes materials: the applicant's time
    life = Lifecycle(hall.kernel)
    life.sweep(_at("2019-08-26T09:00:00+08:00"))  # 5 working days left: yellow
    again = supervision_of(hall.kernel).raise_warnings(_at("2019-08-26T15:00:00+08:00"),
                                                       {"yellow": 5, "red": 2})
    assert again == 0  # already raised: not twice
    life.sweep(_at("2019-08-29T09:00:00+08:00"))  # 2 left: red
    life.sweep(_at("2019-09-03T09:00:00+08:00"))  # overdue
    from sqlmodel import Session, select

    with Session(hall.kernel.db) as s:
        raised = [(w.case_id, w.level, w.remaining) for w in s.exec(
            select(Warning).order_by(Warning.raised_at))]
    assert raised == [(cid, "yellow", 5), (cid, "red", 2), (cid, "overdue", -1)]
    listed = hall.call("GET", "/v1/supervision/warnings?as_of=2019-08-29T10:00:00%2B08:00",
                       role="auditor").json()
    assert listed["counts"] == {"yellow": 0, "red": 1, "overdue": 0}
    (row,) = listed["warnings"]
    assert (row["case_id"], row["level"], row["remaining_working_days"]) == (cid, "red", 2)
    assert row["raised_at"].startswith("2019-08-29T09:00:00")
    assert waiting not in {w["case_id"] for w in supervision_of(hall.kernel).scan(
        _at("2019-09-20T10:00:00+08:00"), {"yellow": 5, "red": 2})}


def test_a_paused_case_has_no_warning(hall):
    cid = hall.submit()
    hall.call("POST", f"/v1/cases/{cid}/clock", json={
        "action": "pause", "reason": "检测", "length": {"working_days": 10},
        "at": "2019-08-20T10:00:00+08:00"})
    assert supervision_of(hall.kernel).scan(_at("2019-09-03T10:00:00+08:00"),
                                            {"yellow": 5, "red": 2}) == []
    res = hall.call("GET", "/v1/supervision/warnings?as_of=2019-09-03", role="auditor")
    assert res.status_code == 422 and res.json()["error"]["field"] == "as_of"
