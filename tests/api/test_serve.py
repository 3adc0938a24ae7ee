"""`onetrip serve` as a process: one owner per port, workers die with it, bad start-up stops it."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(tmp_path: Path, port: int, *args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "kernel.cli", "serve", "--port", str(port),
         "--db", f"sqlite:///{tmp_path / 'serve.db'}", *args],
        cwd=tmp_path, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)


def _wait_healthy(port: int, proc: subprocess.Popen, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        assert proc.poll() is None, proc.communicate()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("server did not come up")


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.fixture
def running(tmp_path):
    port = _free_port()
    proc = _serve(tmp_path, port, "--workers", "2")
    _wait_healthy(port, proc)
    yield port, proc
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=30)


def test_second_server_on_a_used_port_says_address_in_use(tmp_path, running):
    port, _ = running
    second = _serve(tmp_path, port)
    _, err = second.communicate(timeout=60)
    assert second.returncode == 2
    assert "address already in use" in err.lower()


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to see worker processes")
def test_workers_die_with_their_parent(running):
    _, proc = running
    workers = _children(proc.pid)
    assert len(workers) == 2
    proc.kill()
    proc.wait(timeout=10)
    end = time.monotonic() + 20
    while any(_alive(w) for w in workers) and time.monotonic() < end:
        time.sleep(0.1)
    assert not any(_alive(w) for w in workers)


def test_a_plugin_failing_at_start_up_stops_the_server_before_it_serves(tmp_path):
    (tmp_path / "broken_plugin.py").write_text(
        "from kernel import hookimpl\n"
        "class Plugin:\n"
        "    @hookimpl\n"
        "    def onetrip_startup(self, kernel):\n"
        "        raise RuntimeError('licence server unreachable')\n", encoding="utf-8")
    dist = tmp_path / "broken_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[onetrip.plugins]\nbroken = broken_plugin\n")
    port = _free_port()
    proc = _serve(tmp_path, port, env={"PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"})
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert ("plugin broken (entry point onetrip.plugins: broken = broken_plugin, distribution "
            "broken-plugin 1.0) failed in onetrip_startup") in err and "licence server" in err
    assert "serving on" not in err


def test_a_short_token_stops_start_up_without_printing_it(monkeypatch, capsys):
    from kernel.http.serve import serve

    monkeypatch.setenv("ONETRIP_TOKENS", "Tiny7Secret=clerk")
    assert serve("127.0.0.1", 0, None, 1, None) == 2
    err = capsys.readouterr().err
    assert "ONETRIP_TOKENS" in err and "token" in err and "Tiny7Secret" not in err
