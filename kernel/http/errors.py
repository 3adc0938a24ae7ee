"""One error body for every route: kernel and plugin errors mapped to a status and a code."""

from __future__ import annotations

import logging
import re
from typing import Any

from aiohttp import http_exceptions as hx
from aiohttp import web, web_protocol, web_server
from pydantic import ValidationError
from pydantic_core import to_json

import calendars
from kernel.catalogue import UnknownItem
from kernel.core import InputError
from kernel.routes import RouteError
from kernel.store.lifecycle import IdempotencyConflict, NotFound, StateError
from kernel.store.rulesedit import Forbidden
from kernel.yamlsrc import SourceError

log = logging.getLogger("onetrip.api")
HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 413: "body_too_large", 415: "unsupported_media_type",
              429: "busy"}
KEPT_HEADERS = ("Allow",)  # what a 405 must still say once its body is ours

# (type, status, code): the kernel's error types, mapped once, most specific first.
ERRORS: tuple[tuple[type[BaseException], int, str], ...] = (
    (NotFound, 404, "not_found"),
    (IdempotencyConflict, 422, "idempotency_key_reused"),
    (UnknownItem, 422, "unknown_item"),
    (InputError, 422, "invalid"),
    (calendars.CalendarCoverageError, 422, "calendar_not_covered"),
    (SourceError, 422, "rules_invalid"),
    (Forbidden, 403, "forbidden"),
)
KNOWN = (RouteError, *(t for t, _, _ in ERRORS))


def error(status: int, code: str, message: str, field: str | None = None,
          **extra: Any) -> web.Response:
    """The one error body: ``{"error": {"code", "message", "field"}}``."""
    body = {"error": {"code": code, "message": message, "field": field, **extra}}
    return web.Response(body=to_json(body), status=status, content_type="application/json")


# pydantic names a union's member in the location (``start.function-wrap[<lambda>()]``):
# not part of the input, so not part of the field named
_VALIDATOR = re.compile(r"function-(wrap|after|before|plain)\[.*\]")


def _loc(err: Any) -> str | None:
    return ".".join(str(p) for p in err["loc"] if not _VALIDATOR.fullmatch(str(p))) or None


def _http(exc: web.HTTPException) -> web.Response:
    resp = error(exc.status, HTTP_CODES.get(exc.status, "bad_request"), exc.reason)
    for name in KEPT_HEADERS:
        if name in exc.headers:
            resp.headers[name] = exc.headers[name]
    return resp


def _known(exc: BaseException) -> web.Response:
    """A kernel error from the table above, or a plugin's :class:`RouteError`."""
    if isinstance(exc, RouteError):
        resp = error(exc.status, exc.code, str(exc), exc.field)
        resp.headers.update(exc.headers)
        return resp
    status, code = next((s, c) for t, s, c in ERRORS if isinstance(exc, t))
    if isinstance(exc, SourceError):  # each problem with its file:line
        return error(status, code, str(exc), "body", problems=[vars(p) for p in exc.problems])
    return error(status, code, str(exc), getattr(exc, "field", None))


@web.middleware
async def errors(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return _http(exc)
    except ValidationError as exc:
        err = exc.errors()[0]
        return error(422, "invalid", f"{err['msg']}", _loc(err))
    except StateError as exc:
        return error(409, exc.code, str(exc), exc.field)
    except KNOWN as exc:
        return _known(exc)
    except Exception:
        log.exception("internal error on %s %s", request.method, request.path)
        return error(500, "internal", "internal error; it has been logged")


# aiohttp answers what it cannot read as HTTP itself, before any middleware runs: the
# protocol's handle_error makes those answers (400 for a malformed request line or header, a
# line past 8,190 bytes, a bad chunk or length; 500/504 it reaches on its own).
# Its message quotes the raw bytes sent, so the answer says only what kind of input it was.
_PROTOCOL = ((hx.LineTooLong, "a request line or header is too long", "headers"),
             (hx.BadHttpMethod, "the request does not start with an HTTP method", None),
             (hx.BadStatusLine, "the request line is not HTTP", None),
             (hx.InvalidURLError, "the request target is not a valid URL", None),
             (hx.InvalidHeader, "a header is not valid HTTP", "headers"),
             (hx.PayloadEncodingError, "the body's length or encoding is not valid", "body"),
             (hx.BadHttpMessage, "the request is not valid HTTP", None))


class JsonProtocolErrors(web_protocol.RequestHandler):
    """aiohttp's protocol errors in the one error body (see :func:`protocol_errors_as_json`)."""

    def handle_error(self, request: Any, status: int = 500, exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        super().handle_error(request, status, exc, message)  # logs; raises if already answering
        what, field = next(((w, f) for t, w, f in _PROTOCOL if isinstance(exc, t)),
                           ("internal error; it has been logged", None))
        code = HTTP_CODES.get(status, "internal" if status >= 500 else "bad_request")
        resp = error(status, code, what, field)
        resp.force_close()
        return resp


def protocol_errors_as_json() -> None:
    """Make every server this process starts answer aiohttp's own errors as JSON.

    aiohttp's Server builds its RequestHandler by name and offers no option for it, so the
    name it uses is pointed at the subclass above; servers already running keep theirs.
    """
    web_server.RequestHandler = JsonProtocolErrors  # type: ignore[misc]
