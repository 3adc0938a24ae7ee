"""The API under wrk: a bare aiohttp echo, POST /v1/evaluate and POST /v1/cases, one run.

    python benchmarks/bench_api.py [--seconds 10] [--connections 50] [--workers 1]

Needs wrk (https://github.com/wg/wrk): ``apt-get install -y wrk`` (Debian, Ubuntu) or
``brew install wrk``; the benchmark says so when it is missing. wrk is the load generator
because it is faster than the server: a Python client saturates first and measures itself.

Starts a bare aiohttp echo server and ``onetrip serve`` twice (fresh SQLite files in a
temporary folder): with every built-in plugin, and with OA and credit switched off
(``ONETRIP_DISABLE_PLUGINS``). wrk posts varied valid applications (``wrk_cases.lua``:
5,000 applicants, recent dates, accepted, tolerated and correction cases; a fresh
Idempotency-Key on each submission). For each target it prints requests/s, p50 and p99
beside the target, and the server's CPU time per request, which depends less on what else
the machine runs. Submissions are answered once stored; plugins hear of them from the
outbox afterwards, so the table also says how long after the load every stored case had
been handed to every plugin, and the rate counting that time.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).with_name("wrk_cases.lua")
ECHO = """
import sys
from aiohttp import web
async def echo(request):
    return web.Response(body=await request.read(), content_type="application/json")
app = web.Application(); app.router.add_post("/echo", echo)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
"""
INSTALL = ("wrk is not installed: apt-get install -y wrk (Debian/Ubuntu), brew install wrk "
           "(macOS), or build it from https://github.com/wg/wrk")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait(port: int) -> None:
    for _ in range(600):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on {port}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a server process and its worker children (Linux /proc)."""
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        stats = [Path(f"/proc/{p}/stat").read_text() for p in [pid, *map(int, kids)]]
    except OSError:
        return float("nan")
    tick = os.sysconf("SC_CLK_TCK")
    return sum(int(f[11]) + int(f[12]) for f in (s.rsplit(")", 1)[1].split() for s in stats)) / tick


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def wrk(url: str, seconds: float, connections: int, keys: bool) -> dict:
    """One wrk run: requests/s, p50 and p99 in ms, requests and non-2xx answers."""
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency", "-s", str(LUA), url],
        capture_output=True, text=True, check=True,
        env={**os.environ, "KEYS": "1" if keys else "0"}).stdout
    found = {"rate": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
             "requests": int(re.search(r"(\d+) requests in", out)[1]),
             "bad": int((re.search(r"Non-2xx or 3xx responses: (\d+)", out) or [0, 0])[1])}
    for pct in ("50", "99"):
        found[f"p{pct}"] = _ms(re.search(rf"\s{pct}(?:\.000)?%\s+(\S+)", out)[1])
    return found


def undelivered(db: Path) -> int:
    """Stored cases whose decision some plugin has not taken yet."""
    with sqlite3.connect(db, timeout=30) as conn:
        return conn.execute("SELECT count(*) FROM cases WHERE decision_delivered_at IS NULL"
                            ).fetchone()[0]


def drained(db: Path, limit: float = 300) -> float:
    """Seconds until every stored case was handed to every plugin."""
    t0 = time.monotonic()
    while undelivered(db) and time.monotonic() - t0 < limit:
        time.sleep(0.05)
    return time.monotonic() - t0


def serve(port: int, db: Path, workers: int, disable: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "kernel.cli", "serve", "--port", str(port), "--workers",
         str(workers), "--db", f"sqlite:///{db}"], stderr=subprocess.DEVNULL, cwd=db.parent,
        env={**os.environ, "ONETRIP_DISABLE_PLUGINS": disable})


def row(name: str, found: dict, cpu: float, target: str, extra: str = "") -> None:
    print(f"{name:<36} {found['rate']:8,.0f} req/s  p50 {found['p50']:7.1f} ms  "
          f"p99 {found['p99']:7.1f} ms  CPU {cpu * 1000:5.2f} ms/req  "
          f"non-2xx {found['bad']:<4} {target}{extra}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        print(INSTALL, file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        echo, full, bare = free_port(), free_port(), free_port()
        procs = {"echo": subprocess.Popen([sys.executable, "-c", ECHO, str(echo)])}
        dbs = {"full": Path(tmp) / "full" / "bench.db", "bare": Path(tmp) / "bare" / "bench.db"}
        for name, port, disable in (("full", full, ""), ("bare", bare, "oa,credit")):
            dbs[name].parent.mkdir()
            procs[name] = serve(port, dbs[name], args.workers, disable)
        try:
            for port in (echo, full, bare):
                wait(port)
            runs = (
                ("bare aiohttp echo", "echo", f"http://127.0.0.1:{echo}/echo", False, ""),
                ("POST /v1/evaluate", "full", f"http://127.0.0.1:{full}/v1/evaluate", False,
                 "target >= 40% of echo"),
                ("POST /v1/cases, all plugins", "full", f"http://127.0.0.1:{full}/v1/cases",
                 True, "target >= 1,500 req/s, p99 <= 30 ms"),
                ("POST /v1/cases, OA and credit off", "bare",
                 f"http://127.0.0.1:{bare}/v1/cases", True, "plugins must not be the cost"),
            )
            sync = os.environ.get("ONETRIP_SQLITE_SYNCHRONOUS", "FULL").upper()
            print(f"wrk, {args.connections} connections, {args.workers} server worker(s), "
                  f"{args.seconds:g} s each after a 2 s warm-up; SQLite, synchronous={sync}\n")
            rates = {}
            for name, server, url, keys, target in runs:
                wrk(url, 2, args.connections, keys)  # warm-up
                if server != "echo":
                    drained(dbs[server])
                cpu = cpu_seconds(procs[server].pid)
                found = wrk(url, args.seconds, args.connections, keys)
                after = drained(dbs[server]) if url.endswith("/cases") else None
                cpu = (cpu_seconds(procs[server].pid) - cpu) / max(found["requests"], 1)
                rates[name] = found["rate"]
                extra = ""
                if after is not None:
                    overall = found["requests"] / (args.seconds + after)
                    extra = (f"\n{'':<36} every plugin had every case {after:.1f} s after the "
                             f"load: {overall:,.0f} cases/s delivered")
                if name == "POST /v1/evaluate":
                    extra = f" (now {found['rate'] / rates['bare aiohttp echo']:.0%})"
                row(name, found, cpu, target, extra)
        finally:
            for p in procs.values():
                p.terminate()
                p.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
