"""HTTP routes under /v1/oa/, declared for the kernel to mount: documents, due steps, chasing."""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kernel.core import InputError
from kernel.models import Day, Moment
from kernel.routes import Route, parse_json, parse_query
from plugins.oa.answers import Chased, DocumentView, DueList, Metrics
from plugins.oa.metrics import metrics
from plugins.oa.models import Advance, NewDocument
from plugins.oa.service import OAService, now


class AsOf(BaseModel):
    as_of: Moment | None = Field(None, description="the moment to look from; default now")


class Period(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: Day | None = Field(None, alias="from", description="first day counted")
    to: Day | None = Field(None, description="last day counted")
    department: str | None = Field(None, min_length=1,
                                   description="only this lead department (- for none)")


class Views:
    """The handlers, over one OA service; database work runs off the event loop."""

    def __init__(self, service: OAService):
        self.service = service

    async def create(self, request: Any) -> Any:
        new = parse_json(await request.read(), NewDocument)
        return await asyncio.to_thread(self.service.create, new)

    async def get(self, request: Any) -> Any:
        return await asyncio.to_thread(self.service.get, request.match_info["doc_id"])

    async def advance(self, request: Any) -> Any:
        adv = parse_json(await request.read(), Advance)
        return await asyncio.to_thread(self.service.advance, request.match_info["doc_id"], adv)

    async def due(self, request: Any) -> Any:
        as_of = parse_query(request.query, AsOf).as_of or now()
        return await asyncio.to_thread(self.service.due, as_of)

    async def chase(self, request: Any) -> Any:
        as_of = parse_query(request.query, AsOf).as_of or now()
        return {"chased": await asyncio.to_thread(self.service.chase, as_of)}

    async def rates(self, request: Any) -> Any:
        q = parse_query(request.query, Period)
        if q.from_ and q.to and q.to < q.from_:
            raise InputError("to", "to is before from")
        return await asyncio.to_thread(metrics, self.service.engine, q.from_, q.to,
                                       q.department)


def routes(service: OAService) -> list[Route]:
    """The OA routes: writes need the ``cases`` grant, reads ``read``."""
    v = Views(service)
    return [
        Route("POST", "/v1/oa/documents", v.create, "cases",
              "Enter a document into its flow (收文 signed in, 发文 drafted)",
              NewDocument, DocumentView, status=201),
        Route("GET", "/v1/oa/documents/{doc_id}", v.get, "read",
              "A document with its steps and their due times", answer=DocumentView),
        Route("POST", "/v1/oa/documents/{doc_id}/advance", v.advance, "cases",
              "Finish the current step (done, or returned with a reason)", Advance,
              DocumentView, errors=(409,)),
        Route("GET", "/v1/oa/due", v.due, "read", "Open steps overdue or due soon",
              answer=DueList, query=AsOf),
        Route("POST", "/v1/oa/chase", v.chase, "cases",
              "Chase (催办) every open step whose chase time has come; each once",
              answer=Chased, query=AsOf),
        Route("GET", "/v1/oa/metrics", v.rates, "read",
              "Delay rate (延误率) and error rate (错误率), overall, by department and month",
              answer=Metrics, query=Period),
    ]
