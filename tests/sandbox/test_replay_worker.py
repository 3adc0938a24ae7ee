"""Replays run in worker processes the server starts and follows, never in the server itself."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from kernel.cli import main
from sandbox.worker import read_state

REPLAYS = 5  # started one after another through the real API
HEALTHY = 2.0  # seconds: /healthz answers within this all along
UPLOAD = {"Content-Type": "application/x-ndjson"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`onetrip serve` in ``folder`` (its replays/ folder there), no tokens, on loopback."""

    def __init__(self, folder: Path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kernel.cli", "serve", "--port", str(self.port),
             "--db", f"sqlite:///{folder / 'serve.db'}"], cwd=folder,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        end = time.monotonic() + 60
        while time.monotonic() < end:
            assert self.proc.poll() is None, "the server did not start"
            try:
                requests.get(self.url + "/healthz", timeout=1)
                return
            except requests.RequestException:
                time.sleep(0.2)
        raise AssertionError("the server did not start")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(30)


class Watch(threading.Thread):
    """Asks /healthz every 50 ms; remembers every answer that was not a quick 200."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.bad, self.asked = url, [], 0
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(0.05):
            started = time.monotonic()
            try:
                status = requests.get(self.url + "/healthz", timeout=HEALTHY * 2).status_code
            except requests.RequestException as exc:
                status = repr(exc)
            took = time.monotonic() - started
            self.asked += 1
            if status != 200 or took > HEALTHY:
                self.bad.append((status, round(took, 2)))


def _finish(url: str, location: str, seconds: float = 120) -> dict:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        state = requests.get(url + location, timeout=10).json()
        if state["status"] in ("done", "failed"):
            return state
        time.sleep(0.1)
    raise AssertionError(f"replay {location} did not finish")


def _workers(job: str) -> list[int]:
    """Processes whose command line names the job's folder: its replay worker."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"sandbox.worker" in cmdline and job.encode() in cmdline:
            found.append(int(entry.name))
    return found


@pytest.fixture
def served(tmp_path):
    histories = tmp_path / "replays" / "histories"
    histories.mkdir(parents=True)
    for name, cases in (("small.jsonl", 150), ("large.jsonl", 3000)):
        assert main(["sandbox", "generate", "--cases", str(cases), "--no-outcomes",
                     "--out", str(histories / name)]) == 0
    server = Server(tmp_path)
    watch = Watch(server.url)
    watch.start()
    yield server, watch, histories
    watch.stopping.set()
    watch.join(10)
    server.stop()


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="finds workers in /proc")
def test_replays_run_in_workers_and_the_server_keeps_answering(served, tmp_path):
    server, watch, histories = served
    small = (histories / "small.jsonl").read_bytes()
    for i in range(REPLAYS):  # by name and uploaded, in turn
        started = (requests.post(server.url + "/v1/sandbox/replays", json={"cases": "small.jsonl"},
                                 timeout=30) if i % 2 else
                   requests.post(server.url + "/v1/sandbox/replays", data=small, headers=UPLOAD,
                                 timeout=30))
        assert started.status_code == 202, started.text
        busy = requests.post(server.url + "/v1/sandbox/replays", json={"cases": "small.jsonl"},
                             timeout=30)
        assert (busy.status_code, busy.json()["error"]["code"]) == (429, "busy")
        assert int(busy.headers["Retry-After"]) > 0
        state = _finish(server.url, started.headers["Location"])
        assert (state["status"], state["summary"]["cases"]) == ("done", 150), state
        assert server.proc.poll() is None

    started = requests.post(server.url + "/v1/sandbox/replays", headers=UPLOAD, timeout=30,
                            data=(histories / "large.jsonl").read_bytes())
    job = started.headers["Location"].rsplit("/", 1)[1]
    end = time.monotonic() + 30
    while not _workers(job) and time.monotonic() < end:
        time.sleep(0.05)
    time.sleep(1.0)  # into the replay itself
    for pid in _workers(job):
        os.kill(pid, signal.SIGKILL)
    state = _finish(server.url, started.headers["Location"])
    assert state["status"] == "failed" and "SIGKILL" in state["error"], state
    assert list((tmp_path / "replays" / "uploads").iterdir()) == []  # gone with its job

    again = requests.post(server.url + "/v1/sandbox/replays", json={"cases": "small.jsonl"},
                          timeout=30)
    assert _finish(server.url, again.headers["Location"])["status"] == "done"
    assert server.proc.poll() is None
    assert watch.asked > 20 and watch.bad == []


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="finds workers in /proc")
def test_a_worker_stops_when_its_server_dies(served):
    server, _, histories = served
    started = requests.post(server.url + "/v1/sandbox/replays", headers=UPLOAD, timeout=30,
                            data=(histories / "large.jsonl").read_bytes())
    job = started.headers["Location"].rsplit("/", 1)[1]
    end = time.monotonic() + 30
    while not _workers(job) and time.monotonic() < end:
        time.sleep(0.05)
    assert _workers(job)
    server.proc.kill()
    server.proc.wait(10)
    end = time.monotonic() + 10
    while _workers(job) and time.monotonic() < end:
        time.sleep(0.1)
    assert _workers(job) == []


def test_a_worker_whose_server_died_before_it_started_stops_at_once(tmp_path):
    """The server's pid comes in the job: a worker started just before its server died
    does not take whoever adopted it for its server and replay on alone."""
    history = tmp_path / "h.jsonl"
    assert main(["sandbox", "generate", "--cases", "20000", "--no-outcomes", "--quiet",
                 "--out", str(history)]) == 0
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    job = tmp_path / "job"
    job.mkdir()
    (job / "job.json").write_text(json.dumps({
        "cases": str(history), "baseline": "as-in-force", "candidate": "as-in-force",
        "out": str(job), "workers": 2, "on_error": "skip", "kernel": {},
        "policy_roots": [], "server": gone.pid}), "utf-8")
    worker = subprocess.Popen([sys.executable, "-m", "sandbox.worker", str(job)],
                              start_new_session=True, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        worker.wait(15)
    finally:
        os.killpg(worker.pid, signal.SIGKILL) if worker.poll() is None else None
    assert worker.returncode == -signal.SIGKILL
    assert read_state(job).get("status") in (None, "running")  # never done, never failed
