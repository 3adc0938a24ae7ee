"""Replay jobs of one server process: each runs in a worker process of its own, followed here.

The server never forks for a replay: it starts ``python -m sandbox.worker JOBDIR``, which
leads its own process group, and a thread per job waits for it. A worker that dies
(killed, out of memory) fails its job and nothing else.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kernel.routes import Busy, InputError
from sandbox.worker import FINAL, JOB, read_state

log = logging.getLogger("onetrip.sandbox")
RETRY_AFTER = 10  # seconds a caller turned away is told to wait
MAX_UPLOAD = 256 << 20  # bytes of an uploaded history (setting sandbox_max_upload)
STOP_GRACE = 5.0  # seconds a worker has to stop at shutdown before it is killed


class ReplayPolicies(BaseModel):
    """The two policies and what to do with bad rows; an upload's query string."""

    model_config = ConfigDict(extra="forbid")
    baseline: str = Field("as-in-force", min_length=1, description="a rules folder, a git "
                          "revision of rules/, or as-in-force")
    candidate: str = Field("as-in-force", min_length=1, description="the draft, as baseline")
    on_error: Literal["skip", "fail"] = Field("skip", description="bad rows: skip or stop")


class ReplayRequest(ReplayPolicies):
    """POST body (JSON) for a history already in the server's folder."""

    cases: str = Field(min_length=1, description="history file name in the server's folder")


@dataclass
class Job:
    id: str
    out: Path  # the job's folder: its worker's files, then its reports
    status: Literal["queued", "running", "done", "failed"] = "queued"
    rows: int = 0
    bytes_done: int = 0
    bytes_total: int = 0
    summary: dict[str, Any] | None = None
    error: str | None = None
    upload: Path | None = None  # an uploaded history: deleted with the job


