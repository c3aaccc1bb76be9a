"""Declarative admin routes: each route names its body, query and path fields once, for validation and OpenAPI.

Handlers receive a validated body (query fields merged in; path parameters through `path_value`)
and return JSON-able data; every failure leaves as `{"error": {"code", "message"}}` (with `field`
when one is to blame) and the HTTP status `ADMIN_STATUS` gives its code, never a traceback.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from aiohttp import web

from node.accounts.permissions import Action
from node.accounts.principal import Principal, describe
from node.errors import NodeErrorCode
from node.service import Node
from protocol.errors import DemociteError, ErrorCode
from protocol.schema import INT64_MAX, INT64_MIN, Field, Schema, field_problem

log = logging.getLogger("democite.api")
ops_log = logging.getLogger("democite.api.ops")  # one line per admin request, see `guard`

NODE = web.AppKey("node", Node)
API_TOKEN = web.AppKey("api_token", str)
ALLOWED_HOSTS = web.AppKey("allowed_hosts", tuple)
ERROR_CODE = web.ResponseKey("error_code", str)  # an error answer's code, for /metrics (never parsed back from the body)

# the OpenAPI document, and the service manager's liveness and readiness probes (they reveal nothing)
TOKENLESS = frozenset({"/api/openapi.json", "/healthz", "/readyz"})

Handler = Callable[[web.Request, dict[str, Any]], Awaitable[Any]]


MAX_JSON_DEPTH = 32  # a record body may nest 16 levels (protocol.encoding); the request adds a few
URL_TEXT = 200  # a path or query text with no declared length: the whole request line stays under 8 KiB
PATH_PARAMS = web.RequestKey("path_params", dict)
# who acts: the owner (api.token) or an account (its API token, or its web session on the web door)
PRINCIPAL = web.RequestKey("principal", Principal)
# how the admin API finds the account behind a token that is not the owner's (installed by the runtime)
TokenLookup = Callable[[str], Awaitable[Principal | None]]
TOKEN_LOOKUP: web.AppKey[TokenLookup] = web.AppKey("token_lookup")
_PATH_VARS = re.compile(r"{(\w+)}")
_INTEGER = re.compile(r"-?[0-9]+")
_TRUE, _FALSE = frozenset({"1", "true", "yes"}), frozenset({"0", "false", "no"})


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
    path_fields: tuple[Field, ...] = ()  # typed path parameters; others are short text
    produces: tuple[str, ...] = ()  # media types of a 200 besides JSON (CSV, HTML, NDJSON, ...)
    # what the route does, for the permission table (node/accounts/permissions.py): every route says
    action: Action | None = None

    def __post_init__(self) -> None:
        if self.action is None:
            raise ValueError(f"{self.method} {self.path}: declare the action it performs (action=Action....)")
        unknown = {f.name for f in self.path_fields} - set(_PATH_VARS.findall(self.path))
        if unknown:
            raise ValueError(f"{self.method} {self.path}: no path parameter {sorted(unknown)}")

    def path_params(self) -> tuple[Field, ...]:
        """Every parameter of the path, declared or not: all are checked before the handler runs."""
        declared = {f.name: f for f in self.path_fields}
        return tuple(_in_url(declared.get(n, Field(n, str, min=1))) for n in _PATH_VARS.findall(self.path))

    def query_params(self) -> tuple[Field, ...]:
        return tuple(_in_url(f) for f in self.query)


def _in_url(f: Field) -> Field:
    # percent-encoded, one character takes up to 12 bytes of a request line aiohttp caps at 8 KiB
    return replace(f, max_len=URL_TEXT) if f.type is str and f.max_len is None else f


def declare_path(routes: Sequence[Route], *fields: Field) -> list[Route]:
    """The same routes with these path parameters declared wherever their path names them."""
    out = []
    for r in routes:
        names = set(_PATH_VARS.findall(r.path)) - {f.name for f in r.path_fields}
        extra = tuple(f for f in fields if f.name in names)
        out.append(replace(r, path_fields=r.path_fields + extra) if extra else r)
    return out


def path_value(request: web.Request, name: str) -> Any:
    """A path parameter as its route declared it (an int is an int), checked before the handler ran."""
    return request[PATH_PARAMS][name]


N = NodeErrorCode
# The one place the admin API picks an HTTP status: from the code (keyed by its text, so a code
# means one status whichever enum raised it). Protocol errors are the request's fault: 400.
# `tests/test_errors.py` checks that every code of every package has its line.
ADMIN_STATUS: dict[str, int] = {
    **dict.fromkeys(ErrorCode, 400),
    **dict.fromkeys(NodeErrorCode, 400),
    N.STORAGE: 500, N.NOT_FOUND: 404, N.CONFLICT: 409, N.FROZEN: 409, N.UNAUTHORIZED: 401, N.FORBIDDEN: 403, N.NOT_PERMITTED: 403,
    N.FORBIDDEN_HOST: 403, N.NOT_RUNNING: 503, N.UNAVAILABLE: 502, N.TOO_LARGE: 413, N.METHOD_NOT_ALLOWED: 405,
    # federation's codes, by their text (node/ does not import federation/), should a peer's
    # failure reach the guard: the admin handlers that call peers turn it into Unavailable first
    "peer_unreachable": 502, "peer_bad_response": 502, "peer_refused": 502, "peer_misbehaved": 502,
    "wrong_network": 400, "rate_limited": 429, "not_member": 403, "body_timeout": 408, "incomplete_body": 400,
    "length_required": 411, "busy": 503,
}


def error_response(code: StrEnum, message: str, field: str | None = None) -> web.Response:
    """The admin API's one error body, `{"error": {"code", "message", "field"?}}`, status from the code."""
    return _json_error(ADMIN_STATUS.get(code, 500), code, message, field)


