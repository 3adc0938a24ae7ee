"""Request handlers of the HTTP API; each parses with a pydantic model and answers JSON."""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, time
from functools import partial
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import BaseModel
from pydantic_core import to_json

import calendars
from kernel.core import InputError, Kernel
from kernel.decide import HALL_TZ
from kernel.http import apimodels as m
from kernel.http.auth import ANONYMOUS_ADMIN, Principal
from kernel.http.groupcommit import WRITER
from kernel.manager import describe
from kernel.models import Application, TimeLimit
from kernel.routes import Conflict, NotFound, parse_json, parse_query
from kernel.schema import fact_rows
from kernel.store import rulesversions as versions
from kernel.store.lifecycle import Lifecycle
from kernel.store.recompute import CalendarWatch
from kernel.store.rulesedit import RulesEditor
from kernel.yamlsrc import SourceError, load

KERNEL = web.AppKey("kernel", Kernel)
LIFECYCLE = web.AppKey("lifecycle", Lifecycle)
RULES = web.AppKey("rules", RulesEditor)
SCHEDULES = web.AppKey("schedules", CalendarWatch)
RULES_THREAD = web.AppKey("rules_thread", ThreadPoolExecutor)
# Who is calling, set by the auth middleware (aiohttp before 3.12 has no RequestKey).
PRINCIPAL: Any = (web.RequestKey("principal", Principal) if hasattr(web, "RequestKey")
                  else "onetrip.principal")


def answer(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=to_json(data), status=status, content_type="application/json")


async def body(request: web.Request, model: type[BaseModel] | None = None,
               optional: bool = False) -> Any:
    return parse_json(await request.read(), model, optional)


def query(request: web.Request, model: type[BaseModel]) -> Any:
    return parse_query(request.query, model)


async def on_rules_thread(request: web.Request, work: Callable[..., Any], *args: Any) -> Any:
    """Run rule work (evaluation, rule files) on the one thread that also swaps the rules.

    Off the event loop, and never beside a reload: a rulebook is only closed on this thread,
    after the evaluations that use it.
    """
    pool = request.app[RULES_THREAD]
    return await asyncio.get_running_loop().run_in_executor(pool, partial(work, *args))


@contextmanager
def dated(field: str) -> Iterator[None]:
    """A date the calendar does not cover comes from ``field``: the error names it."""
    try:
        yield
    except calendars.CalendarCoverageError as exc:
        exc.field = field
        raise


async def evaluate(request: web.Request) -> web.Response:
    application = await body(request, Application)
    with dated("submitted_at"):
        decision, _ = await on_rules_thread(request, request.app[KERNEL].evaluate, application)
    return answer(decision.model_dump(mode="json"))


async def submit(request: web.Request) -> web.Response:
    raw = await request.read()
    data = parse_json(raw)  # as sent: an Idempotency-Key is checked against these bytes' JSON
    parse_json(raw, Application)  # refused here unless it is what the schema says
    key = m.SubmitHeaders.model_validate(
        {"Idempotency-Key": request.headers.get("Idempotency-Key")}).idempotency_key
    lc = request.app[LIFECYCLE]
    with dated("submitted_at"):  # evaluated outside any transaction; a key is looked up first
        sub = await on_rules_thread(request, lc.prepare, data, key)
    if isinstance(sub, str):
        return answer({**await asyncio.to_thread(lc.brief, sub), "created": False})
    done = await request.app[WRITER].submit(sub)
    return answer(done.answer(), status=201 if done.created else 200)


async def get_case(request: web.Request) -> web.Response:
    q = query(request, m.AsOfQuery)
    lc = request.app[LIFECYCLE]
    return answer(await asyncio.to_thread(lc.get, request.match_info["id"], q.as_of))


async def list_cases(request: web.Request) -> web.Response:
    q = query(request, m.ListQuery)
    lc = request.app[LIFECYCLE]
    found = await asyncio.to_thread(lc.find, q.state, q.overdue, q.as_of, q.limit, q.offset)
    return answer({"cases": found})


def _act_then_view(lc: Lifecycle, act: Callable[..., None], case_id: str, at: Any,
                   *args: Any, **kw: Any) -> dict[str, Any]:
    act(case_id, *args, at=at, **kw)
    return lc.get(case_id, at)


