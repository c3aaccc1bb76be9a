"""Declarative admin routes: each route names its body fields once, for validation and OpenAPI.

Handlers receive a validated body and return JSON-able data; every failure leaves as
`{"error": {"code", "message"}}` with a matching HTTP status, never a traceback.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from node.errors import NodeError, NodeErrorCode
from node.service import Node
from protocol.errors import ProtocolError
from protocol.schema import Field, Schema

log = logging.getLogger("democite.api")

NODE = web.AppKey("node", Node)
API_TOKEN = web.AppKey("api_token", str)
ALLOWED_HOSTS = web.AppKey("allowed_hosts", tuple)

Handler = Callable[[web.Request, dict[str, Any]], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str
    handler: Handler
    summary: str
    body: tuple[Field, ...] = ()
    query: tuple[Field, ...] = ()
    tag: str = "node"
    responses: dict[str, str] = field(default_factory=dict)


def error_response(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


def _wrap(route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    body_schema = Schema(f"{route.method} {route.path}", route.body)
    query_fields = {f.name: f for f in route.query}

    async def handler(request: web.Request) -> web.StreamResponse:
        body: dict[str, Any] = {}
        if route.method in ("POST", "PUT", "PATCH"):
            raw = await request.read()
            if raw:
                try:
                    body = json.loads(raw)
                except (ValueError, UnicodeDecodeError):
                    return error_response(400, "invalid_json", "request body is not valid JSON")
            if not isinstance(body, dict):
                return error_response(400, "invalid_body", "request body must be a JSON object")
            try:
                body_schema.validate(body)
            except ProtocolError as exc:
                return error_response(400, "invalid_field", exc.message.split(": ", 1)[-1])
        for name, value in request.query.items():
            f = query_fields.get(name)
            if f is None:
                return error_response(400, "invalid_field", f"unknown query parameter '{name}'")
            if f.type is int:
                try:
                    body[name] = int(value)
                except ValueError:
                    return error_response(400, "invalid_field", f"query parameter '{name}' must be an integer")
            elif f.type is bool:
                body[name] = value.lower() in ("1", "true", "yes")
            else:
                body[name] = value
        result = await route.handler(request, body)
        if isinstance(result, web.StreamResponse):
            return result
        return web.json_response(result, dumps=lambda o: json.dumps(o, ensure_ascii=False))

    return handler


@web.middleware
async def guard(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    """Host allowlist then bearer token, before any handler; errors converted to one shape."""
    host = _hostname(request.host or "")
    if host not in request.config_dict[ALLOWED_HOSTS]:
        return error_response(403, "forbidden_host", f"Host '{host[:64]}' is not allowed: call the API on its loopback address")
    if request.path != "/api/openapi.json":
        auth = request.headers.get("Authorization", "")
        token = request.config_dict[API_TOKEN]
        if not auth.startswith("Bearer ") or not hmac.compare_digest(auth[7:].strip().encode(), token.encode()):
            return error_response(
                401, "unauthorized", "missing or wrong bearer token: send 'Authorization: Bearer <data>/api.token'"
            )
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status == 413:
            return error_response(413, "too_large", "request body is too large")
        return error_response(exc.status, "http_error", exc.reason)
    except NodeError as exc:
        return error_response(exc.status, str(exc.code), exc.message)
    except ProtocolError as exc:
        return error_response(400, str(exc.code), exc.message)
    except Exception:  # the last line of defence: log the trace, answer without it
        # the route's pattern, not the path: a path can hold a pseudonym (/api/das/persons/{ref})
        route = request.match_info.route.resource.canonical if request.match_info.route.resource else "?"
        log.exception("internal error on %s %s", request.method, route)
        return error_response(500, str(NodeErrorCode.STORAGE), "internal error; the node's log has the details")


def _hostname(host: str) -> str:
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0]


def add_routes(app: web.Application, routes: Sequence[Route]) -> None:
    for r in routes:
        app.router.add_route(r.method, r.path, _wrap(r))


def node_of(request: web.Request) -> Node:
    return request.config_dict[NODE]
