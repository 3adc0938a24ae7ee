"""Real servers on free loopback ports: an app on its own event loop in a thread, or
`onetrip serve` as a child process."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aiohttp import web


@contextmanager
def serving(app: web.Application) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 (a free port) while the block runs; yields its base URL."""
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app, access_log=None)

    async def start() -> str:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        return f"http://127.0.0.1:{runner.addresses[0][1]}"

    thread = threading.Thread(target=loop.run_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield asyncio.run_coroutine_threadsafe(start(), loop).result(60)
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(120)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(60)
        loop.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server_process(folder: Path, *args: str, env: dict | None = None,
                   seconds: float = 60) -> Iterator[str]:
    """`onetrip serve` as a child process on a free loopback port, its SQLite store and
    working folder in ``folder``; yields its base URL and stops it (SIGTERM) afterwards.

    A server that hangs fails the requests sent to it, not the test run.
    """
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kernel.cli", "serve", "--port", str(port),
         "--db", f"sqlite:///{folder / 'serve.db'}", *args], cwd=folder,
        env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        end = time.monotonic() + seconds
        while True:
            assert proc.poll() is None, proc.communicate()[1].decode()[-2000:]
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=1):
                    break
            except OSError:
                assert time.monotonic() < end, "the server did not come up"
                time.sleep(0.2)
        yield url
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:  # hung in C: nothing else stops it
            proc.kill()
            proc.communicate()
