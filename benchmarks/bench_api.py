"""Load the API from a second process on loopback: evaluate vs a bare echo, and case submission.

    python benchmarks/bench_api.py [--seconds 10] [--connections 50] [--workers 1]

Starts a bare aiohttp echo server and `onetrip serve` (SQLite in a temporary folder) as
subprocesses, then drives each with an aiohttp client in this process and prints
requests/s and latency percentiles.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
CASE = json.loads((ROOT / "examples" / "land_site_complete.json").read_text())
ECHO = """
from aiohttp import web
async def echo(request):
    return web.Response(body=await request.read(), content_type="application/json")
app = web.Application(); app.router.add_post("/echo", echo)
web.run_app(app, host="127.0.0.1", port={port}, access_log=None, print=None)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait(port: int) -> None:
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on {port}")


async def drive(url: str, seconds: float, connections: int) -> tuple[float, list[float], int]:
    body = json.dumps(CASE).encode()
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds
    conn = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=conn) as session:
        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                async with session.post(url, data=body,
                                        headers={"Content-Type": "application/json"}) as r:
                    await r.read()
                    errors += r.status >= 300
                latencies.append(time.perf_counter() - t0)

        t = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - t
    return len(latencies) / elapsed, latencies, errors


def report(name: str, rate: float, lat: list[float], errors: int) -> None:
    q = statistics.quantiles(lat, n=100)
    print(f"{name:<22} {rate:8.0f} req/s   p50 {q[49] * 1000:6.1f} ms   "
          f"p99 {q[98] * 1000:6.1f} ms   non-2xx {errors}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    echo_port, api_port = free_port(), free_port()
    with tempfile.TemporaryDirectory() as tmp:
        procs = [
            subprocess.Popen([sys.executable, "-c", ECHO.format(port=echo_port)]),
            subprocess.Popen([sys.executable, "-m", "kernel.cli", "serve", "--port",
                              str(api_port), "--workers", str(args.workers), "--db",
                              f"sqlite:///{tmp}/bench.db"], stderr=subprocess.DEVNULL),
        ]
        try:
            wait(echo_port)
            wait(api_port)
            runs = {}
            for name, url in (("echo", f"http://127.0.0.1:{echo_port}/echo"),
                              ("POST /v1/evaluate", f"http://127.0.0.1:{api_port}/v1/evaluate"),
                              ("POST /v1/cases", f"http://127.0.0.1:{api_port}/v1/cases")):
                asyncio.run(drive(url, 1, args.connections))  # warm-up
                runs[name] = asyncio.run(drive(url, args.seconds, args.connections))
                report(name, *runs[name])
            ratio = runs["POST /v1/evaluate"][0] / runs["echo"][0]
            print(f"evaluate / echo: {ratio:.0%} (target >= 40%); cases target >= 1,500/s, "
                  f"p99 <= 30 ms at {args.connections} connections, {args.workers} worker(s)")
        finally:
            for p in procs:
                p.terminate()
                p.wait()


if __name__ == "__main__":
    main()