async def _act(request: web.Request, act: str, at: Any, *args: Any, **kw: Any) -> web.Response:
    """One action on the case the path names, then its view: off the loop, in one hop."""
    lc = request.app[LIFECYCLE]
    return answer(await asyncio.to_thread(_act_then_view, lc, getattr(lc, act),
                                          request.match_info["id"], at, *args, **kw))


async def supplement(request: web.Request) -> web.Response:
    req = await body(request, m.SupplementRequest)
    return await _act(request, "supplement", req.at, req.materials)


async def clock(request: web.Request) -> web.Response:
    req = await body(request, m.ClockRequest)
    return await _act(request, "clock", req.at, req.action, req.reason, length=req.length)


async def correction_notice(request: web.Request) -> web.Response:
    req = await body(request, m.CorrectionNoticeRequest, optional=True)
    return await _act(request, "correction_notice", req.at)


async def extend(request: web.Request) -> web.Response:
    req = await body(request, m.ExtensionRequest)
    return await _act(request, "extend", req.at, req.approver, req.reason,
                      working_days=req.working_days)


async def complete(request: web.Request) -> web.Response:
    req = await body(request, m.CompleteRequest)
    return await _act(request, "complete", req.at, req.result, req.reasons,
                      review_body=req.review_body, court=req.court)


async def items(request: web.Request) -> web.Response:
    return answer([i.model_dump(mode="json") for i in request.app[KERNEL].items.items.values()])


async def item(request: web.Request) -> web.Response:
    code = request.match_info["code"]
    found = request.app[KERNEL].items.items.get(code)
    if found is None:
        raise web.HTTPNotFound(reason=f"no item {code!r}")
    return answer(found.model_dump(mode="json"))


async def plugins(request: web.Request) -> web.Response:
    return answer(describe(request.app[KERNEL].pm))


async def facts(request: web.Request) -> web.Response:
    kernel = request.app[KERNEL]
    return answer(fact_rows(kernel.facts, kernel.own_rulebooks()))


async def rulesets(request: web.Request) -> web.Response:
    return answer([{
        "ruleset": f.ruleset, "version": f.version, "department": f.department,
        "title": f.title, "effective_from": f.effective.from_,
        "effective_until": f.effective.until, "file": Path(path).name,
    } for f, path, _line in request.app[KERNEL].rulebook.files])


async def put_ruleset(request: web.Request) -> web.Response:
    q = query(request, m.ReasonQuery)
    text = await request.read()
    editor, who = request.app[RULES], request.get(PRINCIPAL, ANONYMOUS_ADMIN)
    done = await on_rules_thread(request, editor.put, request.match_info["ruleset"], text, who,
                                 q.reason)
    return answer(done)


async def get_ruleset(request: web.Request) -> web.Response:
    """The YAML of the ruleset's file in force on a day (today), or of one version."""
    q = query(request, m.RulesetQuery)
    ruleset, book = request.match_info["ruleset"], request.app[KERNEL].rulebook
    files = [(f, path) for f, path, _ in book.files if f.ruleset == ruleset]
    if not files:
        raise NotFound(f"no ruleset {ruleset!r}", "ruleset")
    day = q.on or datetime.now(HALL_TZ).date()
    chosen = [(f, p) for f, p in files if (f.version == q.version if q.version else
              f.effective.from_ <= day and (f.effective.until is None or day <= f.effective.until))]
    if not chosen:
        raise NotFound(f"ruleset {ruleset} has no version {q.version!r}" if q.version else
                       f"no version of {ruleset} is in force on {day}",
                       "version" if q.version else "on")
    spec, path = chosen[0]
    text = await asyncio.to_thread(Path(path).read_bytes)
    return web.Response(body=text, content_type="application/yaml", charset="utf-8", headers={
        "ETag": f'"{hashlib.sha256(text).hexdigest()}"', "Onetrip-Version": spec.version})


