"""HTTP routes: start a replay, follow it, fetch its reports (the ``sandbox`` grant)."""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sandbox.history import BadRow, explain
from sandbox.policy import PolicyError
from sandbox.replay import ReplayOptions, replay

log = logging.getLogger("onetrip.sandbox")
FILES = ("report.html", "report.md", "summary.json", "diff.jsonl", "bad_rows.jsonl")


class ReplayRequest(BaseModel):
    """POST body (JSON) for a server-side history; uploads put these in the query string."""

    model_config = ConfigDict(extra="forbid")
    cases: str | None = Field(None, description="history file name in the server's folder")
    baseline: str = "as-in-force"
    candidate: str = "as-in-force"
    on_error: Literal["skip", "fail"] = "skip"


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
                 kernel_args: dict[str, Any] | None = None):
        self.root, self.histories, self.workers = root, histories, workers
        self.kernel_args = kernel_args or {}
        self.jobs: dict[str, Job] = {}
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="replay")

    @classmethod
    def for_kernel(cls, kernel: Any) -> ReplayJobs:
        """Jobs configured by the kernel's settings ``sandbox_dir`` (default ``replays``),
        ``sandbox_histories`` (default ``<sandbox_dir>/histories``) and ``sandbox_workers``."""
        root = Path(kernel.settings.get("sandbox_dir") or "replays")
        histories = Path(kernel.settings.get("sandbox_histories") or root / "histories")
        workers = int(kernel.settings.get("sandbox_workers") or os.cpu_count() or 1)
        return cls(root, histories, workers)

    def submit(self, cases: Path, req: ReplayRequest) -> Job:
        key = uuid.uuid4().hex[:12]
        job = Job(id=key, out=self.root / "runs" / key)
        job.bytes_total = cases.stat().st_size
        self.jobs[job.id] = job
        opts = ReplayOptions(cases=cases, baseline=req.baseline, candidate=req.candidate,
                             out=job.out, workers=self.workers, on_error=req.on_error,
                             kernel=self.kernel_args)
        self.pool.submit(self._run, job, opts)
        return job

    def _run(self, job: Job, opts: ReplayOptions) -> None:
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
        self.pool.shutdown(wait=True)


JOBS: web.AppKey[ReplayJobs] = web.AppKey("sandbox_jobs", ReplayJobs)


def _problem(status: int, field: str, message: str) -> web.Response:
    return web.json_response({"error": message, "field": field}, status=status)


async def _upload(request: web.Request, jobs: ReplayJobs) -> Path:
    path = jobs.root / "uploads" / f"{uuid.uuid4().hex}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        async for block in request.content.iter_chunked(1 << 16):
            fh.write(block)  # streamed: an upload of a year of cases never sits in memory
    return path


async def post_replay(request: web.Request) -> web.Response:
    jobs = request.app[JOBS]
    upload = request.content_type != "application/json"
    try:
        raw = dict(request.query) if upload else await request.json()
        req = ReplayRequest.model_validate(raw)
    except ValidationError as exc:
        return _problem(400, str(exc.errors()[0]["loc"][0]), explain(exc))
    except ValueError:
        return _problem(400, "body", "the body is not JSON")
    if upload:
        if not request.can_read_body:
            return _problem(400, "body", "send the history as the body, or JSON naming a file")
        cases = await _upload(request, jobs)
    else:
        cases = (jobs.histories / (req.cases or "")).resolve()
        if not req.cases or not cases.is_relative_to(jobs.histories.resolve()) or \
                not cases.is_file():
            return _problem(400, "cases", f"no history file {req.cases!r} on the server")
    job = await asyncio.get_running_loop().run_in_executor(None, jobs.submit, cases, req)
    return web.json_response(_state(request, job), status=202,
                             headers={"Location": f"/v1/sandbox/replays/{job.id}"})


def _state(request: web.Request, job: Job) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": job.id, "status": job.status, "rows": job.rows,
        "progress": round(job.bytes_done / job.bytes_total, 4) if job.bytes_total else None,
    }
    if job.status == "done":
        out["summary"] = job.summary
        out["links"] = {f: f"/v1/sandbox/replays/{job.id}/{f}" for f in FILES}
    if job.error:
        out["error"] = job.error
    return out


async def get_replay(request: web.Request) -> web.Response:
    job = request.app[JOBS].jobs.get(request.match_info["id"])
    if job is None:
        return _problem(404, "id", "no such replay")
    return web.json_response(_state(request, job))


async def get_file(request: web.Request) -> web.StreamResponse:
    job = request.app[JOBS].jobs.get(request.match_info["id"])
    name = request.match_info["name"]
    if job is None or job.status != "done" or name not in FILES:
        return _problem(404, "name", "no such report")
    return web.FileResponse(job.out / name)


for _handler in (post_replay, get_replay, get_file):
    _handler.grant = "sandbox"  # the API's auth: rule authors, auditors and admins


def setup(app: web.Application, jobs: ReplayJobs) -> None:
    """Add the sandbox routes; the host application checks roles by each handler's grant."""
    app[JOBS] = jobs
    app.router.add_post("/v1/sandbox/replays", post_replay)
    app.router.add_get("/v1/sandbox/replays/{id}", get_replay)
    app.router.add_get("/v1/sandbox/replays/{id}/{name}", get_file)

    async def _close(app: web.Application):
        yield
        jobs.close()

    app.cleanup_ctx.append(_close)
