"""Requests a web page makes for the browser showing it: refused before any handler runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp import web
from yarl import URL

from kernel.http.auth import TokenTable, is_loopback
from kernel.http.errors import error
from kernel.routes import Route

JSON = "application/json"
# The bodies a page may send to another site without the browser asking it first (no CORS
# preflight): a JSON route takes none of them, and no route takes them as its raw body.
SIMPLE = frozenset(("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"))
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _accepts(route: Route, content_type: str) -> bool:
    if content_type == JSON:
        return route.raw is None or route.body is not None
    return route.raw is not None and content_type not in SIMPLE


def _origin(url: str) -> tuple[str, str | None, int | None] | None:
    try:
        parsed = URL(url)
        return parsed.scheme, parsed.host, parsed.port
    except ValueError:  # no URL at all: nobody's origin
        return None


def _same_server(request: web.Request) -> bool:
    """The Host names loopback, and an Origin, if any, is this very host and port.

    (A browser always sends Host; a request without one comes from no web page.)"""
    if "Host" not in request.headers:
        return "Origin" not in request.headers
    host = _origin(f"{request.scheme}://{request.headers['Host']}")
    if host is None or not is_loopback(host[1] or ""):
        return False  # another name for loopback: DNS rebinding
    origin = request.headers.get("Origin")
    return origin is None or _origin(origin) == host


def cross_site(tokens: TokenTable, mounted: Sequence[tuple[str, Route]]) -> Any:
    """A body a route does not take is 415. Without tokens (loopback, everyone admin) a
    request from a page of another site, or sent to another name of this host, is 403."""
    routes = {(r.method, r.path): r for _, r in mounted}

    @web.middleware
    async def check(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.match_info.http_exception is not None:
            return await handler(request)  # 404 or 405, whoever asks
        route = routes[request.method, request.match_info.route.resource.canonical]
        if not tokens and not _same_server(request):
            return error(403, "cross_site", "without tokens the API answers only requests "
                         "to its loopback address that come from no other site")
        if request.method not in SAFE_METHODS and request.body_exists and not _accepts(
                route, request.content_type):
            return error(415, "unsupported_media_type", f"this route does not take "
                         f"{request.content_type}; send {route.raw or JSON}", "Content-Type")
        return await handler(request)

    return check
