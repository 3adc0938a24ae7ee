"""HTTP routes under /v1/oa/: documents, steps, due and overdue lists, chasing, metrics."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any

from aiohttp import web
from pydantic import AwareDatetime, TypeAdapter, ValidationError

from calendars import CalendarCoverageError
from kernel.http.app import KERNEL
from plugins.oa.metrics import metrics
from plugins.oa.models import Advance, NewDocument
from plugins.oa.service import OAError, OAService, now

routes = web.RouteTableDef()
Handler = Callable[[web.Request], Awaitable[web.Response]]
_WHEN = TypeAdapter(AwareDatetime)
_DAY = TypeAdapter(date)


def add_routes(app: web.Application) -> None:
    app.router.add_routes(routes)


def error(status: int, code: str, message: str, field: str | None = None) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message, "field": field}},
                             status=status)


def _answers(handler: Handler) -> Handler:
    """Bad input of any kind becomes a 4xx JSON error naming the field; never a 500."""
    async def wrapped(request: web.Request) -> web.Response:
        try:
            return await handler(request)
        except OAError as exc:
            return error(exc.status, exc.code, str(exc), exc.field)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or None
            return error(422, "invalid", f"{field}: {first['msg']}", field)
        except CalendarCoverageError as exc:
            return error(422, "calendar_not_covered", str(exc), None)
    return wrapped


def _service(request: web.Request) -> OAService:
    from plugins.oa import service_of

    return service_of(request.app[KERNEL])


async def _body(request: web.Request) -> Any:
    try:
        return await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise OAError(400, "malformed_json", f"the body is not JSON: {exc}") from None


def _query(request: web.Request, name: str, adapter: TypeAdapter, default: Any = None) -> Any:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        return adapter.validate_python(raw)
    except ValidationError as exc:
        raise OAError(422, "invalid", f"{name}: {exc.errors()[0]['msg']}", name) from None


def _as_of(request: web.Request) -> datetime:
    return _query(request, "as_of", _WHEN) or now()


@routes.post("/v1/oa/documents")
@_answers
async def create_document(request: web.Request) -> web.Response:
    new = NewDocument.model_validate(await _body(request))
    return web.json_response(_service(request).create(new), status=201)


@routes.get("/v1/oa/documents/{doc_id}")
@_answers
async def get_document(request: web.Request) -> web.Response:
    return web.json_response(_service(request).get(request.match_info["doc_id"]))


@routes.post("/v1/oa/documents/{doc_id}/advance")
@_answers
async def advance_document(request: web.Request) -> web.Response:
    adv = Advance.model_validate(await _body(request))
    return web.json_response(_service(request).advance(request.match_info["doc_id"], adv))


@routes.get("/v1/oa/due")
@_answers
async def due_steps(request: web.Request) -> web.Response:
    return web.json_response(_service(request).due(_as_of(request)))


@routes.post("/v1/oa/chase")
@_answers
async def chase_steps(request: web.Request) -> web.Response:
    return web.json_response({"chased": _service(request).chase(_as_of(request))})


@routes.get("/v1/oa/metrics")
@_answers
async def rates(request: web.Request) -> web.Response:
    start, end = _query(request, "from", _DAY), _query(request, "to", _DAY)
    if start and end and end < start:
        raise OAError(422, "invalid", "to is before from", "to")
    service = _service(request)
    return web.json_response(metrics(service.engine, start, end,
                                     request.query.get("department") or None))
