"""The whole 容缺受理 story with the shipped rules and the real credit plugin.

Tolerated, never supplemented, re-notified, terminated: the credit plugin records the
broken commitment, and the same company's next application gets no tolerance.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from casekit import tolerated_application

from kernel.store import start_kernel
from kernel.store.lifecycle import Lifecycle

TZ = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=12) -> datetime:
    return datetime(y, m, d, h, tzinfo=TZ)


def test_broken_commitment_reaches_credit_and_ends_tolerance(db_url):
    kernel = start_kernel(db_url=db_url, disabled=set())
    try:
        lc = Lifecycle(kernel)
        case_id, _ = lc.submit(tolerated_application())
        view = lc.get(case_id, at(2019, 7, 26))
        assert view["state"] == "awaiting_supplement"
        # no supplement_within in the shipped rule: the committed limit (5 working days)
        # less the agency's 5 of review leaves the applicant one working day after 07-25
        assert view["supplement_by"] == date(2019, 7, 26)
        assert lc.sweep(at(2019, 7, 27, 9)) == 1    # re-notified
        assert lc.sweep(at(2019, 9, 30, 9)) == 1    # 15 calendar days of grace are over
        assert lc.get(case_id)["state"] == "terminated"

        later = tolerated_application(submitted_at="2019-10-09T10:00:00+08:00")
        decision, _ = kernel.evaluate(later)
        assert decision.outcome == "correction_required"
        assert "tolerance_refused_credit" in {f["code"] for f in decision.flags}
        before = tolerated_application(submitted_at="2019-08-05T10:00:00+08:00")
        assert kernel.evaluate(before)[0].outcome == "accepted_with_tolerance"
    finally:
        kernel.close()
