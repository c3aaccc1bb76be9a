"""Peer-facing endpoints under /fed/v1/: msgpack in, msgpack out, every input bounded first.

Order of checks on every request: size, then the per-peer budget, then structure (canonical
msgpack), then the request signature, and only then the database.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from federation.bodies import read_capped
from federation.state import BUDGETS, NONCES, PeerBudget
from node.api.framework import NODE, error_response
from protocol import encoding
from protocol.errors import ErrorCode, ProtocolError
from protocol.httpsig import verify_request
from protocol.messages import CheckpointRequest, HeadEntry, Info, RecordsRequest

MSGPACK = "application/msgpack"
PEER_KEY = web.RequestKey("peer_key", bytes)
PEER_MSG = web.RequestKey("peer_msg", object)
BUDGET_WINDOW_MS = 10_000
BUDGET_REQUESTS = 2_000  # per peer per window: far above honest gossip, low enough to stop a flood
BUDGET_BYTES = 256 * 1024 * 1024

PeerHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _status(code: ErrorCode) -> int:
    if code in (ErrorCode.STALE_REQUEST, ErrorCode.REPLAYED_REQUEST, ErrorCode.BAD_REQUEST_SIGNATURE):
        return 401
    if code is ErrorCode.TOO_LARGE:
        return 413
    if code is ErrorCode.FORK:
        return 409
    return 400


def _charge(request: web.Request, key: bytes, size: int, now: int) -> bool:
    budgets = request.app[BUDGETS].per_peer
    b = budgets.get(key)
    if b is None or now - b.window_start_ms > BUDGET_WINDOW_MS:
        if len(budgets) > 10_000:
            budgets.clear()  # bounded memory under a flood of fresh keys; honest peers refill at once
        b = budgets[key] = PeerBudget(now)
    b.requests += 1
    b.bytes += size
    return b.requests <= BUDGET_REQUESTS and b.bytes <= BUDGET_BYTES


@web.middleware
async def peer_guard(request: web.Request, handler: PeerHandler) -> web.StreamResponse:
    if not request.path.startswith("/fed/"):
        return await handler(request)
    node = request.app[NODE]
    limit = node.config.federation.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        return error_response(413, "too_large", f"request body over {limit} bytes; send smaller pages")
    body = await read_capped(request.content, limit)
    if len(body) > limit:
        return error_response(413, "too_large", f"request body over {limit} bytes; send smaller pages")
    now = node.clock()
    claimed = request.headers.get("X-Democite-Key", "")[:64]
    if not _charge(request, claimed.encode(), len(body), now):
        return error_response(429, "rate_limited", "too many requests from this peer: slow down and retry later")
    try:
        msg = encoding.decode(body, limit) if body else {}
        signed = verify_request(
            dict(request.headers), request.method, request.path, body, now, node.config.federation.request_skew_s * 1000
        )
        request.app[NONCES].check_and_remember(signed, now)
    except ProtocolError as exc:
        return error_response(_status(exc.code), str(exc.code), exc.message)
    request[PEER_KEY] = signed.key
    request[PEER_MSG] = msg
    try:
        return await handler(request)
    except ProtocolError as exc:
        return error_response(_status(exc.code), str(exc.code), exc.message)


def reply(obj: Any) -> web.Response:
    return web.Response(body=encoding.encode(obj), content_type=MSGPACK)


async def info(request: web.Request) -> web.Response:
    node = request.app[NODE]
    head = await node.logs.head(node.public_key)
    return reply(
        Info(node.public_key, node.net_id, node.config.node.name, node.config.public_url, head.size if head else 0).to_wire()
    )


async def heads(request: web.Request) -> web.Response:
    node = request.app[NODE]
    out = [HeadEntry(h.key, h.size, h.root).to_wire() for h in await node.logs.heads() if h.size and h.root]
    return reply({"heads": out})


async def records(request: web.Request) -> web.Response:
    node = request.app[NODE]
    req = RecordsRequest.from_wire(request[PEER_MSG])
    limit = min(req.limit, node.config.federation.page_size)
    page = await node.logs.page(req.author, req.start, limit, node.config.federation.max_body_bytes // 2)
    return reply({"records": [[r.raw, r.sig] for r in page]})


async def checkpoint(request: web.Request) -> web.Response:
    node = request.app[NODE]
    req = CheckpointRequest.from_wire(request[PEER_MSG])
    cp = await node.logs.latest_checkpoint(req.author)
    if cp is None:
        return reply({"checkpoint": None, "proof": [], "cosigs": []})
    since = min(req.since, cp.size)
    proof = await node.consistency_proof(req.author, since, cp.size)
    cosigs = [[w, ts, sig] for w, ts, sig in await node.logs.cosignatures(cp.id)]
    return reply({"checkpoint": [cp.raw, cp.sig], "proof": proof, "cosigs": cosigs})


async def forks(request: web.Request) -> web.Response:
    node = request.app[NODE]
    return reply({"forks": [encoding.decode(p) for _, _, p, _ in (await node.logs.forks())[:1000]]})


async def root(request: web.Request) -> web.Response:
    node = request.app[NODE]
    return web.json_response(
        {"democite": 1, "name": node.config.node.name, "public_key": node.public_key.hex(), "peer_api": "/fed/v1/"}
    )


def add_peer_routes(app: web.Application) -> None:
    app.router.add_get("/", root)
    for name, h in (("info", info), ("heads", heads), ("records", records), ("checkpoint", checkpoint), ("forks", forks)):
        app.router.add_post(f"/fed/v1/{name}", h)
