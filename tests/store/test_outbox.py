"""At-least-once plugin delivery: a crash or a failing plugin after commit loses nothing, and
a case no plugin can take holds up no other."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from casekit import TEST_RULES, Listener, application, tolerated_application
from sqlalchemy import func, select
from sqlmodel import Session

from kernel import hookimpl
from kernel.core import Kernel
from kernel.store import start_kernel
from kernel.store.lifecycle import Lifecycle
from kernel.store.tables import Case, CaseEvent, now

ROOT = Path(__file__).resolve().parents[2]
NOW = timedelta(0)  # redeliver whatever is undelivered, however young
SUPPLEMENT_AT = datetime(2019, 7, 30, 10, tzinfo=ZoneInfo("Asia/Shanghai"))

# Run in a child process: one case is stored and delivered, the next is committed and the
# process is SIGKILLed inside the first plugin call, before anything of it is marked.
CRASHING = textwrap.dedent("""
    import os, signal, sys
    from casekit import TEST_RULES, tolerated_application
    from kernel import hookimpl
    from kernel.core import Kernel
    from kernel.store import start_kernel
    from kernel.store.lifecycle import Lifecycle

    class Crash:
        armed = False

        @hookimpl
        def onetrip_decision_made(self, case, decision):
            if self.armed:
                print(case.case_id, flush=True)
                os.kill(os.getpid(), signal.SIGKILL)

        @hookimpl
        def onetrip_case_event(self, case_id, event, payload):
            pass

    crash = Crash()
    kernel = start_kernel(db_url=sys.argv[1], rule_dirs=TEST_RULES,
                          extra_plugins=[("listener", crash)])
    lc = Lifecycle(kernel)
    print(lc.submit(tolerated_application())[0], flush=True)
    crash.armed = True
    lc.submit(tolerated_application())