async def ruleset_versions(request: web.Request) -> web.Response:
    ruleset, kernel = request.match_info["ruleset"], request.app[KERNEL]
    files = [(f, Path(p)) for f, p, _ in kernel.rulebook.files if f.ruleset == ruleset]
    revisions = await asyncio.to_thread(versions.history, kernel.db, ruleset)
    if not files and not revisions:
        raise NotFound(f"no ruleset {ruleset!r}", "ruleset")
    in_force = [{"version": f.version, "file": p.name, "effective_from": f.effective.from_,
                 "effective_until": f.effective.until,
                 "hash": hashlib.sha256(await asyncio.to_thread(p.read_bytes)).hexdigest()}
                for f, p in files]
    return answer({"ruleset": ruleset, "in_force": in_force, "revisions": revisions})


async def ruleset_revision(request: web.Request) -> web.Response:
    """The YAML of one revision, as it was written."""
    text = request.match_info["revision"]
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise NotFound(f"no revision {text!r}: revisions are numbered 1, 2, …", "revision")
    number = int(text)
    found = await asyncio.to_thread(versions.revision, request.app[KERNEL].db,
                                    request.match_info["ruleset"], number)
    return web.Response(text=found.text, content_type="application/yaml", headers={
        "ETag": f'"{found.hash}"', "Onetrip-Version": found.version})


async def rollback_ruleset(request: web.Request) -> web.Response:
    req = await body(request, m.RollbackRequest)
    editor, who = request.app[RULES], request.get(PRINCIPAL, ANONYMOUS_ADMIN)
    done = await on_rules_thread(request, editor.rollback, request.match_info["ruleset"],
                                 req.to, who, req.reason)
    return answer(done)


async def audit(request: web.Request) -> web.Response:
    q = query(request, m.AuditQuery)
    db = request.app[KERNEL].db
    return answer(await asyncio.to_thread(versions.audit, db, q.limit, q.offset, q.ruleset))


async def deadline(request: web.Request) -> web.Response:
    q = query(request, m.DeadlineQuery)
    unit = next(u for u in ("working_days", "calendar_days", "office_hours")
                if getattr(q, u) is not None)
    limit = TimeLimit(unit=unit, amount=getattr(q, unit))
    start = q.start
    if not isinstance(start, datetime):
        if unit == "office_hours":
            raise InputError("start", "office hours count from a moment: give a date and time")
        start = datetime.combine(start, time(12), HALL_TZ)
    with dated("start"):
        end = await asyncio.to_thread(request.app[KERNEL].calendar.due, start, limit)
    return answer({"start": q.start, "limit": limit.model_dump(), "due": end.when,
                   "provisional": end.provisional, "provisional_note": end.note})


async def load_schedule(request: web.Request) -> m.ScheduleLoaded:
    """Install a holiday notice (YAML override body) off the loop and recount open cases."""
    q = query(request, m.ScheduleQuery)
    text = await request.read()
    name = q.name or f"schedule-{hashlib.sha256(text).hexdigest()[:12]}.yaml"
    await asyncio.to_thread(_bounded, name, text)
    try:
        done, moved = await asyncio.to_thread(_install, request.app[SCHEDULES], name, text,
                                              q.replace)
    except calendars.OverrideError as exc:
        if "exists with other content" in str(exc):
            raise Conflict(f"{name} exists with other content; give replace=true", "name",
                           "schedule_exists") from None
        raise InputError("body", " ".join(str(exc).split())) from None
    return m.ScheduleLoaded(installed=done.path.name, covers=list(done.covers),
                            settled=list(done.settled), recomputed=moved)


def _bounded(name: str, text: bytes) -> None:
    """The bounds every rule file has (size, depth, aliases), checked before the calendar's
    own loader expands anything: an alias bomb is a 422 in milliseconds."""
    try:
        load(name, text.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError("body", f"a holiday notice is UTF-8 text: {exc}") from None
    except SourceError as exc:
        raise InputError("body", str(exc)) from None


def _install(watch: CalendarWatch, name: str, text: bytes, replace: bool) -> tuple[Any, int]:
    with tempfile.TemporaryDirectory() as staging:
        path = Path(staging) / name
        path.write_bytes(text)
        try:
            return watch.install(path, replace)
        except calendars.OverrideError as exc:  # name the file as the caller sent it
            raise calendars.OverrideError(str(exc).replace(f"{staging}/", "")) from None


async def healthz(request: web.Request) -> web.Response:
    kernel = request.app[KERNEL]
    return answer({"status": "ok", "database": kernel.db.dialect.name,
                   "rules": len(kernel.rulebook.rules)})
