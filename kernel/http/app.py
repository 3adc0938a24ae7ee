"""The aiohttp application: routes, roles, JSON errors, OpenAPI and the in-server sweeper."""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema

import calendars
from kernel.catalogue import UnknownItem
from kernel.core import InputError, Kernel
from kernel.http import apimodels as m
from kernel.http import views as v
from kernel.http.auth import ServerConfig, TokenTable
from kernel.http.groupcommit import writer
from kernel.http.views import KERNEL, LIFECYCLE
from kernel.manager import call_each
from kernel.models import Application, Decision, Item
from kernel.store.lifecycle import IdempotencyConflict, Lifecycle, NotFound, StateError
from kernel.store.rulesedit import Forbidden, RulesEditor
from kernel.yamlsrc import SourceError

__all__ = ["KERNEL", "LIFECYCLE", "create_app"]
log = logging.getLogger("onetrip.api")
CONFIG = web.AppKey("config", ServerConfig)
PUBLIC = ("/healthz", "/openapi.json", "/docs")


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Any
    grant: str
    summary: str
    body: type[BaseModel] | None = None
    answer: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    raw: str | None = None  # media type of a body that is not JSON


ROUTES = (
    Route("POST", "/v1/evaluate", v.evaluate, "read", "Decide an application; nothing stored",
          Application, Decision),
    Route("POST", "/v1/cases", v.submit, "cases",
          "Submit an application; stored with its decision (Idempotency-Key header)",
          Application, m.CaseCreated),
    Route("GET", "/v1/cases", v.list_cases, "read", "List cases by state, overdue",
          answer=m.CaseList, query=m.ListQuery),
    Route("GET", "/v1/cases/{id}", v.get_case, "read",
          "A case: state, decision, due dates, remaining working days, events",
          answer=m.CaseView, query=m.AsOfQuery),
    Route("POST", "/v1/cases/{id}/supplements", v.supplement, "cases",
          "Record tolerated materials brought in", m.SupplementRequest, m.CaseView),
    Route("POST", "/v1/cases/{id}/clock", v.clock, "cases",
          "Pause the clock for an art. 45 step with its expected length (a notice to the "
          "applicant), or resume it", m.ClockRequest, m.CaseView),
    Route("POST", "/v1/cases/{id}/correction-notice", v.correction_notice, "cases",
          "Record that the one-time correction notice reached the applicant (art. 32: within "
          "five working days of receipt, else the case is deemed accepted)",
          m.CorrectionNoticeRequest, m.CaseView),
    Route("POST", "/v1/cases/{id}/extension", v.extend, "cases",
          "Extend the limit once, approved by the organ head, with the reason told to the "
          "applicant (art. 42: +10 working days, +15 for joint handling)",
          m.ExtensionRequest, m.CaseView),
    Route("POST", "/v1/cases/{id}/complete", v.complete, "cases",
          "Decide: granted, or not granted with reasons and the applicant's remedies; the "
          "decision is served within 10 working days (art. 44)", m.CompleteRequest,
          m.CaseView),
    Route("GET", "/v1/items", v.items, "read", "The item catalogue", answer=Item),
    Route("GET", "/v1/items/{code}", v.item, "read", "One item", answer=Item),
    Route("GET", "/v1/plugins", v.plugins, "read", "Loaded plugins and their hooks"),
    Route("GET", "/v1/rulesets", v.rulesets, "read", "Rulesets loaded",
          answer=m.RulesetInfo),
    Route("PUT", "/v1/rulesets/{ruleset}", v.put_ruleset, "rules",
          "Replace (same version) or add a ruleset file, YAML body; a rule author only for "
          "their department. Checked with the whole rulebook, then live", answer=m.RulesChanged,
          raw="application/yaml"),
    Route("GET", "/v1/calendar/deadline", v.deadline, "read",
          "When a limit counted from a start day ends", answer=m.Deadline,
          query=m.DeadlineQuery),
    Route("GET", "/healthz", v.healthz, "public", "Liveness and database", answer=m.Health),
)