""")


def undelivered(kernel: Kernel) -> tuple[int, int]:
    with Session(kernel.db) as s:
        return (s.scalar(select(func.count()).select_from(Case)
                         .where(Case.decision_delivered_at.is_(None))),
                s.scalar(select(func.count()).select_from(CaseEvent)
                         .where(CaseEvent.delivered_at.is_(None))))


def test_sigkill_between_commit_and_delivery_then_the_sweep_delivers_the_rest(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'onetrip.db'}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}
    child = subprocess.run([sys.executable, "-c", CRASHING, db_url], env=env,
                           capture_output=True, text=True, timeout=60)
    assert child.returncode == -9, child.stderr  # killed, not finished
    delivered, crashed = child.stdout.split()
    listener = Listener()
    kernel = start_kernel(db_url=db_url, rule_dirs=TEST_RULES,
                          extra_plugins=[("listener", listener)])
    try:
        assert undelivered(kernel) == (1, 3)  # the crashed case: its decision and 3 events
        lc = Lifecycle(kernel, redeliver_after=NOW)
        lc.sweep(SUPPLEMENT_AT)  # 2019-07-30: no timer is due yet
        assert listener.decisions == [crashed]
        assert listener.events == [(crashed, "submitted"), (crashed, "decided"),
                                   (crashed, "notified")]
        assert undelivered(kernel) == (0, 0)
        lc.sweep(SUPPLEMENT_AT)
        assert len(listener.decisions) == 1 and len(listener.events) == 3  # once is enough
        assert lc.get(delivered)["state"] == lc.get(crashed)["state"] == "awaiting_supplement"
    finally:
        kernel.close()


def test_a_failing_plugin_is_retried_by_the_sweep_and_the_others_are_not(db_url):
    flaky, steady = Listener(failures=1), Listener()
    kernel = start_kernel(db_url=db_url, rule_dirs=TEST_RULES,
                          extra_plugins=[("flaky", flaky), ("steady", steady)])
    try:
        lc = Lifecycle(kernel, redeliver_after=NOW)
        case_id, _ = lc.submit(application())
        flags = lc.get(case_id)["decision"]["flags"]
        assert [f["code"] for f in flags] == ["plugin_error"]
        assert "flaky" in flags[0]["message"]
        # flaky failed its first decision and its first event (submitted); steady took all
        assert (flaky.decisions, steady.decisions) == ([], [case_id])
        kinds = [e for _, e in steady.events]
        assert kinds[:2] == ["submitted", "decided"]
        assert [e for _, e in flaky.events] == kinds[1:]
        assert undelivered(kernel) == (1, 1)
        lc.sweep(SUPPLEMENT_AT)
        assert flaky.decisions == [case_id]
        assert [e for _, e in flaky.events] == [*kinds[1:], "submitted"]
        assert steady.decisions == [case_id]  # not told twice
        assert [e for _, e in steady.events] == kinds
        assert undelivered(kernel) == (0, 0)
    finally:
        kernel.close()


def test_lifecycle_event_redelivered_after_a_failure(db_url):
    listener = Listener()
    kernel = start_kernel(db_url=db_url, rule_dirs=TEST_RULES,
                          extra_plugins=[("listener", listener)])
    try:
        lc = Lifecycle(kernel, redeliver_after=NOW)
        case_id, _ = lc.submit(tolerated_application())
        listener.failures["event"] = 1
        lc.supplement(case_id, ["NR-M-BOUNDARY-SURVEY"], SUPPLEMENT_AT)
        assert ("supplemented" not in [e for _, e in listener.events]
                and undelivered(kernel) == (0, 1))
        young = Lifecycle(kernel)  # the default: leave rows to their live delivery a while
        young.sweep(SUPPLEMENT_AT)
        assert undelivered(kernel) == (0, 1)
        lc.sweep(SUPPLEMENT_AT)
        assert [e for _, e in listener.events].count("supplemented") == 1
        assert undelivered(kernel) == (0, 0)
    finally:
        kernel.close()


class Picky(Listener):
    """A department system that cannot take some cases (say, dated before its own calendar
    begins): every delivery of them fails, whatever the number of tries."""

    def __init__(self, refuse: str):
        super().__init__()
        self.refuse, self.poison = refuse, set()

    @hookimpl
    def onetrip_decision_made(self, case, decision):
        if case.application.applicant.name == self.refuse:
            self.poison.add(case.case_id)
            raise ValueError("dates before 2001 cannot be filed")
        self.decisions.append(case.case_id)

    @hookimpl
    def onetrip_case_event(self, case_id, event, payload):
        if case_id in self.poison:
            raise ValueError("dates before 2001 cannot be filed")
        self.events.append((case_id, event))


def _poisoned(name: str) -> dict:
    data = application()
    data["applicant"] = {**data["applicant"], "name": name}
    return data


def test_a_case_no_plugin_can_take_never_holds_up_the_others(db_url, caplog):
    picky, flaky = Picky("旧案"), Listener(failures=10)  # flaky: down for the live deliveries
    kernel = start_kernel(db_url=db_url, rule_dirs=TEST_RULES,
                          extra_plugins=[("picky", picky), ("flaky", flaky)])
    try:
        lc = Lifecycle(kernel, redeliver_after=NOW)
        bad = [lc.submit(_poisoned("旧案"))[0] for _ in range(3)]
        good = [lc.submit(application())[0] for _ in range(3)]
        flaky.failures = {"decision": 0, "event": 0}  # back up
        for _ in range(12):  # a small batch each time: the bad rows come first
            lc.outbox.redeliver(limit=2)
        assert sorted(flaky.decisions) == sorted(bad + good)
        assert picky.decisions == good
        assert {c for c, _ in picky.events} == set(good)
        view = lc.get(bad[0])
        assert [u["what"] for u in view["undelivered"]] == ["decision", "event", "event", "event"]
        first = view["undelivered"][0]
        assert first["attempts"] == 2 and "dates before 2001" in first["last_error"]
        assert timedelta(seconds=50) < first["retry_at"] - now() <= timedelta(minutes=1)
        assert lc.get(good[0])["undelivered"] == []
        assert any("not taken (attempt 2)" in r.getMessage() for r in caplog.records)
        # Its next try comes when due, and once the plugin takes it, nothing is left.
        assert lc.outbox.redeliver() == 0
        picky.refuse, picky.poison = "", set()
        assert lc.outbox.redeliver(at=now() + timedelta(minutes=2)) == 12
        assert undelivered(kernel) == (0, 0)
        assert lc.get(bad[0])["undelivered"] == []
    finally:
        kernel.close()
