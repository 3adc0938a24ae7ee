"""Nothing blocks the event loop: the API under mixed load, watched by asyncio's debug mode."""

from __future__ import annotations

import asyncio
import gc
import logging
import shutil
import threading

import pytest
from aiohttp.test_utils import TestClient, TestServer
from casekit import TEST_RULES, application, tolerated_application
from sqlalchemy import event

from kernel.http.app import create_app
from kernel.http.auth import ServerConfig
from kernel.rulebook import Rulebook
from kernel.store import start_kernel

SLOW = 0.1  # seconds: a callback that holds the loop longer is logged by asyncio
CONFIG = ServerConfig(sweep_interval=0.05, rules_check_interval=0.05)
CLIENTS, ROUNDS = 6, 3
DOCUMENT = {"flow": "incoming", "title": "关于国庆期间安全生产的紧急通知", "type": "通知",
            "urgency": "特急", "received_at": "2019-09-30T17:00:00+08:00"}


@pytest.fixture
def kernel(db_url, tmp_path):
    """A kernel on writable copies of the test rules: the load writes a ruleset."""
    dirs = []
    for i, d in enumerate(TEST_RULES):
        dirs.append(tmp_path / "rules" / str(i) / d.name)
        shutil.copytree(d, dirs[-1])
    k = start_kernel(db_url=db_url, rule_dirs=dirs)
    k.db  # noqa: B018  (migrate before the loop is watched)
    yield k
    k.close()


async def clerk(c: TestClient, n: int) -> None:
    """A clerk's round: dry run, submit, read, list, bring the tolerated material."""
    for i in range(ROUNDS):
        assert (await c.post("/v1/evaluate", json=application())).status == 200
        resp = await c.post("/v1/cases", json=tolerated_application(),
                            headers={"Idempotency-Key": f"c{n}-{i}"})
        case = (await resp.json())["id"]
        assert (await c.get(f"/v1/cases/{case}")).status == 200
        assert (await c.get("/v1/cases", params={"state": "awaiting_supplement"})).status == 200
        resp = await c.post(f"/v1/cases/{case}/supplements",
                            json={"materials": ["NR-M-BOUNDARY-SURVEY"]})
        assert resp.status == 200, await resp.text()


async def author(c: TestClient, kernel) -> None:
    """A rule author writing a ruleset back, twice, while the clerks work."""
    spec, path, _ = kernel.rulebook.files[0]
    with open(path, "rb") as fh:
        text = fh.read()
    for _ in range(2):
        resp = await c.put(f"/v1/rulesets/{spec.ruleset}", data=text)
        assert resp.status == 200, await resp.text()


async def officer(c: TestClient) -> None:
    """An OA officer entering documents and signing them in (a plugin's routes)."""
    for _ in range(ROUNDS):
        resp = await c.post("/v1/oa/documents", json=DOCUMENT)
        doc = (await resp.json())["id"]
        assert (await c.get(f"/v1/oa/documents/{doc}")).status == 200
        resp = await c.post(f"/v1/oa/documents/{doc}/advance", json={"step": "sign_in"})
        assert resp.status == 200, await resp.text()


async def load(kernel, app) -> int:
    """Serve ``app``, then run the load with the loop watched; returns the loop's thread."""
    loop = asyncio.get_running_loop()
    loop.slow_callback_duration = 60.0  # start-up (server, first request) is not under test
    async with TestClient(TestServer(app)) as c:
        await c.get("/healthz")  # warm: the first request of a process imports and compiles
        loop.slow_callback_duration = SLOW
        await asyncio.gather(author(c, kernel), officer(c),
                             *(clerk(c, n) for n in range(CLIENTS)))
        await asyncio.sleep(0.2)  # a sweep and a rules check run meanwhile too
    return threading.get_ident()


class Watch(logging.Handler):
    """Collects asyncio's "Executing <...> took 0.2 seconds" warnings."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.slow: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if "took" in record.getMessage():
            self.slow.append(record.getMessage())


@pytest.fixture
def threads(kernel, monkeypatch):
    """Where each kind of work ran: thread idents of SQL statements, evaluations, rule loads."""
    seen: dict[str, set[int]] = {"sql": set(), "evaluate": set(), "rules": set()}

    def note(kind, work):
        def noted(*args, **kwargs):
            seen[kind].add(threading.get_ident())
            return work(*args, **kwargs)
        return noted

    event.listen(kernel.db, "before_cursor_execute",
                 lambda *_: seen["sql"].add(threading.get_ident()))
    monkeypatch.setattr(kernel, "evaluate", note("evaluate", kernel.evaluate))
    monkeypatch.setattr(Rulebook, "load", note("rules", Rulebook.load))
    return seen


def test_no_handler_blocks_the_event_loop(kernel, threads):
    watch = Watch()
    logging.getLogger("asyncio").addHandler(watch)
    gc.collect()
    gc.freeze()  # as `onetrip serve` does: a full collection over start-up objects is not ours
    try:
        loop_thread = asyncio.run(load(kernel, create_app(kernel, CONFIG)), debug=True)
    finally:
        gc.unfreeze()
        logging.getLogger("asyncio").removeHandler(watch)
    assert watch.slow == [], "\n".join(watch.slow)
    assert all(threads.values()), threads  # each kind of work happened
    assert [kind for kind, where in threads.items() if loop_thread in where] == []