def _error(status: int, code: str, message: str, field: str | None = None) -> web.Response:
    return v.answer({"error": {"code": code, "message": message, "field": field}}, status)


def _loc(err: dict) -> str | None:
    return ".".join(str(p) for p in err["loc"]) or None


HTTP_CODES = {401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 413: "body_too_large"}


# (type, status, code): the kernel's error types, mapped once, most specific first.
ERRORS: tuple[tuple[type[BaseException], int, str], ...] = (
    (v.BadJSON, 400, "malformed_json"),
    (NotFound, 404, "not_found"),
    (IdempotencyConflict, 422, "idempotency_key_reused"),
    (UnknownItem, 422, "unknown_item"),
    (InputError, 422, "invalid"),
    (calendars.CalendarCoverageError, 422, "calendar_not_covered"),
    (SourceError, 422, "rules_invalid"),
    (Forbidden, 403, "forbidden"),
)


@web.middleware
async def errors(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return _error(exc.status, HTTP_CODES.get(exc.status, "bad_request"), exc.reason)
    except ValidationError as exc:
        err = exc.errors()[0]
        return _error(422, "invalid", f"{err['msg']}", _loc(err))
    except StateError as exc:
        return _error(409, exc.code, str(exc), exc.field)
    except tuple(t for t, _, _ in ERRORS) as exc:
        status, code = next((s, c) for t, s, c in ERRORS if isinstance(exc, t))
        if isinstance(exc, SourceError):  # each problem with its file:line
            return v.answer({"error": {"code": code, "message": str(exc), "field": "body",
                                       "problems": [vars(p) for p in exc.problems]}}, status)
        return _error(status, code, str(exc), getattr(exc, "field", None))
    except Exception:
        log.exception("internal error on %s %s", request.method, request.path)
        return _error(500, "internal", "internal error; it has been logged")


def auth(tokens: TokenTable) -> Any:
    grants = {(r.method, r.path): r.grant for r in ROUTES}

    @web.middleware
    async def check(request: web.Request, handler: Any) -> web.StreamResponse:
        route = request.match_info.route.resource
        path = route.canonical if route is not None else request.path
        grant = grants.get((request.method, path)) or _plugin_grant(request)
        if path in PUBLIC or grant == "public":
            return await handler(request)
        who = tokens.principal(request.headers.get("Authorization"))
        if who is None:
            return _error(401, "unauthorized", "a valid bearer token is required")
        if not who.may(grant):
            return _error(403, "forbidden", f"role {who.role} may not do this ({grant})")
        request[v.PRINCIPAL] = who
        return await handler(request)

    return check


def _plugin_grant(request: web.Request) -> str:
    """A plugin route's grant: its handler's ``grant`` attribute, else read for GET only."""
    declared = getattr(request.match_info.handler, "grant", None)
    return declared or ("read" if request.method in ("GET", "HEAD") else "cases")


def openapi() -> dict[str, Any]:
    """The OpenAPI document, its schemas generated from the pydantic models."""
    used = {r.body for r in ROUTES} | {r.answer for r in ROUTES} | {m.ErrorBody}
    models = sorted((x for x in used if x), key=lambda x: x.__name__)
    keys, defs = models_json_schema([(x, "validation") for x in models],
                                    ref_template="#/components/schemas/{model}")
    paths: dict[str, Any] = {}
    for r in ROUTES:
        op: dict[str, Any] = {"summary": r.summary, "responses": _responses(r, keys)}
        if r.body is not None:
            op["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": keys[(r.body, "validation")]}}}
        elif r.raw:
            op["requestBody"] = {"required": True, "content": {r.raw: {"schema": {
                "type": "string"}}}}
        params = [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
                  for p in ("id", "code", "ruleset") if "{" + p + "}" in r.path]
        if r.query is not None:
            params += [{"name": k, "in": "query", "required": f.is_required(),
                        "description": f.description or ""}
                       for k, f in r.query.model_fields.items()]
        if params:
            op["parameters"] = params
        paths.setdefault(r.path, {})[r.method.lower()] = op
    return {"openapi": "3.1.0", "info": {"title": "onetrip", "version": "1"},
            "paths": paths, "components": {"schemas": defs.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearer": []}]}


def _responses(r: Route, keys: dict) -> dict[str, Any]:
    err = {"content": {"application/json": {"schema": keys[(m.ErrorBody, "validation")]}}}
    ok: dict[str, Any] = {"description": "success"}
    if r.answer is not None:
        ok["content"] = {"application/json": {"schema": keys[(r.answer, "validation")]}}
    return {"200": ok, "4XX": {"description": "bad input, role or state", **err}}


async def spec(request: web.Request) -> web.Response:
    return v.answer(openapi())


async def docs(request: web.Request) -> web.Response:
    rows = "".join(f"<tr><td><code>{r.method}</code></td><td><code>{html.escape(r.path)}"
                   f"</code></td><td>{html.escape(r.summary)}</td><td>{r.grant}</td></tr>"
                   for r in ROUTES)
    page = (f"<!doctype html><meta charset=utf-8><title>onetrip API</title>"
            f"<h1>onetrip API</h1><p>Machine-readable: <a href=/openapi.json>/openapi.json"
            f"</a>. Send <code>Authorization: Bearer &lt;token&gt;</code>.</p><table border=1>"
            f"<tr><th>method</th><th>path</th><th>what</th><th>grant</th></tr>{rows}</table>")
    return web.Response(text=page, content_type="text/html")


@contextlib.asynccontextmanager
async def _background(work: Any) -> AsyncIterator[None]:
    """Run ``work`` as a task while the application serves; cancel it on shutdown."""
    task = asyncio.create_task(work)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def sweeper(interval: float) -> Any:
    """A cleanup_ctx resource: fires due timers every ``interval`` seconds while serving."""

    async def run(app: web.Application) -> AsyncIterator[None]:
        async def loop() -> None:
            while True:
                try:
                    await asyncio.get_running_loop().run_in_executor(None, app[LIFECYCLE].sweep)
                except Exception:
                    log.exception("timer sweep failed; retrying in %ss", interval)
                await asyncio.sleep(interval)

        async with _background(loop()):
            yield

    return run


def rules_watch(interval: float) -> Any:
    """A cleanup_ctx resource: reloads the rules when another process changed a rule file."""

    async def run(app: web.Application) -> AsyncIterator[None]:
        async def loop() -> None:
            while True:
                await asyncio.sleep(interval)
                try:  # on this thread: evaluations never see a rulebook being closed
                    app[v.RULES].refresh()
                except Exception:
                    log.exception("rules check failed; retrying in %ss", interval)

        async with _background(loop()):
            yield

    return run


def create_app(kernel: Kernel, config: ServerConfig | None = None,
               sweep: bool = True) -> web.Application:
    """The API application for a started kernel; plugins add their routes."""
    config = config or ServerConfig()
    tokens = TokenTable(config.tokens)
    app = web.Application(middlewares=[errors, auth(tokens)], client_max_size=1 << 20)
    app[KERNEL], app[CONFIG] = kernel, config
    app[LIFECYCLE] = Lifecycle(kernel, config.warnings)
    app.cleanup_ctx.append(writer(app[LIFECYCLE].intake))
    for r in ROUTES:
        app.router.add_route(r.method, r.path, r.handler)
    app.router.add_get("/openapi.json", spec)
    app.router.add_get("/docs", docs)
    app[v.RULES] = RulesEditor(kernel)
    if sweep:
        app.cleanup_ctx.append(sweeper(config.sweep_interval))
        app.cleanup_ctx.append(rules_watch(config.rules_check_interval))
    call_each(kernel.pm, "onetrip_web_routes", app=app)
    from sandbox import api as sandbox_api  # replays of history under a draft policy

    sandbox_api.setup(app, sandbox_api.ReplayJobs.for_kernel(kernel))
    return app
