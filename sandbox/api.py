"""HTTP routes, declared for the kernel to mount: start a replay, follow it, fetch its reports."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, Literal

from aiohttp import web
from pydantic import BaseModel, Field, ValidationError

from kernel.routes import BadRequest, NotFound, Route, TooLarge, parse_json, parse_query
from sandbox.history import explain
from sandbox.jobs import Job, ReplayJobs, ReplayPolicies, ReplayRequest

FILES = ("report.html", "report.md", "summary.json", "diff.jsonl", "bad_rows.jsonl")
REPORT_TYPES = ("text/html", "text/markdown", "application/json", "application/octet-stream")
UPLOAD = "application/x-ndjson"


class ReplayState(BaseModel):
    id: str
    status: Literal["queued", "running", "done", "failed"]
    rows: int = Field(description="history rows replayed so far")
    progress: float | None = Field(description="share of the history's bytes read, 0..1")
    summary: dict[str, Any] | None = Field(None, description="summary.json, once done")
    links: dict[str, str] | None = Field(None, description="report file -> its URL, once done")
    error: str | None = Field(None, description="why it failed")


def _state(job: Job) -> dict[str, Any]:
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


def _open(path: Path) -> IO[bytes]:
    return open(path, "wb")  # closed by the caller, off the loop


async def _upload(request: Any, jobs: ReplayJobs, job: Job) -> Path:
    """The body streamed to the job's upload file: a year of cases never sits in memory or
    on the loop. Past ``jobs.max_upload`` bytes it is 413, and nothing is kept."""
    too_large = TooLarge(f"an uploaded history is at most {jobs.max_upload} bytes "
                         "(setting sandbox_max_upload)", "body")
    if (request.content_length or 0) > jobs.max_upload:
        raise too_large
    path = await asyncio.to_thread(jobs.upload_path, job)
    fh = await asyncio.to_thread(_open, path)
    size = 0
    try:
        async for block in request.content.iter_chunked(1 << 16):
            size += len(block)
            if size > jobs.max_upload:
                raise too_large
            await asyncio.to_thread(fh.write, block)
    finally:
        await asyncio.to_thread(fh.close)
    return path


def _checked(parse: Callable[..., Any], data: Any, model: type[BaseModel]) -> Any:
    """Parsed by ``model``; its problems are 400s naming the field (this route's statuses)."""
    try:
        return parse(data, model)
    except ValidationError as exc:
        loc = exc.errors()[0]["loc"]
        raise BadRequest(explain(exc), str(loc[0]) if loc else None) from None


class Views:
    """The handlers, over one kernel's replay jobs (the ``sandbox`` grant)."""

    def __init__(self, jobs: ReplayJobs):
        self.jobs = jobs

    async def post(self, request: Any) -> web.Response:
        upload = request.content_type != "application/json"
        if upload:
            req = _checked(parse_query, request.query, ReplayPolicies)
            self.jobs.check_policies(req)  # before the upload is stored
            if not request.can_read_body:
                raise BadRequest("send the history as the body, or JSON naming a file", "body")
        else:
            req = _checked(parse_json, await request.read(), ReplayRequest)
            self.jobs.check_policies(req)
            cases = await asyncio.to_thread(self.jobs.history, req.cases)
            if cases is None:
                raise BadRequest(f"no history file {req.cases!r} on the server", "cases")
        job = self.jobs.reserve()  # 429 when busy: before an upload is stored
        try:
            if upload:
                cases = await _upload(request, self.jobs, job)
            await asyncio.to_thread(self.jobs.start, job, cases, req)
        except BaseException:
            await asyncio.to_thread(self.jobs.drop, job)
            raise
        return web.json_response(_state(job), status=202,
                                 headers={"Location": f"/v1/sandbox/replays/{job.id}"})

    async def get(self, request: Any) -> Any:
        job = await asyncio.to_thread(self.jobs.get, request.match_info["id"])
        if job is None:
            raise NotFound("no such replay", "id")
        return _state(job)

    async def file(self, request: Any) -> web.StreamResponse:
        job = await asyncio.to_thread(self.jobs.get, request.match_info["id"])
        name = request.match_info["name"]
        if job is None or job.status != "done" or name not in FILES:
            raise NotFound("no such report", "name")
        return web.FileResponse(job.out / name)


def routes(jobs: ReplayJobs) -> list[Route]:
    """The sandbox routes: rule authors, auditors and admins (the ``sandbox`` grant)."""
    v = Views(jobs)
    return [
        Route("POST", "/v1/sandbox/replays", v.post, "sandbox",
              "Start a replay: JSON naming a server-side history, or the history uploaded as "
              f"the body ({UPLOAD}) with the policies in the query string", ReplayRequest,
              ReplayState, query=ReplayPolicies, raw=UPLOAD, status=202,
              errors=(400, 413, 422, 429)),
        Route("GET", "/v1/sandbox/replays/{id}", v.get, "sandbox",
              "A replay's state and progress; its summary and report links once done",
              answer=ReplayState),
        Route("GET", "/v1/sandbox/replays/{id}/{name}", v.file, "sandbox",
              f"A finished replay's report file: {', '.join(FILES)}", produces=REPORT_TYPES),
    ]
