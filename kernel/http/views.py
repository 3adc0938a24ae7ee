"""Request handlers of the HTTP API; each parses with a pydantic model and answers JSON."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time
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
from kernel.models import TimeLimit
from kernel.store.lifecycle import Lifecycle
from kernel.store.rulesedit import RulesEditor

KERNEL = web.AppKey("kernel", Kernel)
LIFECYCLE = web.AppKey("lifecycle", Lifecycle)
RULES = web.AppKey("rules", RulesEditor)
# Who is calling, set by the auth middleware (aiohttp before 3.12 has no RequestKey).
PRINCIPAL: Any = (web.RequestKey("principal", Principal) if hasattr(web, "RequestKey")
                  else "onetrip.principal")


class BadJSON(ValueError):
    field = None


def answer(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=to_json(data), status=status, content_type="application/json")


async def body(request: web.Request, model: type[BaseModel] | None = None,
               optional: bool = False) -> Any:
    raw = await request.read()
    if not raw.strip() and optional:
        raw = b"{}"
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadJSON(f"request body is not JSON: {exc}") from None
    return data if model is None else model.model_validate(data)


def query(request: web.Request, model: type[BaseModel]) -> Any:
    return model.model_validate(dict(request.query))


@contextmanager
def dated(field: str) -> Iterator[None]:
    """A date the calendar does not cover comes from ``field``: the error names it."""
    try:
        yield
    except calendars.CalendarCoverageError as exc:
        exc.field = field
        raise


async def evaluate(request: web.Request) -> web.Response:
    data = await body(request)
    with dated("submitted_at"):
        decision, _ = request.app[KERNEL].evaluate(data)
    return answer(decision.model_dump(mode="json"))


async def submit(request: web.Request) -> web.Response:
    data = await body(request)
    key = request.headers.get("Idempotency-Key")
    lc = request.app[LIFECYCLE]
    with dated("submitted_at"):
        if key is None:  # evaluated here, outside any transaction
            sub = lc.prepare(data)
        else:  # looks the key up first
            sub = await asyncio.get_running_loop().run_in_executor(None, lc.prepare, data, key)
    if isinstance(sub, str):
        return answer({**lc.brief(sub), "created": False})
    done = await request.app[WRITER].submit(sub)
    return answer(done.answer(), status=201 if done.created else 200)


async def get_case(request: web.Request) -> web.Response:
    q = query(request, m.AsOfQuery)
    return answer(request.app[LIFECYCLE].get(request.match_info["id"], q.as_of))


async def list_cases(request: web.Request) -> web.Response:
    q = query(request, m.ListQuery)
    return answer({"cases": request.app[LIFECYCLE].find(q.state, q.overdue, q.as_of, q.limit,
                                                        q.offset)})


async def supplement(request: web.Request) -> web.Response:
    req = await body(request, m.SupplementRequest)
    lc, case_id = request.app[LIFECYCLE], request.match_info["id"]
    lc.supplement(case_id, req.materials, req.at)
    return answer(lc.get(case_id, req.at))


async def clock(request: web.Request) -> web.Response:
    req = await body(request, m.ClockRequest)
    lc, case_id = request.app[LIFECYCLE], request.match_info["id"]
    lc.clock(case_id, req.action, req.reason, req.at, req.length)
    return answer(lc.get(case_id, req.at))


async def correction_notice(request: web.Request) -> web.Response:
    req = await body(request, m.CorrectionNoticeRequest, optional=True)
    lc, case_id = request.app[LIFECYCLE], request.match_info["id"]
    lc.correction_notice(case_id, req.at)
    return answer(lc.get(case_id, req.at))


async def extend(request: web.Request) -> web.Response:
    req = await body(request, m.ExtensionRequest)
    lc, case_id = request.app[LIFECYCLE], request.match_info["id"]
    lc.extend(case_id, req.approver, req.reason, req.at, req.working_days)
    return answer(lc.get(case_id, req.at))


async def complete(request: web.Request) -> web.Response:
    req = await body(request, m.CompleteRequest)
    lc, case_id = request.app[LIFECYCLE], request.match_info["id"]
    lc.complete(case_id, req.result, req.reasons, req.at, req.review_body, req.court)
    return answer(lc.get(case_id, req.at))


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


async def rulesets(request: web.Request) -> web.Response:
    return answer([{
        "ruleset": f.ruleset, "version": f.version, "department": f.department,
        "title": f.title, "effective_from": f.effective.from_,
        "effective_until": f.effective.until, "file": Path(path).name,
    } for f, path, _line in request.app[KERNEL].rulebook.files])


async def put_ruleset(request: web.Request) -> web.Response:
    body = await request.read()
    editor, who = request.app[RULES], request.get(PRINCIPAL, ANONYMOUS_ADMIN)
    done = editor.put(request.match_info["ruleset"], body, who)
    return answer(done)


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
        end = request.app[KERNEL].calendar.due(start, limit)
    return answer({"start": q.start, "limit": limit.model_dump(), "due": end.when,
                   "provisional": end.provisional, "provisional_note": end.note})


async def healthz(request: web.Request) -> web.Response:
    kernel = request.app[KERNEL]
    return answer({"status": "ok", "database": kernel.db.dialect.name,
                   "rules": len(kernel.rulebook.rules)})