def _json_error(status: int, code: str, message: str, field: str | None = None) -> web.Response:
    err = {"code": str(code), "message": message}
    if field is not None:
        err["field"] = field
    resp = web.json_response({"error": err}, status=status)
    resp[ERROR_CODE] = str(code)
    return resp


def _refuse(where: str, name: str, problem: str) -> web.Response:
    return error_response(N.INVALID_FIELD, f"{where} '{name}' {problem}", name)


def _from_text(f: Field, text: str) -> tuple[Any, str | None]:
    """A query or path parameter's text as the field's type, or the problem with it."""
    if f.type is int:
        if not _INTEGER.fullmatch(text):
            return None, "must be an integer"
        # more digits than Python converts are far out of range anyway
        value = int(text) if len(text) < 4000 else (INT64_MIN - 1 if text[0] == "-" else INT64_MAX + 1)
        lo = INT64_MIN if f.min is None else max(f.min, INT64_MIN)
        hi = INT64_MAX if f.max is None else min(f.max, INT64_MAX)
        if value < lo:
            return None, f"must be at least {lo}"
        if value > hi:
            return None, f"must be at most {hi}"
        return value, None
    if f.type is bool:
        low = text.lower()
        if low not in _TRUE | _FALSE:
            return None, "must be true or false"
        return low in _TRUE, None
    if not _is_text(text):
        return None, _NOT_TEXT
    found = field_problem(f, text)
    return (None, found[0]) if found else (text, None)


_NOT_TEXT = "is not valid Unicode text (it holds a lone surrogate such as \\ud800): send UTF-8 text"
_NOT_UTF8 = "is not UTF-8 once percent-decoded (a lone surrogate such as \\ud800 has no UTF-8 form): send UTF-8 text"


