"""``onetrip serve``: the API on one or several worker processes sharing a port."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

from aiohttp import web

from kernel.http.auth import ConfigError, ServerConfig, is_loopback, load_config

log = logging.getLogger("onetrip.serve")


def _worker(sock: socket.socket, db: str | None, config: ServerConfig,
            rules: list[str] | None) -> None:
    from kernel.http.app import create_app

    kernel = _start(db, rules, config.settings)
    app = create_app(kernel, config)
    # Start-up objects (rules, catalogue, calendar) never die: keep the collector off them,
    # and collect less often, as each request allocates thousands of short-lived objects.
    gc.freeze()
    gc.set_threshold(20_000, 20, 100)
    try:
        web.run_app(app, sock=sock, access_log=None, print=None, handle_signals=True)
    finally:
        kernel.close()


def _start(db: str | None, rules: list[str] | None, settings: dict[str, Any]) -> Any:
    """A started kernel with its store migrated; raises what a plugin or rule file raised."""
    from kernel.store import start_kernel

    kernel = start_kernel(rule_dirs=[Path(r) for r in rules] if rules else None,
                          **settings, **({"db_url": db} if db else {}))
    try:
        kernel.db  # noqa: B018  (connect and migrate before the first request)
    except BaseException:
        kernel.close()
        raise
    return kernel


def _listen(host: str, port: int) -> socket.socket:
    """One listening socket, shared by every worker (no SO_REUSEPORT: a second server on
    the same port fails instead of silently sharing it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT only
    try:
        sock.bind((host, port))
        sock.listen(1024)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


def serve(host: str, port: int, db: str | None, workers: int, config_file: str | None,
          rules: list[str] | None = None) -> int:
    try:
        config = load_config(config_file)
    except ConfigError as exc:
        print(f"onetrip: {exc}", file=sys.stderr)
        return 2
    if not config.tokens:
        if not is_loopback(host):
            print(f"onetrip: refusing to listen on {host} without tokens; configure tokens "
                  "(ONETRIP_TOKENS or --config) or bind 127.0.0.1", file=sys.stderr)
            return 2
        log.warning("no tokens configured: listening on loopback only, every caller is admin")
    try:
        sock = _listen(host, port)
    except OSError as exc:
        print(f"onetrip: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    # Plugins' start-up, the rule files and the migrations are checked once, here: a
    # failure stops the server before it says it is serving, and workers never race.
    _start(db, rules, config.settings).close()
    log.info("onetrip serving on http://%s:%d with %d worker(s)", host, port, workers)
    if workers <= 1:
        _worker(sock, db, config, rules)
        return 0
    children = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                _die_with_parent()
                _worker(sock, db, config, rules)
                code = 0
            finally:
                os._exit(code)
        children.append(pid)
    sock.close()
    return _supervise(children)


def _die_with_parent() -> None:
    """Ask Linux to SIGTERM this worker when the parent dies, however it dies."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the supervisor's SIGTERM still reaches us
        return
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


def _supervise(children: list[int]) -> int:
    """Wait for the workers; when one dies, stop the rest; a worker's failure is ours."""
    stopping = []

    def stop(signum: int, _frame: object) -> None:
        stopping.append(signum)
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    code = 0
    while children:
        pid, status = os.wait()
        if pid not in children:
            continue
        children.remove(pid)
        rc = os.waitstatus_to_exitcode(status)
        if not stopping:  # a worker died on its own: that is a failure of the server
            code = rc if rc > 0 else 128 - rc if rc < 0 else 1
            log.error("worker %d exited (%d); stopping the others", pid, rc)
            stop(signal.SIGTERM, None)
    return code
