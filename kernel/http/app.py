"""The aiohttp application: the kernel's and plugins' routes, roles, errors, OpenAPI, sweeper."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiohttp import web

from kernel.core import Kernel
from kernel.http import apimodels as m
from kernel.http import views as v
from kernel.http.auth import ServerConfig, TokenTable
from kernel.http.crosssite import cross_site
from kernel.http.errors import error, errors, protocol_errors_as_json
from kernel.http.groupcommit import writer
from kernel.http.openapi import docs_page, openapi
from kernel.http.views import KERNEL, LIFECYCLE
from kernel.ids import mask_logs
from kernel.manager import PluginError, call_each
from kernel.models import Application, Decision, Item
from kernel.routes import Route
from kernel.store.lifecycle import Lifecycle
from kernel.store.recompute import CalendarWatch
from kernel.store.rulesedit import RulesEditor

__all__ = ["KERNEL", "LIFECYCLE", "ROUTES", "create_app", "openapi"]
log = logging.getLogger("onetrip.api")
CONFIG = web.AppKey("config", ServerConfig)
MOUNTED = web.AppKey("mounted", tuple)  # (owner, Route) pairs, the kernel's first
SPEC = web.AppKey("spec", dict)
Mounted = Sequence[tuple[str, Route]]


async def spec(request: web.Request) -> web.Response:
    return v.answer(request.app[SPEC])


async def docs(request: web.Request) -> web.Response:
    return web.Response(text=docs_page(request.app[MOUNTED]), content_type="text/html")


ROUTES = (
    Route("POST", "/v1/evaluate", v.evaluate, "read", "Decide an application; nothing stored",
          Application, Decision),
    Route("POST", "/v1/cases", v.submit, "cases",
          "Submit an application; stored with its decision (Idempotency-Key header)",
          Application, m.CaseCreated, headers=m.SubmitHeaders, status=201, also=(200,)),
    Route("GET", "/v1/cases", v.list_cases, "read", "List cases by state, overdue",
          answer=m.CaseList, query=m.ListQuery),
    Route("GET", "/v1/cases/{id}", v.get_case, "read",
          "A case: state, decision, due dates, remaining working days, events",
          answer=m.CaseView, query=m.AsOfQuery),
    Route("POST", "/v1/cases/{id}/supplements", v.supplement, "cases",
          "Record tolerated materials brought in", m.SupplementRequest, m.CaseView,
          errors=(409,)),
    Route("POST", "/v1/cases/{id}/clock", v.clock, "cases",
          "Pause the clock for an art. 45 step with its expected length (a notice to the "
          "applicant), or resume it", m.ClockRequest, m.CaseView, errors=(409,)),
    Route("POST", "/v1/cases/{id}/correction-notice", v.correction_notice, "cases",
          "Record that the one-time correction notice reached the applicant (art. 32: within "
          "five working days of receipt, else the case is deemed accepted)",
          m.CorrectionNoticeRequest, m.CaseView, errors=(409,)),
    Route("POST", "/v1/cases/{id}/extension", v.extend, "cases",
          "Extend the limit once, approved by the organ head, with the reason told to the "
          "applicant (art. 42: +10 working days, +15 for joint handling)",
          m.ExtensionRequest, m.CaseView, errors=(409,)),
    Route("POST", "/v1/cases/{id}/complete", v.complete, "cases",
          "Decide: granted, or not granted with reasons and the applicant's remedies; the "
          "decision is served within 10 working days (art. 44)", m.CompleteRequest,
          m.CaseView, errors=(409,)),
    Route("GET", "/v1/items", v.items, "read", "The item catalogue", answer=list[Item]),
    Route("GET", "/v1/items/{code}", v.item, "read", "One item", answer=Item),
    Route("GET", "/v1/plugins", v.plugins, "read", "Loaded plugins and their hooks",
          answer=list[m.PluginInfo]),
    Route("GET", "/v1/facts", v.facts, "read",
          "Facts rules may name: type, description, the plugin that provides it",
          answer=list[m.FactInfo]),
    Route("GET", "/v1/rulesets", v.rulesets, "read", "Rulesets loaded",
          answer=list[m.RulesetInfo]),
    Route("PUT", "/v1/rulesets/{ruleset}", v.put_ruleset, "rules",
          "Change (same version) or add a ruleset file, YAML body, as a new revision (the text "
          "replaced is kept); a rule author only for their department. Checked with the whole "
          "rulebook and its department's YAML cases, then live", answer=m.RulesChanged,
          raw="application/yaml", query=m.ReasonQuery),
    Route("GET", "/v1/rulesets/{ruleset}", v.get_ruleset, "read",
          "The YAML of the ruleset's file in force (today, on=, or version=)",
          query=m.RulesetQuery, produces=("application/yaml",)),
    Route("GET", "/v1/rulesets/{ruleset}/versions", v.ruleset_versions, "read",
          "The files in force and every revision, oldest first", answer=m.RulesetVersions),
    Route("GET", "/v1/rulesets/{ruleset}/versions/{revision}", v.ruleset_revision, "read",
          "The YAML of one revision", produces=("application/yaml",), errors=(409,)),
    Route("POST", "/v1/rulesets/{ruleset}/rollback", v.rollback_ruleset, "rules",
          "Make a revision live again, as a new revision (checked like a change)",
          m.RollbackRequest, m.RulesChanged, errors=(409,)),
    Route("GET", "/v1/audit", v.audit, "read",
          "The rules audit log, newest first: who, when, what, why, hash", answer=m.AuditPage,
          query=m.AuditQuery),
    Route("GET", "/v1/calendar/deadline", v.deadline, "read",
          "When a limit counted from a start day ends", answer=m.Deadline,
          query=m.DeadlineQuery),
    Route("POST", "/v1/calendar/schedules", v.load_schedule, "admin",
          "Install a State Council holiday notice (YAML override file) in the hall's notice "
          "folder and count the open cases' due dates again (due_recomputed events)",
          answer=m.ScheduleLoaded, query=m.ScheduleQuery, raw="application/yaml",
          errors=(409,)),
    Route("GET", "/healthz", v.healthz, "public", "Liveness and database", answer=m.Health),
    Route("GET", "/openapi.json", spec, "public", "This API's OpenAPI 3.1 document"),
    Route("GET", "/docs", docs, "public", "A page listing the routes", produces=("text/html",)),
)


def plugin_routes(kernel: Kernel) -> list[tuple[str, Route]]:
    """The routes every plugin declares (``onetrip_web_routes``), each with its plugin."""
    out = []
    for name, routes in call_each(kernel.pm, "onetrip_web_routes", kernel=kernel):
        for route in routes or ():
            if not isinstance(route, Route):
                raise PluginError(name, "onetrip_web_routes",
                                  TypeError(f"{route!r} is not a kernel.routes.Route"))
            out.append((name, route))
    return out


def _check_unique(mounted: Mounted) -> None:
    seen: dict[tuple[str, str], str] = {}
    for owner, r in mounted:
        if (r.method, r.path) in seen:
            raise PluginError(owner, "onetrip_web_routes", ValueError(
                f"{r.method} {r.path} is already served by {seen[r.method, r.path]}"))
        seen[r.method, r.path] = owner


def _handler(route: Route) -> Any:
    """The route's handler; what it returns that is not a response is answered as JSON."""
    async def handle(request: web.Request) -> web.StreamResponse:
        result = await route.handler(request)
        if isinstance(result, web.StreamResponse):
            return result
        return v.answer(result, route.status)

    return handle


