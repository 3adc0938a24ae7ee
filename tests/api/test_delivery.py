"""Plugins off the request path: a submission is answered at commit, plugins hear of it after."""

from __future__ import annotations

import asyncio
import threading

from aiohttp.test_utils import TestClient, TestServer
from casekit import TEST_RULES, application, tolerated_application
from sqlalchemy import func, select
from sqlmodel import Session

from kernel import hookimpl
from kernel.http.app import create_app
from kernel.store import start_kernel
from kernel.store.tables import Case

WAIT = 30  # seconds: a guard against hanging, never a measurement


class Gate:
    """A batch plugin that holds the delivery worker until the test opens it."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.batches: list[list[str]] = []
        self.heard: list[tuple[str, str]] = []  # (case id, "decision" or the event)

    @hookimpl
    def onetrip_decisions_made(self, decisions):
        if not self.open.wait(WAIT):
            raise RuntimeError("the gate was never opened")
        self.batches.append([case.case_id for case, _ in decisions])
        self.heard += [(case.case_id, "decision") for case, _ in decisions]

    @hookimpl
    def onetrip_case_event(self, case_id, event, payload):
        self.heard.append((case_id, event))


def _kernel(db_url: str, gate: Gate):
    k = start_kernel(db_url=db_url, rule_dirs=TEST_RULES, extra_plugins=[("gate", gate)])
    k.db  # noqa: B018  (migrate now)
    return k


def _undelivered(kernel) -> int:
    with Session(kernel.db) as s:
        return s.scalar(select(func.count()).select_from(Case)
                        .where(Case.decision_delivered_at.is_(None)))


def test_submissions_are_answered_while_a_plugin_is_busy_and_then_delivered_in_batches(db_url):
    gate = Gate()
    kernel = _kernel(db_url, gate)
    try:
        async def main():
            async with TestClient(TestServer(create_app(kernel, sweep=False))) as c:
                posts = [c.post("/v1/cases", json=application()) for _ in range(6)]
                # inline delivery would hold every answer behind the closed gate
                resps = await asyncio.wait_for(asyncio.gather(*posts), WAIT)
                ids = [(await r.json())["id"] for r in resps]
                assert [r.status for r in resps] == [201] * 6
                held = await asyncio.to_thread(_undelivered, kernel)
                gate.open.set()
                return ids, held  # leaving the client drains the delivery worker

        ids, held = asyncio.run(main())
        assert held >= 5  # stored and answered, not yet taken (one may be in the gate)
        assert sorted(c for batch in gate.batches for c in batch) == sorted(ids)
        assert max(map(len, gate.batches)) > 1  # what gathered meanwhile went together
        assert _undelivered(kernel) == 0
    finally:
        gate.open.set()
        kernel.close()


def test_a_later_event_of_a_case_still_held_waits_behind_its_decision(db_url):
    gate = Gate()
    kernel = _kernel(db_url, gate)
    try:
        async def main():
            async with TestClient(TestServer(create_app(kernel, sweep=False))) as c:
                resp = await asyncio.wait_for(
                    c.post("/v1/cases", json=tolerated_application()), WAIT)
                case_id = (await resp.json())["id"]
                resp = await asyncio.wait_for(c.post(
                    f"/v1/cases/{case_id}/supplements",
                    json={"materials": ["NR-M-BOUNDARY-SURVEY"],
                          "at": "2019-07-30T10:00:00+08:00"}), WAIT)
                assert resp.status == 200, await resp.text()
                gate.open.set()
                return case_id

        case_id = asyncio.run(main())
        heard = [what for c, what in gate.heard if c == case_id]
        assert heard == ["decision", "submitted", "decided", "notified", "supplemented"]
    finally:
        gate.open.set()
        kernel.close()
