"""``onetrip serve``: the API on one or several worker processes sharing a port."""

from __future__ import annotations

import gc
import logging
import os
import signal
import sys
from pathlib import Path

from aiohttp import web

from kernel.http.auth import ServerConfig, is_loopback, load_config

log = logging.getLogger("onetrip.serve")


def _worker(host: str, port: int, db: str | None, config: ServerConfig,
            rules: list[str] | None) -> None:
    from kernel.http.app import create_app
    from kernel.store import start_kernel

    kernel = start_kernel(rule_dirs=[Path(r) for r in rules] if rules else None,
                          **({"db_url": db} if db else {}))
    kernel.db  # noqa: B018  (connect and migrate before the first request)
    app = create_app(kernel, config)
    # Start-up objects (rules, catalogue, calendar) never die: keep the collector off them,
    # and collect less often, as each request allocates thousands of short-lived objects.
    gc.freeze()
    gc.set_threshold(20_000, 20, 100)
    try:
        web.run_app(app, host=host, port=port, reuse_port=True, access_log=None,
                    print=None, handle_signals=True)
    finally:
        kernel.close()


def _prepare(db: str | None) -> None:
    """Migrate once in the parent, so workers never race to create tables."""
    from kernel.store.db import create_tables, make_engine

    engine = make_engine(db)
    create_tables(engine)
    engine.dispose()


def serve(host: str, port: int, db: str | None, workers: int, config_file: str | None,
          rules: list[str] | None = None) -> int:
    config = load_config(config_file)
    if not config.tokens:
        if not is_loopback(host):
            print(f"onetrip: refusing to listen on {host} without tokens; configure tokens "
                  "(ONETRIP_TOKENS or --config) or bind 127.0.0.1", file=sys.stderr)
            return 2
        log.warning("no tokens configured: listening on loopback only, every caller is admin")
    _prepare(db)
    log.info("onetrip serving on http://%s:%d with %d worker(s)", host, port, workers)
    if workers <= 1:
        _worker(host, port, db, config, rules)
        return 0
    children = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:
            try:
                _worker(host, port, db, config, rules)
            finally:
                os._exit(0)
        children.append(pid)
    return _supervise(children)


def _supervise(children: list[int]) -> int:
    def stop(signum: int, _frame: object) -> None:
        for pid in children:
            os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for pid in children:
        os.waitpid(pid, 0)
    return 0
