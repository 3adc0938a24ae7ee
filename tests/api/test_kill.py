"""SIGKILL a real `onetrip serve` mid-load: no acknowledged case is lost, no timer fires twice.

On SQLite with one process, and on PostgreSQL with two workers sharing the port (two
sweepers claiming timers with FOR UPDATE SKIP LOCKED)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from casekit import TEST_RULES, tolerated_application
from sqlalchemy import func, select
from sqlmodel import Session

from kernel.store import start_kernel
from kernel.store.lifecycle import Lifecycle
from kernel.store.tables import Case, CaseEvent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(db_url: str, port: int, config, workers: int = 1) -> subprocess.Popen:
    """The server, leading a process group of its own: its workers are killed with it."""
    rules = [a for d in TEST_RULES for a in ("--rules", str(d))]
    proc = subprocess.Popen(
        [sys.executable, "-m", "kernel.cli", "serve", "--port", str(port), "--db", db_url,
         "--config", str(config), "--workers", str(workers), *rules],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("the server did not start")


async def load(port: int, acked: list[str], seconds: float) -> None:
    """Submit tolerated cases from 8 connections, remembering every 201 received."""
    url = f"http://127.0.0.1:{port}/v1/cases"
    stop = time.monotonic() + seconds

    async def one(session: aiohttp.ClientSession) -> None:
        while time.monotonic() < stop:
            try:
                async with session.post(url, json=tolerated_application()) as resp:
                    if resp.status == 201:
                        acked.append((await resp.json())["id"])
            except (TimeoutError, aiohttp.ClientError):
                return

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(one(session) for _ in range(8)))


def test_kill_mid_load_and_restart(tmp_path):
    kill_mid_load_and_restart(tmp_path, f"sqlite:///{tmp_path / 'onetrip.db'}", workers=1)


@pytest.mark.postgres
def test_kill_two_workers_mid_load_on_postgresql_and_restart(tmp_path, pg_url):
    kill_mid_load_and_restart(tmp_path, pg_url, workers=2)


def kill_mid_load_and_restart(tmp_path, db_url: str, workers: int) -> None:
    """SIGKILL the server and every worker at once under load, restart, and check the store."""
    config = tmp_path / "server.yaml"
    config.write_text("sweep_interval: 0.05\n")  # 2019 deadlines are long past: fire at once
    port = free_port()
    acked: list[str] = []
    proc = start(db_url, port, config, workers)
    try:
        async def killer() -> None:
            await asyncio.sleep(1.5)
            os.killpg(proc.pid, signal.SIGKILL)

        async def both() -> None:
            await asyncio.gather(load(port, acked, 5), killer())

        asyncio.run(both())
        proc.wait(10)
        proc = start(db_url, port, config, workers)
        asyncio.run(load(port, acked, 1))
        time.sleep(1)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    kernel = start_kernel(db_url=db_url, rule_dirs=TEST_RULES)
    try:
        # whatever the server had not fired, or not handed to plugins, when it was killed
        lc = Lifecycle(kernel, redeliver_after=timedelta(0))
        lc.sweep()
        with Session(kernel.db) as s:
            renoticed = s.scalar(select(func.count()).select_from(Case)
                                 .where(Case.state == "re_notified"))
        lc.sweep(datetime.now(UTC) + timedelta(days=40))  # every grace period over
        with Session(kernel.db) as s:
            stored = set(s.scalars(select(Case.id)))
            twice = s.execute(select(CaseEvent.case_id, CaseEvent.kind, func.count())
                              .where(CaseEvent.kind.in_(["re_notified", "terminated"]))
                              .group_by(CaseEvent.case_id, CaseEvent.kind)
                              .having(func.count() > 1)).all()
            ended = s.scalar(select(func.count()).select_from(Case)
                             .where(Case.state == "terminated"))
            undelivered = s.scalar(select(func.count()).select_from(CaseEvent)
                                   .where(CaseEvent.delivered_at.is_(None))) + s.scalar(
                select(func.count()).select_from(Case)
                .where(Case.decision_delivered_at.is_(None)))
    finally:
        kernel.close()
    assert acked and set(acked) <= stored
    assert twice == []
    assert undelivered == 0  # every plugin heard of every stored case and event
    # 2019 supplement dates are long past: the server's sweeper re-noticed every case, and
    # the grace periods (counted from today's re-notice) end them all, each exactly once.
    assert renoticed == ended == len(stored)
