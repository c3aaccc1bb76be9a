"""Peer-facing endpoints under /fed/v1/: msgpack in, msgpack out, every input bounded first.

Order of checks on every request: size, then the per-peer budget, then structure (canonical
msgpack), then the request signature, and only then the database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from federation.bodies import read_capped
from federation.membership import MEMBERSHIP
from federation.state import BUDGETS, NONCES, PeerBudget
from federation.sync import MAX_FORKS, SyncReport, witness_wire
from node.api.framework import NODE, error_response
from protocol import encoding
from protocol.errors import ErrorCode, ProtocolError
from protocol.httpsig import verify_request
from protocol.messages import CheckpointRequest, HeadEntry, Info, RecordsRequest
from protocol.reconcile import Reconciler, head_item

MSGPACK = "application/msgpack"
PEER_KEY = web.RequestKey("peer_key", bytes)
PEER_MSG = web.RequestKey("peer_msg", object)
MAX_PUSH = 1000
OPEN_PATHS = ("/fed/v1/info",)  # what a non-member may still call: enough to learn it is not admitted

PeerHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _status(code: ErrorCode) -> int:
    if code in (ErrorCode.STALE_REQUEST, ErrorCode.REPLAYED_REQUEST, ErrorCode.BAD_REQUEST_SIGNATURE):
        return 401
    if code is ErrorCode.TOO_LARGE:
        return 413
    if code is ErrorCode.FORK:
        return 409
    return 400


MAX_BUDGETS = 10_000


def _evict(budgets: dict[bytes, PeerBudget], horizon: int) -> None:
    """Forget expired windows first, then the oldest ones: a flood of fresh keys cannot reset
    the budgets of peers that are still inside their window."""
    for k in [k for k, b in budgets.items() if b.window_start_ms < horizon]:
        del budgets[k]
    while len(budgets) > MAX_BUDGETS:
        del budgets[next(iter(budgets))]


def budget_key(claimed: str) -> bytes:
    """One budget per key whatever its spelling (case, spaces): the header is not verified yet."""
    return claimed.strip().lower()[:64].encode()


def _charge(request: web.Request, key: bytes, size: int, now: int) -> bool:
    limits = request.app[BUDGETS]
    budgets = limits.per_peer
    b = budgets.get(key)
    if b is None or now - b.window_start_ms > limits.window_ms:
        if len(budgets) > MAX_BUDGETS:
            _evict(budgets, now - limits.window_ms)
        budgets.pop(key, None)  # re-inserted last: the dict stays ordered by window start
        b = budgets[key] = PeerBudget(now)
    b.requests += 1
    b.bytes += size
    return b.requests <= limits.max_requests and b.bytes <= limits.max_bytes


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
    if not _charge(request, budget_key(request.headers.get("X-Democite-Key", "")), len(body), now):
        return error_response(429, "rate_limited", "too many requests from this peer: slow down and retry later")
    try:
        msg = encoding.decode(body, limit) if body else {}
        signed = verify_request(
            dict(request.headers), request.method, request.path, body, now, node.config.federation.request_skew_s * 1000
        )
        request.app[NONCES].check_and_remember(signed, now)
    except ProtocolError as exc:
        return error_response(_status(exc.code), str(exc.code), exc.message)
    if request.path not in OPEN_PATHS:
        membership = await request.app[MEMBERSHIP].get(node)
        if not membership.accepts(signed.key):
            return error_response(
                403, "not_member", "this node only serves members of its network: ask the members to endorse your key"
            )
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
    membership = await request.app[MEMBERSHIP].get(node)
    out = [
        HeadEntry(h.key, h.size, h.root).to_wire()
        for h in await node.logs.heads()
        if h.size and h.root and (h.key == node.public_key or membership.accepts(h.key))
    ]
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
    membership = await request.app[MEMBERSHIP].get(node)
    me = node.public_key
    rows = await node.logs.forks()
    # members' proofs first (stable sort keeps the order found): older stored proofs about
    # strangers cannot starve them out of the bounded answer
    rows.sort(key=lambda r: not (r[0] == me or membership.accepts(r[0])))
    return reply({"forks": [encoding.decode(p) for _, _, p, _ in rows[:MAX_FORKS]]})


async def reconcile(request: web.Request) -> web.Response:
    """One step of set reconciliation over our log heads; the caller drives, we only answer."""
    node = request.app[NODE]
    m = request[PEER_MSG]
    if not isinstance(m, dict) or set(m) != {"m"} or not isinstance(m["m"], bytes):
        raise ProtocolError("a reconcile request is {m: bytes}", ErrorCode.MALFORMED)
    membership = await request.app[MEMBERSHIP].get(node)
    me = node.public_key
    items = [
        head_item(h.key, h.size, h.root)
        for h in await node.logs.heads()
        if h.size and h.root and (h.key == me or membership.accepts(h.key))
    ]
    return reply({"m": Reconciler(items).receive(m["m"])})


async def push(request: web.Request) -> web.Response:
    """Records of one log pushed by a peer: bounded, charged to its signature budget, then ingested."""
    node = request.app[NODE]
    m = request[PEER_MSG]
    if not isinstance(m, dict) or not {"author", "records"} <= set(m) <= {"author", "records", "checkpoint", "cosigs"}:
        raise ProtocolError("a push is {author, records, checkpoint?, cosigs?}", ErrorCode.MALFORMED)
    if not isinstance(m["records"], list):
        raise ProtocolError("a push carries a list of records", ErrorCode.MALFORMED)
    author, recs = m["author"], m["records"]
    if not isinstance(author, bytes) or len(author) != 32 or len(recs) > MAX_PUSH:
        raise ProtocolError(f"a push names a 32-byte author and carries at most {MAX_PUSH} records", ErrorCode.MALFORMED)
    budget = request.app[BUDGETS].per_peer.get(budget_key(request[PEER_KEY].hex()))
    if budget is not None:
        budget.signatures += len(recs)
        if budget.signatures > request.app[BUDGETS].max_signatures:
            return error_response(429, "rate_limited", "too many records to verify from this peer: slow down")
    membership = await request.app[MEMBERSHIP].get(node)
    if not membership.accepts(author):
        return error_response(403, "not_member", "records of non-members are neither stored nor relayed")
    rot = membership.retired.get(author)
    result = await node.ingest(author, recs, retired_at=rot.seq if rot is not None else None)
    cosigs: list[list[Any]] = []
    cp = m.get("checkpoint")
    witnessed = result.error is None and result.fork is None and cp and await witness_wire(
        node, author, cp, m.get("cosigs"), SyncReport(""), membership
    )
    if witnessed and isinstance(cp, list):
        # the witnesses we hold go back to the pusher, so the author learns who cosigned its checkpoint
        cp_id = hashlib.sha256(cp[0]).digest()
        cosigs = [[w, ts, sig] for w, ts, sig in (await node.logs.cosignatures(cp_id))[:64]]
    return reply({"accepted": result.accepted, "size": result.size, "fork": result.fork is not None,
                  "error": str(result.error.code) if result.error else "", "cosigs": cosigs})


async def root(request: web.Request) -> web.Response:
    node = request.app[NODE]
    return web.json_response(
        {"democite": 1, "name": node.config.node.name, "public_key": node.public_key.hex(), "peer_api": "/fed/v1/"}
    )


def add_peer_routes(app: web.Application) -> None:
    app.router.add_get("/", root)
    for name, h in (
        ("info", info),
        ("heads", heads),
        ("records", records),
        ("checkpoint", checkpoint),
        ("forks", forks),
        ("reconcile", reconcile),
        ("push", push),
    ):
        app.router.add_post(f"/fed/v1/{name}", h)
    from federation import proof_route  # in its own module: this one is the guard's

    proof_route.add_route(app, PEER_MSG)
