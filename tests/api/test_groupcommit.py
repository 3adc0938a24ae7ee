"""Concurrent submissions through the group-committing writer: each answered once, as stored."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient, TestServer
from casekit import application, tolerated_application
from sqlalchemy import func, select
from sqlmodel import Session

from kernel.http.app import create_app
from kernel.store.tables import Case, CaseEvent


def test_concurrent_submissions_with_a_shared_key(kernel, recorder):
    async def main():
        app = create_app(kernel, sweep=False)
        async with TestClient(TestServer(app)) as c:
            plain = [c.post("/v1/cases", json=tolerated_application()) for _ in range(20)]
            keyed = [c.post("/v1/cases", json=application(), headers={"Idempotency-Key": "k"})
                     for _ in range(5)]
            other = c.post("/v1/cases", json=tolerated_application(),
                           headers={"Idempotency-Key": "k"})
            resps = await asyncio.gather(*plain, *keyed)
            answers = [(r.status, await r.json()) for r in resps]
            late = await other  # after the key is taken, with another body
            return answers, late.status, await late.json()

    answers, late_status, late = asyncio.run(main())
    plain, keyed = answers[:20], answers[20:]
    assert {s for s, _ in plain} == {201} and len({a["id"] for _, a in plain}) == 20
    assert sorted(s for s, _ in keyed) == [200, 200, 200, 200, 201]
    assert len({a["id"] for _, a in keyed}) == 1
    assert (late_status, late["error"]["code"]) == (422, "idempotency_key_reused")
    with Session(kernel.db) as s:
        stored = {row.id: row.state for row in s.execute(select(Case.id, Case.state))}
        undelivered = s.scalar(select(func.count()).select_from(CaseEvent)
                               .where(CaseEvent.delivered_at.is_(None)))
    # every answer names a stored case in the state it was answered with
    assert {a["id"]: a["state"] for _, a in answers} == stored
    assert undelivered == 0
    assert {c for c, e, _ in recorder.events if e == "submitted"} == set(stored)
