"""Replay jobs of one kernel: queued, run one at a time on a background thread, followed."""

from __future__ import annotations

import logging
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

log = logging.getLogger("onetrip.sandbox")


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
    out: Path
    status: Literal["queued", "running", "done", "failed"] = "queued"
    rows: int = 0
    bytes_done: int = 0
    bytes_total: int = 0
    summary: dict[str, Any] | None = None
    error: str | None = None


class ReplayJobs:
    """Replays run one at a time on a background thread; their state lives here."""

    def __init__(self, root: Path, histories: Path, workers: int = 1,
                 kernel_args: dict[str, Any] | None = None,
                 policy_roots: tuple[Path, ...] = ()):
        self.root, self.histories, self.workers = root, histories, workers
        self.kernel_args = kernel_args or {}
        self.policy_roots = policy_roots
        self.jobs: dict[str, Job] = {}
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="replay")

    @classmethod
    def for_kernel(cls, kernel: Any) -> ReplayJobs:
        """Jobs configured by the kernel's settings ``sandbox_dir`` (default ``replays``),
        ``sandbox_histories`` (default ``<sandbox_dir>/histories``), ``sandbox_policies``
        (draft rule folders, default ``<sandbox_dir>/policies``; the shipped ``rules/``
        too) and ``sandbox_workers``."""
        from rules import RULES_DIR

        root = Path(kernel.settings.get("sandbox_dir") or "replays")
        histories = Path(kernel.settings.get("sandbox_histories") or root / "histories")
        policies = Path(kernel.settings.get("sandbox_policies") or root / "policies")
        workers = int(kernel.settings.get("sandbox_workers") or os.cpu_count() or 1)
        return cls(root, histories, workers, policy_roots=(policies, RULES_DIR.parent))

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
        from kernel.routes import InputError
        from sandbox.policy import PolicyError, confine

        for field in ("baseline", "candidate"):
            try:
                confine(getattr(req, field), self.policy_roots, field)
            except PolicyError as exc:
                raise InputError(field, str(exc)) from None

    def submit(self, cases: Path, req: ReplayPolicies) -> Job:
        from sandbox.replay import ReplayOptions

        key = uuid.uuid4().hex[:12]
        job = Job(id=key, out=self.root / "runs" / key)
        job.bytes_total = cases.stat().st_size
        self.jobs[job.id] = job
        opts = ReplayOptions(cases=cases, baseline=req.baseline, candidate=req.candidate,
                             out=job.out, workers=self.workers, on_error=req.on_error,
                             kernel=self.kernel_args, policy_roots=self.policy_roots)
        self.pool.submit(self._run, job, opts)
        return job

    def _run(self, job: Job, opts: Any) -> None:
        from sandbox.history import BadRow, explain
        from sandbox.policy import PolicyError
        from sandbox.replay import replay

        job.status = "running"

        def progress(rows: int, done: int) -> None:
            job.rows, job.bytes_done = rows, done

        try:
            job.summary = replay(opts, progress)
            job.status = "done"
        except (BadRow, PolicyError, ValueError) as exc:  # the request's fault: say why
            job.error, job.status = explain(exc), "failed"
        except Exception as exc:  # a job must end in a state, never stay "running"
            log.exception("replay %s failed", job.id)
            job.error, job.status = f"internal error: {type(exc).__name__}", "failed"

    def close(self) -> None:
        """Wait for the replay under way; those still queued are dropped."""
        self.pool.shutdown(wait=True, cancel_futures=True)
