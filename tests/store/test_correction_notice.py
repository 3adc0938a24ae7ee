"""Art. 32: the correction notice within five working days of receipt, or accepted on receipt."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from casekit import application

from kernel.store.lifecycle import Lifecycle, StateError

TZ = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=12) -> datetime:
    return datetime(y, m, d, h, tzinfo=TZ)


def incomplete(**changes) -> dict:
    """Received Thursday 2019-07-25 without the site plan, a main material."""
    data = application(**changes)
    data["materials"] = [m for m in data["materials"] if m != "NR-M-SITE-PLAN"]
    return data


def kinds(lc: Lifecycle, case_id: str) -> list[str]:
    return [e["kind"] for e in lc.get(case_id)["events"]]


def test_a_notice_given_in_time_keeps_the_case_waiting_for_a_complete_application(kernel):
    lc = Lifecycle(kernel)
    case_id, _ = lc.submit(incomplete())
    view = lc.get(case_id)
    assert (view["state"], view["decision"]["correction_notice_by"]) == (
        "correction_required", "2019-08-01")
    lc.correction_notice(case_id, at(2019, 7, 30))
    assert lc.sweep(at(2019, 8, 5)) == 0  # the art. 32 timer was cancelled
    assert lc.get(case_id)["state"] == "correction_required"
    assert kinds(lc, case_id)[-1] == "correction_notified"
    with pytest.raises(StateError):
        lc.correction_notice(case_id, at(2019, 7, 31))


def test_no_notice_within_five_working_days_is_accepted_on_receipt(kernel):
    lc = Lifecycle(kernel)
    case_id, _ = lc.submit(incomplete())
    accepted, _ = lc.submit(application())
    assert lc.sweep(at(2019, 8, 1, 23)) == 0  # the fifth working day is still in time
    assert lc.sweep(at(2019, 8, 2, 9)) == 1
    view = lc.get(case_id, at(2019, 8, 2, 10))
    assert (view["state"], kinds(lc, case_id)[-1]) == ("in_review", "deemed_accepted")
    # Accepted on receipt (07-25): the same dates as a complete application that day. Its
    # five committed working days ended with the notice's five: the case is now overdue.
    assert view["due"] == lc.get(accepted)["due"] == {"committed": date(2019, 8, 1),
                                                     "legal": date(2019, 8, 22)}
    assert view["clock"]["running"] and view["clock"]["remaining_working_days"] == -1
    deemed = view["events"][-1]["payload"]
    assert (deemed["received_on"], deemed["correction_notice_by"]) == ("2019-07-25", "2019-08-01")
    assert "第三十二条" in deemed["basis"]


def test_a_notice_after_the_five_days_is_too_late(kernel):
    """No sweep ran: the action fires the art. 32 timer first, and then refuses."""
    lc = Lifecycle(kernel)
    case_id, _ = lc.submit(incomplete())
    with pytest.raises(StateError, match="deemed accepted"):
        lc.correction_notice(case_id, at(2019, 8, 2, 9))
    assert lc.get(case_id)["state"] == "in_review"
    assert "correction_notified" not in kinds(lc, case_id)
