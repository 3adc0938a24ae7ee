"""HTTP route declarations and the errors their handlers raise; the HTTP layer mounts them."""

from __future__ import annotations

import json
import sys
import typing
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic_core import from_json

from kernel.core import InputError

__all__ = ["BadRequest", "Busy", "Conflict", "InputError", "NotFound", "Route", "RouteError",
           "TooLarge", "parse_json", "parse_query"]
GRANTS = ("public", "read", "cases", "rules", "sandbox", "supervise", "admin")


@dataclass(frozen=True)
class Route:
    """One HTTP route: what it answers, who may call it, and its models for the OpenAPI.

    ``handler`` is ``async def handler(request)`` taking the server's request object
    (aiohttp's: ``match_info``, ``query``, ``headers``, ``await read()``). It returns a
    value the server answers as JSON with ``status`` (a pydantic model, a dict, a list),
    or a response object of the server's own, sent as it is (files, other statuses).
    """

    method: str
    path: str
    handler: Any
    grant: str = ""  # default: ``read`` for GET, ``cases`` for any other method
    summary: str = ""
    body: type[BaseModel] | None = None  # the JSON request body
    answer: Any = None  # a model, or list[model], of the success answer
    query: type[BaseModel] | None = None  # one field a query parameter
    headers: type[BaseModel] | None = None  # one field (by alias) a request header
    raw: str | None = None  # media type of a request body that is not JSON
    status: int = 200  # the success status a returned value is answered with
    also: tuple[int, ...] = ()  # other success statuses, with the same answer model
    errors: tuple[int, ...] = ()  # error statuses beyond those the server documents itself
    produces: tuple[str, ...] = ("application/json",)  # media types of the success answer

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", self.method.upper())
        if not self.grant:
            object.__setattr__(self, "grant", "read" if self.method == "GET" else "cases")
        if self.grant not in GRANTS:
            raise ValueError(f"route {self.method} {self.path}: unknown grant {self.grant!r} "
                             f"(one of {', '.join(GRANTS)})")

    @property
    def params(self) -> list[str]:
        """The path's parameters, e.g. ``["id"]`` for ``/v1/cases/{id}``."""
        return [part[1:-1] for part in self.path.split("/") if part.startswith("{")]

    @property
    def answer_model(self) -> type[BaseModel] | None:
        """The model of the answer, or of each element when the answer is a list."""
        args = typing.get_args(self.answer)
        return args[0] if typing.get_origin(self.answer) is list else self.answer


class RouteError(Exception):
    """An error a handler raises; answered as ``{"error": {code, message, field}}``."""

    status, code = 400, "bad_request"

    def __init__(self, message: str, field: str | None = None, code: str | None = None):
        self.field, self.code = field, code or self.code
        super().__init__(message)

    @property
    def headers(self) -> dict[str, str]:
        """Headers the error answer carries."""
        return {}


class BadRequest(RouteError):
    """400: a request that cannot be read at all (not JSON, no body)."""


class NotFound(RouteError):
    """404: the thing the path names does not exist."""

    status, code = 404, "not_found"


class Conflict(RouteError):
    """409: the request does not fit the current state of what it names."""

    status, code = 409, "conflict"


class TooLarge(RouteError):
    """413: the body is larger than this route takes."""

    status, code = 413, "body_too_large"


class Busy(RouteError):
    """429: as much is under way as the server runs at once; the answer's ``Retry-After``
    says how many seconds are worth waiting."""

    status, code = 429, "busy"

    def __init__(self, message: str, retry_after: int = 10, field: str | None = None):
        self.retry_after = retry_after
        super().__init__(message, field)

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


def parse_json(raw: bytes, model: type[BaseModel] | None = None,
               optional: bool = False) -> Any:
    """A JSON body; with ``model``, validated strictly (a number is never taken for a date,
    nor ``0`` for false). An empty body is ``{}`` when ``optional``.

    Nested more than 200 deep, or not JSON, is a :class:`BadRequest`; an integer longer
    than Python converts, or a NUL character in any string, an :class:`InputError`
    naming where it stands.
    """
    if optional and not raw.strip():
        raw = b"{}"
    try:
        data = from_json(raw)  # bounded: refuses nesting past 200, numbers past the limit
    except ValueError as exc:
        if "number out of range" in str(exc):
            where = _first(_with_huge_ints(raw), _is_huge)
            raise InputError(None if where is ... else where,
                             f"a number of more than {_DIGITS} digits") from None
        raise BadRequest(f"request body is not JSON: {exc}", code="malformed_json") from None
    if b"\\u0000" in raw:  # the only way JSON can carry a NUL character
        where = _first(data, _has_nul)
        if where is not ...:
            raise InputError(where, "a NUL character is not allowed")
    return data if model is None else model.model_validate_json(raw, strict=True)


def parse_query(query: Mapping[str, str], model: type[BaseModel]) -> Any:
    """Query parameters validated by ``model``; a parameter given twice is an error."""
    # items(), not keys(): multidict 7's keys() lists a repeated name once
    repeated = [name for name, n in Counter(k for k, _ in query.items()).items() if n > 1]
    if repeated:
        raise InputError(repeated[0], f"give {repeated[0]} once")
    for name, value in query.items():
        if _has_nul(name) or _has_nul(value):
            raise InputError(name, "a NUL character is not allowed")
    return model.model_validate(dict(query))


_DIGITS = sys.get_int_max_str_digits() or 4300


class _Huge(str):
    """An integer too long to convert, kept as its text so its place can be named."""


def _with_huge_ints(raw: bytes) -> Any:
    try:
        return json.loads(raw, parse_int=lambda s: _Huge(s) if len(s) > _DIGITS else int(s))
    except (ValueError, RecursionError):
        return None


def _is_huge(value: Any) -> bool:
    return isinstance(value, _Huge)


def _has_nul(value: Any) -> bool:
    return isinstance(value, str) and "\x00" in value


def _first(data: Any, bad: Callable[[Any], bool]) -> Any:
    """Dotted path of the first key or value ``bad`` holds for (None: the body itself;
    ``...``: nowhere), in document order."""
    stack: list[tuple[tuple, Any]] = [((), data)]
    while stack:
        path, node = stack.pop()
        if bad(node):
            return ".".join(map(str, path)) or None
        if isinstance(node, dict):
            children = list(node.items())
        elif isinstance(node, list):
            children = list(enumerate(node))
        else:
            continue
        for key, _ in children:
            if bad(key):
                return ".".join(map(str, (*path, key)))
        stack.extend(((*path, key), child) for key, child in reversed(children))
    return ...