class ReplayJobs:
    """At most ``limit`` replays at once, each in its worker process; their state lives here."""

    def __init__(self, root: Path, histories: Path, workers: int = 1,
                 kernel_args: dict[str, Any] | None = None,
                 policy_roots: tuple[Path, ...] = (), limit: int = 1,
                 max_upload: int = MAX_UPLOAD):
        self.root, self.histories, self.workers = root, histories, workers
        self.kernel_args = kernel_args or {}  # JSON: handed to the worker's Kernel.start
        self.policy_roots, self.limit, self.max_upload = policy_roots, limit, max_upload
        self.jobs: dict[str, Job] = {}
        self.procs: dict[str, subprocess.Popen] = {}
        self.followers: list[threading.Thread] = []
        self.lock = threading.Lock()
        self.closed = False

    @classmethod
    def for_kernel(cls, kernel: Any) -> ReplayJobs:
        """Jobs configured by the kernel's settings ``sandbox_dir`` (default ``replays``),
        ``sandbox_histories`` (default ``<sandbox_dir>/histories``), ``sandbox_policies``
        (draft rule folders, default ``<sandbox_dir>/policies``; the shipped ``rules/``
        too), ``sandbox_workers`` (processes of one replay), ``sandbox_jobs`` (replays at
        once, default 1) and ``sandbox_max_upload`` (bytes, default 256 MiB)."""
        from rules import RULES_DIR

        get = kernel.settings.get
        root = Path(get("sandbox_dir") or "replays")
        histories = Path(get("sandbox_histories") or root / "histories")
        policies = Path(get("sandbox_policies") or root / "policies")
        return cls(root, histories, int(get("sandbox_workers") or os.cpu_count() or 1),
                   policy_roots=(policies, RULES_DIR.parent),
                   limit=int(get("sandbox_jobs") or 1),
                   max_upload=int(get("sandbox_max_upload") or MAX_UPLOAD))

    def history(self, name: str) -> Path | None:
        """The server-side history file ``name``, if it is one inside the histories folder."""
        try:
            path = (self.histories / name).resolve()
            found = path.is_relative_to(self.histories.resolve()) and path.is_file()
        except (OSError, ValueError):  # a name no file can have (a NUL byte, too long)
            return None
        return path if found else None

    def check_policies(self, req: ReplayPolicies) -> None:
        """Refuse (422, naming the field) a policy outside the rules roots, unread."""
        from sandbox.policy import PolicyError, confine

        for field in ("baseline", "candidate"):
            try:
                confine(getattr(req, field), self.policy_roots, field)
            except PolicyError as exc:
                raise InputError(field, str(exc)) from None

    # -- a job's life -------------------------------------------------------------------------

    def reserve(self) -> Job:
        """A new queued job; :class:`Busy` (429) when ``limit`` replays are under way."""
        with self.lock:
            under_way = sum(j.status in ("queued", "running") for j in self.jobs.values())
            if self.closed or under_way >= self.limit:
                raise Busy(f"{under_way} replay(s) under way, as many as this server runs "
                           "at once (setting sandbox_jobs); try again later", RETRY_AFTER)
            key = uuid.uuid4().hex[:12]
            job = self.jobs[key] = Job(id=key, out=self.root / "runs" / key)
        return job

    def upload_path(self, job: Job) -> Path:
        job.upload = self.root / "uploads" / f"{job.id}.jsonl"
        job.upload.parent.mkdir(parents=True, exist_ok=True)
        return job.upload

    def drop(self, job: Job) -> None:
        """Forget a job that never started, with its upload."""
        with self.lock:
            self.jobs.pop(job.id, None)
        if job.upload is not None:
            job.upload.unlink(missing_ok=True)

    def start(self, job: Job, cases: Path, req: ReplayPolicies) -> None:
        """Start the job's worker process; blocking (files, a process): call it off the loop."""
        job.bytes_total = cases.stat().st_size
        job.out.mkdir(parents=True, exist_ok=True)
        roots = {str(r) for r in self.policy_roots} | {str(r.resolve()) for r in self.policy_roots}
        (job.out / JOB).write_text(json.dumps({
            "cases": str(cases.resolve()), "baseline": req.baseline, "candidate": req.candidate,
            "out": str(job.out.resolve()), "workers": self.workers, "on_error": req.on_error,
            "kernel": self.kernel_args, "policy_roots": sorted(roots),
            "server": os.getpid()}), encoding="utf-8")
        with open(job.out / "worker.log", "wb") as output:
            proc = subprocess.Popen(
                [sys.executable, "-m", "sandbox.worker", str(job.out.resolve())],
                stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                start_new_session=True)  # its own group: stopped with its pool, signals apart
        with self.lock:
            self.procs[job.id], job.status = proc, "running"
        follower = threading.Thread(target=self._follow, args=(job, proc),
                                    name=f"replay-{job.id}", daemon=True)
        follower.start()
        self.followers = [f for f in self.followers if f.is_alive()] + [follower]

    def get(self, key: str) -> Job | None:
        """The job with its latest progress (reads a file: call it off the loop)."""
        job = self.jobs.get(key)
        if job is not None and job.status == "running":
            self._apply(job, read_state(job.out))
        return job

    def _apply(self, job: Job, state: dict[str, Any]) -> None:
        job.rows = state.get("rows", job.rows)
        job.bytes_done = state.get("bytes_done", job.bytes_done)
        if state.get("status") in FINAL:
            job.summary, job.error = state.get("summary"), state.get("error")
            job.status = state["status"]

    def _follow(self, job: Job, proc: subprocess.Popen) -> None:
        """Wait for the job's worker; whatever it left unsaid, the job fails."""
        code = proc.wait()
        _signal(proc, signal.SIGKILL)  # what is left of its group: the replay's own pool
        if job.upload is not None:  # gone before anyone can see the job ended
            job.upload.unlink(missing_ok=True)
        with self.lock:
            self.procs.pop(job.id, None)
            self._apply(job, read_state(job.out))
            if job.status not in FINAL:
                job.status, job.error = "failed", (
                    "stopped: the server shut down" if self.closed
                    else f"the replay worker stopped unexpectedly ({_how(code)})")
                log.warning("replay %s failed: %s", job.id, job.error)

    def close(self) -> None:
        """Stop the replays under way (SIGTERM, then SIGKILL) and wait for their followers."""
        with self.lock:
            self.closed = True
            procs = list(self.procs.values())
        for proc in procs:
            _signal(proc, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        for proc in procs:
            try:
                proc.wait(max(deadline - time.monotonic(), 0))
            except subprocess.TimeoutExpired:
                _signal(proc, signal.SIGKILL)
        for follower in self.followers:
            follower.join(STOP_GRACE)


def _signal(proc: subprocess.Popen, signum: int) -> None:
    """Signal the worker's whole group: the replay's own pool processes too."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signum)


def _how(code: int) -> str:
    if code < 0:
        return f"signal {signal.Signals(-code).name}"
    return f"exit code {code}"