def _is_text(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: SQLite, msgpack and JSON answers all refuse them
        return False
    return True


def _utf8(raw: str) -> bool:
    try:
        urllib.parse.unquote_to_bytes(raw.replace("+", " ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _raw_url_problem(route: Route, request: web.Request) -> web.Response | None:
    """A URL carries \\ud800 only as invalid UTF-8 (%ED%A0%80), which the URL parser silently turns
    into U+FFFD: look at the raw path and query so such a value is refused, not quietly changed."""
    raw_path, _, raw_query = request.raw_path.partition("?")
    if "%" not in request.raw_path:
        return None
    template, given = route.path.split("/"), raw_path.split("/")
    if len(template) == len(given):  # each of our path parameters is one whole segment
        for t, g in zip(template, given, strict=True):
            if t.startswith("{") and not _utf8(g):
                return _refuse("path parameter", t[1:-1], _NOT_UTF8)
    for pair in raw_query.split("&"):
        name, _, value = pair.partition("=")
        if not _utf8(name):
            return error_response(N.INVALID_FIELD, f"a query parameter's name {_NOT_UTF8}")
        if not _utf8(value):
            return _refuse("query parameter", urllib.parse.unquote_plus(name)[:64], _NOT_UTF8)
    return None


def _json_problem(body: dict[str, Any]) -> tuple[str, str, StrEnum] | None:
    """(field, problem, code) for the first value of a parsed body no layer below could take, walking
    iteratively (a recursive walk is what this refuses to do): lone surrogates in any text or key,
    integers beyond SQLite's signed 64 bits, nesting deeper than MAX_JSON_DEPTH."""
    stack: list[tuple[Any, str, int, str]] = []
    for k, v in reversed(list(body.items())):
        if not _is_text(k):
            return ascii(k)[1:-1], _NOT_TEXT, N.INVALID_FIELD
        stack.append((v, k, 1, k))
    while stack:
        value, where, depth, top = stack.pop()
        if isinstance(value, str):
            if not _is_text(value):
                return where, _NOT_TEXT, N.INVALID_FIELD
        elif isinstance(value, int) and not isinstance(value, bool):
            if not INT64_MIN <= value <= INT64_MAX:
                return where, f"must be between {INT64_MIN} and {INT64_MAX}", N.INVALID_FIELD
        elif isinstance(value, (dict, list)):
            if depth >= MAX_JSON_DEPTH:
                return top, f"nests more than {MAX_JSON_DEPTH} arrays and objects", ErrorCode.TOO_DEEP
            if isinstance(value, dict):
                for k in value:
                    if not _is_text(k):
                        return f"{where}.{ascii(k)[1:-1]}", _NOT_TEXT, N.INVALID_FIELD
                stack += [(v, f"{where}.{k}", depth + 1, top) for k, v in reversed(list(value.items()))]
            else:
                stack += [(v, f"{where}[{i}]", depth + 1, top) for i, v in reversed(list(enumerate(value)))]
    return None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


async def _read_body(request: web.Request, schema: Schema) -> dict[str, Any] | web.Response:
    raw = await request.read()
    body: Any = {}
    if raw:
        try:
            body = json.loads(raw, parse_constant=_no_constant)
        except RecursionError:  # the parser recurses: refuse before Python's own limit is the judge
            return error_response(ErrorCode.TOO_DEEP, f"request body is too deeply nested: at most {MAX_JSON_DEPTH} levels of arrays and objects")
        except UnicodeDecodeError:
            return error_response(N.INVALID_JSON, "request body is not UTF-8 JSON")
        except json.JSONDecodeError as exc:
            return error_response(N.INVALID_JSON, f"request body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")
        except ValueError as exc:  # NaN, Infinity, an integer of thousands of digits
            return error_response(N.INVALID_JSON, f"request body is not valid JSON: {str(exc)[:100]}")
    if not isinstance(body, dict):
        return error_response(N.INVALID_BODY, "request body must be a JSON object")
    for f in schema.fields:  # JSON Schema counts 35.0 as an integer: so does the API
        value = body.get(f.name)
        if f.type is int and isinstance(value, float) and value.is_integer():
            body[f.name] = int(value)
    found = _json_problem(body)
    if found is not None:
        name, problem, code = found
        return error_response(code, f"field '{name[:100]}' {problem}", name[:100])
    wrong = schema.problem(body)
    if wrong is not None:
        return error_response(N.INVALID_FIELD, wrong.message, wrong.field or None)
    return body


def _wrap(route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    body_schema = Schema(f"{route.method} {route.path}", route.body)
    query_fields = {f.name: f for f in route.query_params()}
    path_fields = route.path_params()

    action = route.action
    assert action is not None  # Route refuses to exist without one

    async def handler(request: web.Request) -> web.StreamResponse:
        who = request.get(PRINCIPAL)
        if who is None or not who.may(action):  # before the body is read: a refusal costs nothing
            role = who.role if who is not None else "anonymous"
            return error_response(N.NOT_PERMITTED, f"the role '{role}' may not {describe(action)} ({action}); ask the Engagement 21 office if you should")
        refused = _raw_url_problem(route, request)
        if refused is not None:
            return refused
        path: dict[str, Any] = {}
        for f in path_fields:
            value, problem = _from_text(f, request.match_info[f.name])
            if problem is not None:
                return _refuse("path parameter", f.name, problem)
            path[f.name] = value
        request[PATH_PARAMS] = path
        body: dict[str, Any] = {}
        if route.method in ("POST", "PUT", "PATCH"):
            read = await _read_body(request, body_schema)
            if isinstance(read, web.Response):
                return read
            body = read
        for name, text in request.query.items():
            qf = query_fields.get(name)
            if qf is None:
                return _refuse("query parameter", (name if _is_text(name) else ascii(name))[:64], "is unknown")
            value, problem = _from_text(qf, text)
            if problem is not None:
                return _refuse("query parameter", name, problem)
            body[name] = value
        for qf in route.query:
            if qf.required and qf.name not in request.query:
                return _refuse("query parameter", qf.name, "is required")
        result = await route.handler(request, body)
        if isinstance(result, web.StreamResponse):
            return result
        return web.json_response(result, dumps=lambda o: json.dumps(o, ensure_ascii=False))

    return handler


@web.middleware
async def guard(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    """Every admin request, answered or refused, leaves one operation line: who, what, outcome, duration."""
    started = time.perf_counter()
    status: int | str = "cancelled"  # the caller went away mid-request
    try:
        response = await _guard(request, handler)
        status = response.status
        return response
    finally:
        _operation_line(request, status, (time.perf_counter() - started) * 1000)


def _operation_line(request: web.Request, status: int | str, ms: float) -> None:
    # the route's pattern, never the path or the query: both can hold a pseudonym
    resource = request.match_info.route.resource
    route = resource.canonical if resource is not None else "(unrouted)"
    who = request.get(PRINCIPAL)
    # the account's pseudonymous id and role, never its username
    account, role = (who.account_id, str(who.role)) if who is not None else ("anonymous", "")
    actor = account if account == role or not role else f"{role}:{account}"
    ops_log.info("actor=%s %s %s status=%s ms=%.1f", actor, request.method[:10], route, status, ms,
                 extra={"actor": account, "role": role, "method": request.method[:10], "route": route, "status": status, "duration_ms": round(ms, 1)})


async def _guard(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    """Host allowlist then bearer token, before any handler; errors converted to one shape."""
    host = _hostname(request.host or "")
    if host not in request.config_dict[ALLOWED_HOSTS]:
        return error_response(N.FORBIDDEN_HOST, f"Host '{host[:64]}' is not allowed: call the API on its loopback address")
    if request.path not in TOKENLESS and PRINCIPAL not in request:  # the web door may have put a session's
        who = await _bearer(request)
        if who is None:
            return error_response(
                N.UNAUTHORIZED,
                "missing or wrong bearer token: send 'Authorization: Bearer <data>/api.token' (or your account's API token)",
            )
        request[PRINCIPAL] = who
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status == 413:
            return error_response(N.TOO_LARGE, "request body is too large")
        allow = exc.headers.get("Allow")
        if exc.status == 405 and allow is not None:  # RFC 9110: a 405 lists the methods the path takes
            resp = error_response(N.METHOD_NOT_ALLOWED, f"{request.method[:10]} is not allowed here; use {allow or 'nothing'}")
            resp.headers["Allow"] = allow
            return resp
        return _json_error(exc.status, N.HTTP_ERROR, exc.reason)  # aiohttp chose the status
    except DemociteError as exc:
        return error_response(exc.code, exc.message)
    except Exception:  # the last line of defence: log the trace, answer without it
        # the route's pattern, not the path: a path can hold a pseudonym (/api/das/persons/{ref})
        route = request.match_info.route.resource.canonical if request.match_info.route.resource else "?"
        log.exception("internal error on %s %s", request.method, route)
        return error_response(N.STORAGE, "internal error; the node's log has the details")


async def _bearer(request: web.Request) -> Principal | None:
    auth = request.headers.get("Authorization", "")
    if not auth.startswith("Bearer "):
        return None
    # aiohttp keeps a header's non-UTF-8 bytes as lone surrogates: surrogateescape gives them
    # back, so such a token is compared (and wrong), not a UnicodeEncodeError
    sent = auth[7:].strip()
    owner = request.config_dict.get(API_TOKEN)
    if owner is not None and hmac.compare_digest(sent.encode("utf-8", "surrogateescape"), owner.encode()):
        return Principal.owner()
    lookup = request.config_dict.get(TOKEN_LOOKUP)
    return await lookup(sent) if lookup is not None else None


def principal_of(request: web.Request) -> Principal:
    """Who acts in this request (the guard has set it before any handler runs)."""
    return request[PRINCIPAL]


def _hostname(host: str) -> str:
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0]


def add_routes(app: web.Application, routes: Sequence[Route]) -> None:
    for r in routes:
        app.router.add_route(r.method, r.path, _wrap(r))


def node_of(request: web.Request) -> Node:
    return request.config_dict[NODE]
