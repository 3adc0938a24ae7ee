"""Concurrent submissions through the group-committing writer: each answered once, as stored."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import TestClient, TestServer
from casekit import application, tolerated_application
from sqlalchemy import func, select
from sqlmodel import Session

from kernel.http.app import create_app
from kernel.store import lifecycle
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


def _batch(kernel, bad: dict) -> tuple[list[int], dict, set[str]]:
    """20 good submissions and ``bad``, concurrently: statuses, the bad one's answer, stored."""
    async def main():
        async with TestClient(TestServer(create_app(kernel, sweep=False))) as c:
            resps = await asyncio.gather(*[c.post("/v1/cases", json=tolerated_application())
                                           for _ in range(10)], c.post("/v1/cases", json=bad),
                                         *[c.post("/v1/cases", json=tolerated_application())
                                           for _ in range(10)])
            return [(r.status, await r.json()) for r in resps]

    answers = asyncio.run(main())
    with Session(kernel.db) as s:
        stored = set(s.scalars(select(Case.id)))
    return [status for status, _ in answers], answers[10][1], stored


def test_a_field_longer_than_its_column_is_refused_alone(kernel):
    bad = application()
    bad["applicant"]["name"] = "某" * 201  # cases.applicant_name is 200 long
    statuses, err, stored = _batch(kernel, bad)
    assert statuses == [201] * 10 + [422] + [201] * 10
    assert err["error"]["field"] == "applicant.organisation.name"
    assert len(stored) == 20


@pytest.fixture(params=["naive time", pytest.param("too long", marks=pytest.mark.postgres)])
def spoiled(request, kernel, monkeypatch):
    """Submissions by 坏公司 get a row the database refuses: a time no column type binds, or
    (PostgreSQL checks lengths) a name past its column, as if a model had let it through."""
    if request.param == "too long" and kernel.db.dialect.name != "postgresql":
        pytest.skip("SQLite does not check a column's length")
    original = lifecycle.prepare

    def prepare(kernel_, data, key=None):
        sub = original(kernel_, data, key)
        if sub.case["applicant_name"] == "坏公司":
            if request.param == "naive time":
                sub.case["updated_at"] = sub.case["updated_at"].replace(tzinfo=None)
            else:
                sub.case["applicant_name"] = "某" * 201
        return sub

    monkeypatch.setattr(lifecycle, "prepare", prepare)
    return kernel


def test_a_row_the_database_refuses_fails_its_caller_only(spoiled):
    bad = application()
    bad["applicant"]["name"] = "坏公司"
    statuses, err, stored = _batch(spoiled, bad)
    assert statuses == [201] * 10 + [422] + [201] * 10
    assert err["error"]["code"] == "invalid" and "cannot be stored" in err["error"]["message"]
    assert len(stored) == 20
