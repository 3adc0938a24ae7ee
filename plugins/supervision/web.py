"""HTTP routes: ratings and follow-ups, warnings, accountability, KPIs and the dashboard."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kernel.core import InputError
from kernel.decide import HALL_TZ
from kernel.models import YEARS, Day, Moment
from kernel.routes import NotFound, Route, parse_json, parse_query
from kernel.store.caseview import DEFAULT_WARNINGS
from plugins.supervision.dashboard import all_kpis, dashboard
from plugins.supervision.service import NewRating, Reply, Supervision, now

PAGE = Path(__file__).with_name("dashboard.html")


class Period(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    from_: Day | None = Field(None, alias="from", description="first day counted")
    to: Day | None = Field(None, description="last day counted (and the day whose rules "
                           "decide the item figures; default today)")
    department: str | None = Field(None, min_length=1, max_length=64,
                                   description="only this department's items and cases")


class DashboardQuery(Period):
    day: Day | None = Field(None, description="the day shown as today (default today)")


class AsOf(BaseModel):
    model_config = ConfigDict(extra="forbid")
    as_of: Moment | None = Field(None, description="the moment to look from; default now")


class FollowUpQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["open", "closed"] | None = None


def _period(q: Period) -> tuple[date | None, date | None]:
    for name, day in (("from", q.from_), ("to", q.to), ("day", getattr(q, "day", None))):
        if day is not None and not YEARS[0] <= day.year <= YEARS[1]:
            raise InputError(name, f"a day in the years {YEARS[0]} to {YEARS[1]}")
    if q.from_ and q.to and q.to < q.from_:
        raise InputError("to", "to is before from")
    return q.from_, q.to


def _thresholds(request: Any) -> dict[str, int]:
    from kernel.http.app import CONFIG  # the server's config: its warning thresholds

    config = request.app.get(CONFIG)
    return {**DEFAULT_WARNINGS, **(config.warnings if config else {})}


def _follow_id(request: Any) -> int:
    text = request.match_info["id"]
    if not text.isdigit() or len(text) > 18:
        raise NotFound(f"no follow-up {text!r}", "id")
    return int(text)


class Views:
    def __init__(self, plugin: Any):
        self.plugin = plugin

    @property
    def sv(self) -> Supervision:
        return self.plugin.supervision

    async def rate(self, request: Any) -> Any:
        new = parse_json(await request.read(), NewRating)
        return await asyncio.to_thread(self.sv.rate, request.match_info["id"], new)

    async def reply(self, request: Any) -> Any:
        answer = parse_json(await request.read(), Reply)
        return await asyncio.to_thread(self.sv.reply, _follow_id(request), answer)

    async def follow_ups(self, request: Any) -> Any:
        q = parse_query(request.query, FollowUpQuery)
        return await asyncio.to_thread(self.sv.follow_ups, q.status)

    async def satisfaction(self, request: Any) -> Any:
        q = parse_query(request.query, Period)
        return await asyncio.to_thread(self.sv.satisfaction, *_period(q), q.department)

    async def warnings(self, request: Any) -> Any:
        as_of = parse_query(request.query, AsOf).as_of or now()
        return await asyncio.to_thread(self.sv.warnings, as_of, _thresholds(request))

    async def accountability(self, request: Any) -> Any:
        q = parse_query(request.query, Period)
        return await asyncio.to_thread(self.sv.accountability, *_period(q), q.department)

    async def accountability_of(self, request: Any) -> Any:
        return await asyncio.to_thread(self.sv.accountability_of, request.match_info["id"])

    async def kpis(self, request: Any) -> Any:
        q = parse_query(request.query, Period)
        return await self._rules(request, all_kpis, self.sv, *_period(q), q.department)

    async def data(self, request: Any) -> Any:
        q = parse_query(request.query, DashboardQuery)
        day = q.day or datetime.now(HALL_TZ).date()
        return await self._rules(request, dashboard, self.sv, day, *_period(q), q.department,
                                 _thresholds(request))

    async def _rules(self, request: Any, work: Any, *args: Any) -> Any:
        """Item figures decide reference cases: on the thread that evaluates and reloads."""
        from kernel.http.views import dated, on_rules_thread

        with dated("to"):
            return await on_rules_thread(request, work, *args)

    async def page(self, request: Any) -> Any:
        from aiohttp import web

        html = await asyncio.to_thread(PAGE.read_text, encoding="utf-8")
        return web.Response(text=html, content_type="text/html", headers={
            "Cache-Control": "no-store", "Content-Security-Policy":
            "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
            "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'"})


def routes(plugin: Any) -> list[Route]:
    v = Views(plugin)
    return [
        Route("POST", "/v1/cases/{id}/rating", v.rate, "cases",
              "An applicant's rating of a completed case (好差评); a bad one opens a follow-up "
              "with an owner and a due date", NewRating, status=201, errors=(404, 409)),
        Route("GET", "/v1/supervision/follow-ups", v.follow_ups, "supervise",
              "Follow-ups (整改) of bad ratings, by due date", query=FollowUpQuery),
        Route("POST", "/v1/supervision/follow-ups/{id}/reply", v.reply, "cases",
              "Answer a follow-up (整改反馈): closes it", Reply, errors=(404, 409)),
        Route("GET", "/v1/supervision/satisfaction", v.satisfaction, "supervise",
              "Satisfaction: good ratings / ratings, per department, item, window and month",
              query=Period),
        Route("GET", "/v1/supervision/warnings", v.warnings, "supervise",
              "The supervision list: open cases with a yellow, red or overdue warning",
              query=AsOf),
        Route("GET", "/v1/supervision/accountability", v.accountability, "supervise",
              "Cases completed late: overdue working days and the responsible step",
              query=Period),
        Route("GET", "/v1/cases/{id}/accountability", v.accountability_of, "supervise",
              "A late case's accountability record (责任追究)", errors=(404,)),
        Route("GET", "/v1/kpis", v.kpis, "read",
              "The yearbook's KPIs, each with its definition: item shares from the catalogue, "
              "case figures, satisfaction, OA delay and error rates", query=Period),
        Route("GET", "/v1/supervision/dashboard", v.data, "supervise",
              "Everything the hall dashboard shows, read at the close of a day",
              query=DashboardQuery),
        Route("GET", "/dashboard", v.page, "public",
              "The hall dashboard (HTML; its data needs an auditor's or admin's token)",
              produces=("text/html",)),
    ]