def auth(tokens: TokenTable, mounted: Mounted) -> Any:
    """The one auth middleware: each route's declared grant. An unknown path is 404, and a
    method the path does not serve 405, whoever asks: they reveal nothing."""
    grants = {(r.method, r.path): r.grant for _, r in mounted}

    @web.middleware
    async def check(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.match_info.http_exception is not None:
            return await handler(request)  # raises the 404 or 405
        path = request.match_info.route.resource.canonical
        grant = grants.get((request.method, path), "read")
        if grant == "public":
            return await handler(request)
        who = tokens.principal(request.headers.get("Authorization"))
        if who is None:
            return error(401, "unauthorized", "a valid bearer token is required")
        if not who.may(grant):
            return error(403, "forbidden", f"role {who.role} may not do this ({grant})")
        request[v.PRINCIPAL] = who
        return await handler(request)

    return check


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
    """A cleanup_ctx resource: reloads the rules when another process changed a rule file,
    and the calendar (recounting open cases) when one installed a holiday notice."""

    async def run(app: web.Application) -> AsyncIterator[None]:
        async def loop() -> None:
            while True:
                await asyncio.sleep(interval)
                try:  # on the rules thread: evaluations never see a rulebook being closed
                    await asyncio.get_running_loop().run_in_executor(
                        app[v.RULES_THREAD], app[v.RULES].refresh)
                except Exception:
                    log.exception("rules check failed; retrying in %ss", interval)
                try:  # a notice another process installed: recount the open cases
                    await asyncio.to_thread(app[v.SCHEDULES].refresh)
                except Exception:
                    log.exception("calendar check failed; retrying in %ss", interval)

        async with _background(loop()):
            yield

    return run


async def rules_thread(app: web.Application) -> AsyncIterator[None]:
    """A cleanup_ctx resource: the one thread that evaluates cases and reloads rules."""
    app[v.RULES_THREAD] = pool = ThreadPoolExecutor(1, thread_name_prefix="onetrip-rules")
    yield
    await asyncio.to_thread(pool.shutdown)  # the work under way finishes, off the loop


def create_app(kernel: Kernel, config: ServerConfig | None = None,
               sweep: bool = True) -> web.Application:
    """The API application for a started kernel: its routes and every plugin's, mounted."""
    config = config or ServerConfig()
    mask_logs()
    protocol_errors_as_json()
    mounted = tuple([("kernel", r) for r in ROUTES] + plugin_routes(kernel))
    _check_unique(mounted)
    tokens = TokenTable(config.tokens)
    app = web.Application(middlewares=[errors, cross_site(tokens, mounted), auth(tokens, mounted)],
                          client_max_size=1 << 20)
    app[KERNEL], app[CONFIG], app[MOUNTED] = kernel, config, mounted
    app[LIFECYCLE] = Lifecycle(kernel, config.warnings)
    app[v.RULES] = RulesEditor(kernel)
    app[v.SCHEDULES] = CalendarWatch(app[LIFECYCLE])
    app[SPEC] = openapi(mounted)
    app.cleanup_ctx.append(rules_thread)
    app.cleanup_ctx.append(writer(app[LIFECYCLE].intake))
    for _, route in mounted:
        app.router.add_route(route.method, route.path, _handler(route))
    if sweep:
        app.cleanup_ctx.append(sweeper(config.sweep_interval))
        app.cleanup_ctx.append(rules_watch(config.rules_check_interval))
    return app
