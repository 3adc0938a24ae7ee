"""The OpenAPI 3.1 document and the /docs page, built from the mounted route declarations."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from kernel.http.apimodels import ErrorBody
from kernel.routes import Route

JSON = "application/json"
REASONS = {200: "success", 201: "created", 202: "accepted, under way",
           400: "the request cannot be read (not JSON, no body)",
           401: "no valid bearer token", 403: "the caller's role may not do this",
           404: "no such thing", 409: "the action does not fit the current state",
           413: "the body is too large", 415: "a body of a type this route does not take",
           422: "invalid input; `field` names where",
           429: "as much is under way as the server runs at once; see Retry-After",
           500: "internal error (logged)"}


def openapi(mounted: Sequence[tuple[str, Route]]) -> dict[str, Any]:
    """The OpenAPI document of ``(owner, route)`` pairs; each operation tagged by its owner."""
    keys, defs = _schemas([route for _, route in mounted])
    paths: dict[str, Any] = {}
    for owner, route in mounted:
        op = {"tags": [owner], **_operation(route, keys)}
        paths.setdefault(route.path, {})[route.method.lower()] = op
    return {"openapi": "3.1.0", "info": {"title": "onetrip", "version": "1"},
            "paths": paths, "components": {"schemas": defs, "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearer": []}]}


def _schemas(routes: Sequence[Route]) -> tuple[dict, dict]:
    """Every body model (as validated) and answer model (as serialised), with their $defs."""
    used = {(r.body, "validation") for r in routes if r.body} | {
        (r.answer_model, "serialization") for r in routes if r.answer_model} | {
        (ErrorBody, "serialization")}
    ordered = sorted(used, key=lambda pair: (pair[0].__name__, pair[1]))
    keys, defs = models_json_schema(ordered, ref_template="#/components/schemas/{model}")
    return keys, defs.get("$defs", {})


def _operation(route: Route, keys: dict) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": route.summary, "operationId": _op_id(route),
                          "responses": _responses(route, keys)}
    body = _request_body(route, keys)
    if body:
        op["requestBody"] = body
    params = (_path_params(route) + _model_params(route.query, "query")
              + _model_params(route.headers, "header"))
    if params:
        op["parameters"] = params
    if route.grant == "public":
        op["security"] = []
    return op


def _op_id(route: Route) -> str:
    words = [p.strip("{}") for p in route.path.split("/") if p and p != "v1"]
    return "_".join([route.method.lower(), *words]).replace(".", "_").replace("-", "_")


def _request_body(route: Route, keys: dict) -> dict[str, Any] | None:
    content = {}
    if route.body is not None:
        content[JSON] = {"schema": keys[(route.body, "validation")]}
    if route.raw:
        content[route.raw] = {"schema": {"type": "string"}}
    return {"required": True, "content": content} if content else None


def _path_params(route: Route) -> list[dict[str, Any]]:
    return [{"name": p, "in": "path", "required": True,
             "schema": {"type": "string", "minLength": 1}} for p in route.params]


def _model_params(model: type[BaseModel] | None, where: str) -> list[dict[str, Any]]:
    """One parameter per field, with the field's own schema (``null`` left out: omit it)."""
    if model is None:
        return []
    props = model.model_json_schema(mode="validation")["properties"]
    out = []
    for name, field in model.model_fields.items():
        key = field.alias or name
        param = {"name": key, "in": where, "required": field.is_required(),
                 "schema": _not_null(props[key])}
        if field.description:
            param["description"] = field.description
        out.append(param)
    return out


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    schema = {k: v for k, v in schema.items() if k not in ("title", "description")}
    options = [s for s in schema.pop("anyOf", []) if s.get("type") != "null"]
    if schema.get("default", 0) is None:
        del schema["default"]
    if len(options) == 1:
        return {**schema, **options[0]}
    return {**schema, "anyOf": options} if options else schema


def error_statuses(route: Route) -> list[int]:
    """Every error status a route answers: the server's own, then the route's ``errors``."""
    found = set(route.errors) | {500}
    if route.grant != "public":
        found |= {401, 403}
    if route.body is not None:
        found.add(400)
    if route.body is not None or route.raw:
        found |= {413, 422}
    if route.method not in ("GET", "HEAD"):
        found.add(415)
    if route.query is not None:
        found.add(422)
    if route.params:
        found.add(404)
    return sorted(found)


def _responses(route: Route, keys: dict) -> dict[str, Any]:
    error = {"content": {JSON: {"schema": keys[(ErrorBody, "serialization")]}}}
    out = {str(status): {"description": REASONS.get(status, "success"),
                         "content": _answer(route, keys)} for status in (route.status, *route.also)}
    for status in error_statuses(route):
        out[str(status)] = {"description": REASONS.get(status, "error"), **error}
    return out


def _answer(route: Route, keys: dict) -> dict[str, Any]:
    model = route.answer_model
    schema: dict[str, Any] = keys[(model, "serialization")] if model else {}
    if model is not None and route.answer is not model:
        schema = {"type": "array", "items": schema}
    return {media: {"schema": schema if media == JSON else _TEXT.get(media, {"type": "string"})}
            for media in route.produces}


# a YAML answer is a document, which clients parse; any value a YAML file may hold
_TEXT: dict[str, dict[str, Any]] = {"application/yaml": {"description": "a YAML document"}}


def docs_page(mounted: Sequence[tuple[str, Route]]) -> str:
    """A plain HTML table of the routes; the machine-readable form is /openapi.json."""
    rows = "".join(
        f"<tr><td><code>{r.method}</code></td><td><code>{html.escape(r.path)}</code></td>"
        f"<td>{html.escape(r.summary)}</td><td>{r.grant}</td>"
        f"<td>{html.escape(owner)}</td></tr>" for owner, r in mounted)
    return (f"<!doctype html><meta charset=utf-8><title>onetrip API</title>"
            f"<h1>onetrip API</h1><p>Machine-readable: <a href=/openapi.json>/openapi.json"
            f"</a>. Send <code>Authorization: Bearer &lt;token&gt;</code>.</p><table border=1>"
            f"<tr><th>method</th><th>path</th><th>what</th><th>grant</th><th>from</th></tr>"
            f"{rows}</table>")
