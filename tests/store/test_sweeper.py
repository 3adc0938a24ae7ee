"""Two sweepers at once fire every due timer exactly once."""

from __future__ import annotations

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

from casekit import TEST_RULES, tolerated_application
from sqlalchemy import func, select
from sqlmodel import Session

from kernel.core import Kernel
from kernel.store import start_kernel
from kernel.store.lifecycle import Lifecycle
from kernel.store.tables import CaseEvent, Timer

AS_OF = datetime(2019, 8, 5, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
CASES = 30


def test_two_concurrent_sweepers_fire_each_timer_once(kernel, db_url):
    lc = Lifecycle(kernel)
    ids = {lc.submit(tolerated_application())[0] for _ in range(CASES)}
    sweepers = [start_kernel(db_url=db_url, rule_dirs=TEST_RULES) for _ in range(2)]
    counts: list[int] = []
    barrier = threading.Barrier(2)

    def run(k: Kernel) -> None:
        barrier.wait()
        counts.append(Lifecycle(k).sweep(AS_OF))

    threads = [threading.Thread(target=run, args=(k,)) for k in sweepers]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for k in sweepers:
            k.close()
    assert sum(counts) == CASES
    with Session(kernel.db) as s:
        per_case = dict(s.execute(select(CaseEvent.case_id, func.count())
                                  .where(CaseEvent.kind == "re_notified")
                                  .group_by(CaseEvent.case_id)).all())
        fired_by = set(s.scalars(select(Timer.fired_by).where(Timer.fired_at.is_not(None))))
    assert per_case == dict.fromkeys(ids, 1)
    assert fired_by  # who fired is recorded
