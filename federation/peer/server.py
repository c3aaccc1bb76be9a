"""Peer-facing endpoints under /fed/v1/: msgpack in, msgpack out, every input bounded first.

Order of checks on every request, cheapest first and nothing decoded before the signature
verifies: size and budgets (a key's budget is only ever spent by requests that key signed;
everything else by the source address), the signature headers, the body (with a deadline), the
signature over it, then structure (canonical msgpack), and only then the database. Large bodies
are hashed and decoded in a worker thread, off the event loop. Every refusal is msgpack too,
`{"error": {"code", "message"}}`, its status from `PEER_STATUS`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Hashable
from enum import StrEnum
from typing import Any, TypeVar

from aiohttp import web

from federation.errors import BodyCut, FedErrorCode
from federation.peer.bodies import read_capped
from federation.peer.connections import address_key
from federation.peer.state import BUDGETS, NONCES, Budgets, PeerBudget
from federation.peer.sync import MAX_FORKS, SyncReport, witness_wire
from node.api.framework import ADMIN_STATUS, ERROR_CODE, NODE
from node.errors import NodeErrorCode
from protocol import encoding
from protocol.errors import DemociteError, ErrorCode, ProtocolError
from protocol.httpsig import HEADER_KEY, HEADER_NONCE, HEADER_SIG, HEADER_TIME, HEADER_TS, SignedRequest, verify_request
from protocol.membership import Membership
from protocol.messages import CheckpointRequest, HeadEntry, Info, RecordsRequest
from protocol.reconcile import Reconciler, head_item

log = logging.getLogger("democite.peer")
MSGPACK = "application/msgpack"
PEER_KEY = web.RequestKey("peer_key", bytes)
PEER_MSG = web.RequestKey("peer_msg", object)
# the membership the guard checked the caller against: handlers reuse it (one lookup per request)
PEER_MEMBERSHIP = web.RequestKey("peer_membership", Membership)
MAX_PUSH = 1000
OPEN_PATHS = ("/fed/v1/info",)  # what a non-member may still call: enough to learn it is not admitted
SIGNATURE_HEADERS = (HEADER_KEY, HEADER_TS, HEADER_NONCE, HEADER_SIG)
OFFLOAD_BYTES = 256 * 1024  # bodies above this are hashed and decoded in a worker thread

PeerHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]
K = TypeVar("K", bound=Hashable)


# The one place the peer API picks an HTTP status: the admin API's table, where a peer's request
# signature and a fork have their own statuses.
PEER_STATUS: dict[str, int] = {
    **ADMIN_STATUS,
    ErrorCode.STALE_REQUEST: 401, ErrorCode.REPLAYED_REQUEST: 401, ErrorCode.BAD_REQUEST_SIGNATURE: 401,
    ErrorCode.FORK: 409,
}


def peer_error(code: StrEnum, message: str) -> web.Response:
    """The peer API's one error body: msgpack like its answers, the status from the code."""
    body = encoding.encode({"error": {"code": str(code), "message": message}})
    resp = web.Response(body=body, status=PEER_STATUS.get(code, 500), content_type=MSGPACK)
    resp[ERROR_CODE] = str(code)
    return resp


MAX_BUDGETS = 10_000


def _evict(budgets: dict[K, Any], horizon: int, stamp: Callable[[Any], int]) -> None:
    """Forget expired windows, then the oldest ones, from the front: entries are re-inserted when
    their window starts, so the dict is ordered by time and each call costs what it removes (a
    flood of fresh keys or addresses never makes the event loop scan the whole table)."""
    while budgets:
        first = next(iter(budgets))
        if stamp(budgets[first]) >= horizon and len(budgets) <= MAX_BUDGETS:
            return
        del budgets[first]


def _window(budgets: dict[K, PeerBudget], key: K, now: int, window_ms: int) -> PeerBudget:
    """The budget of `key` in the current window (a fresh one when its window ended)."""
    b = budgets.get(key)
    if b is None or now - b.window_start_ms > window_ms:
        if len(budgets) > MAX_BUDGETS:
            _evict(budgets, now - window_ms, lambda x: x.window_start_ms)
        budgets.pop(key, None)  # re-inserted last: the dict stays ordered by window start
        b = budgets[key] = PeerBudget(now)
    return b


def _key_over(limits: Budgets, key: bytes, now: int) -> bool:
    b = limits.per_peer.get(key)
    return b is not None and now - b.window_start_ms <= limits.window_ms and (
        b.requests >= limits.max_requests or b.bytes > limits.max_bytes
    )


def _address_over(limits: Budgets, addr: str, now: int) -> bool:
    b = limits.per_address.get(addr)
    return b is not None and now - b.window_start_ms <= limits.window_ms and (
        b.requests >= limits.max_unverified_requests or b.bytes > limits.max_unverified_bytes
    )


def _charge_address(limits: Budgets, addr: str, size: int, now: int) -> None:
    """What did not verify is charged to where it came from: no key was proven."""
    b = _window(limits.per_address, addr, now, limits.window_ms)
    b.requests += 1
    b.bytes += size


def _charge_key(limits: Budgets, key: bytes, size: int, now: int) -> bool:
    b = _window(limits.per_peer, key, now, limits.window_ms)
    b.requests += 1
    b.bytes += size
    return b.requests <= limits.max_requests and b.bytes <= limits.max_bytes


def _stamp(stamps: dict[K, int], key: K, now: int, keep_ms: int) -> None:
    stamps.pop(key, None)  # re-inserted last: ordered by time
    stamps[key] = now
    if len(stamps) > MAX_BUDGETS:
        _evict(stamps, now - keep_ms, lambda t: t)


def _prove(limits: Budgets, addr: str, key: bytes, now: int) -> None:
    _stamp(limits.proven, (addr, key), now, limits.proven_ms)
    _stamp(limits.proven_addresses, addr, now, limits.proven_ms)


def address_proven(limits: Budgets, addr: str, now: int) -> bool:
    t = limits.proven_addresses.get(addr)
    return t is not None and now - t <= limits.proven_ms


def address_barred(limits: Budgets, addr: str, now: int) -> bool:
    """An address over its budget of unverified requests from which no key verified lately: its
    connections are closed as they are accepted, which costs less than any HTTP answer."""
    return _address_over(limits, addr, now) and not address_proven(limits, addr, now)


def _is_proven(limits: Budgets, addr: str, key: bytes, now: int) -> bool:
    t = limits.proven.get((addr, key))
    return t is not None and now - t <= limits.proven_ms


def _claimed(header: str) -> bytes:
    """The key a request names, as bytes (empty when it names none or garbage): not proven yet."""
    if len(header) != 64:
        return b""
    try:
        return bytes.fromhex(header)
    except ValueError:
        return b""


def _closing(resp: web.Response) -> web.Response:
    """Refused before its body was read: the connection is closed rather than drained."""
    resp.force_close()
    return resp


def _early_refusal(request: web.Request, limits: Budgets, addr: str, claimed: bytes, now: int) -> web.Response | None:
    """Refusals that need neither the body nor a signature check: they cost almost nothing."""
    fed = request.app[NODE].config.federation
    limit = fed.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        _charge_address(limits, addr, request.content_length, now)  # aiohttp drains some of it
        return _closing(peer_error(ErrorCode.TOO_LARGE, f"request body over {limit} bytes; send smaller pages"))
    if claimed and _key_over(limits, claimed, now):
        # only requests this key signed spend its budget: a forger cannot get here on its behalf
        return _closing(peer_error(FedErrorCode.RATE_LIMITED, "too many requests from this peer: slow down and retry later"))
    if _address_over(limits, addr, now) and not (claimed and _is_proven(limits, addr, claimed, now)):
        return _closing(peer_error(
            FedErrorCode.RATE_LIMITED, "too many unsigned or badly signed requests from this address: slow down and retry later"
        ))
    skew_ms = fed.request_skew_s * 1000
    h = request.headers
    ts = h.get(HEADER_TS, "")
    if all(k in h for k in SIGNATURE_HEADERS) and ts.isdigit() and abs(now - int(ts)) <= skew_ms:
        return None
    try:
        # missing, malformed or stale headers: refused with the exact error, and the body plays
        # no part in any of these checks, so it is never read
        verify_request(dict(h), request.method, request.path, b"", now, skew_ms)
    except ProtocolError as exc:
        _charge_address(limits, addr, request.content_length or 0, now)
        return _closing(peer_error(exc.code, exc.message))
    return None


async def _off_loop_if_large(size: int, fn: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.to_thread(fn, *args) if size > OFFLOAD_BYTES else fn(*args)


NOT_MEMBER_MESSAGE = "this node only serves members of its network: ask the members to endorse your key"


@web.middleware
async def peer_guard(request: web.Request, handler: PeerHandler) -> web.StreamResponse:
    if not request.path.startswith("/fed/"):
        return await handler(request)
    try:
        response = await _guarded(request, handler)
    except Exception:  # the last line of defence: the route's pattern in the log, never the caller's bytes
        route = request.match_info.route.resource.canonical if request.match_info.route.resource else "?"
        log.exception("internal error on peer route %s", route)
        response = peer_error(NodeErrorCode.STORAGE, "internal error; the node's log has the details")
    response.headers[HEADER_TIME] = str(request.app[NODE].clock())
    return _for_caller(request, response)


def _for_caller(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
    """Refusals go out in msgpack to callers that say they read it (`Accept: application/msgpack`,
    sent by every node since refusals became msgpack) and in the JSON of earlier versions to the
    others, so a network can upgrade one node at a time."""
    if (response.status < 400 or not isinstance(response, web.Response) or response.content_type != MSGPACK
            or MSGPACK in request.headers.get("Accept", "")):
        return response
    try:
        error = encoding.decode(bytes(response.body))  # type: ignore[arg-type]
    except ProtocolError:
        return response
    legacy = web.json_response(error, status=response.status, headers={HEADER_TIME: response.headers.get(HEADER_TIME, "")})
    if response.keep_alive is False:
        legacy.force_close()
    for name in ("Allow",):
        if name in response.headers:
            legacy.headers[name] = response.headers[name]
    return legacy


async def _guarded(request: web.Request, handler: PeerHandler) -> web.StreamResponse:
    node = request.app[NODE]
    limits = request.app[BUDGETS]
    addr = address_key(request.remote or "")
    now = node.clock()
    claimed = _claimed(request.headers.get(HEADER_KEY, ""))
    refusal = _early_refusal(request, limits, addr, claimed, now)
    if refusal is not None:
        return refusal
    membership = request[PEER_MEMBERSHIP] = await node.membership()
    # decided on the key the headers name, before the body is read: the signature checked below
    # is that key's, so a request that gets further is by a key of this standing
    member = _serves(membership, claimed)
    if not member and request.path not in OPEN_PATHS and (request.content_length or 0) > KNOCK_BODY_BYTES:
        _charge_address(limits, addr, request.content_length or 0, now)
        return _closing(peer_error(FedErrorCode.NOT_MEMBER, NOT_MEMBER_MESSAGE))
    checked = await _signed_body(request, limits, addr, now, None if member else KNOCK_BODY_BYTES)
    if isinstance(checked, web.Response):
        return checked
    signed, body = checked
    if not member:
        _charge_address(limits, addr, len(body), now)  # a stranger never spends a budget of its own
        if request.path not in OPEN_PATHS:
            node.note_caller(signed.key, addr)  # a candidate knocking: its key is now known here
            return peer_error(FedErrorCode.NOT_MEMBER, NOT_MEMBER_MESSAGE)
    else:
        _prove(limits, addr, signed.key, now)
        if not _charge_key(limits, signed.key, len(body), now):
            return peer_error(FedErrorCode.RATE_LIMITED, "too many requests from this peer: slow down and retry later")
    try:
        msg = await _off_loop_if_large(len(body), encoding.decode, body, node.config.federation.max_body_bytes) if body else {}
    except ProtocolError as exc:
        return peer_error(exc.code, exc.message)
    request[PEER_KEY] = signed.key
    request[PEER_MSG] = msg
    try:
        return await handler(request)
    except DemociteError as exc:  # a bad request (ProtocolError) or the node's refusal (NotFound, ...)
        return peer_error(exc.code, exc.message)
    except web.HTTPMethodNotAllowed as exc:  # aiohttp's router: answered in the peer API's one format
        allowed = ", ".join(sorted(exc.allowed_methods))
        resp = peer_error(NodeErrorCode.METHOD_NOT_ALLOWED, f"{request.method[:10]} is not allowed on {request.path[:80]}; use {allowed}")
        resp.headers["Allow"] = allowed
        return resp
    except web.HTTPNotFound:
        return peer_error(NodeErrorCode.NOT_FOUND, f"no peer route {request.path[:80]}: the routes are listed in docs/protocol.md")


def _serves(membership: Membership, key: bytes) -> bool:
    """Whether requests signed by `key` are served: a member's current key (a retired key signs
    nothing new here; a node that still lacks the rotation accepts it, which hand-over needs)."""
    return bool(key) and membership.accepts(key) and key not in membership.retired


KNOCK_BODY_BYTES = 64 * 1024  # what a non-member may send: its requests carry no records


async def _signed_body(
    request: web.Request, limits: Budgets, addr: str, now: int, cap: int | None = None
) -> tuple[SignedRequest, bytes] | web.Response:
    """The body, read within its size and time limits, and the request signature over it (a fresh
    nonce); or the refusal, charged to the address when no key is proven. The bytes being read
    are reserved first, within the bounds on what all unverified bodies may hold at once."""
    fed = request.app[NODE].config.federation
    limit = min(fed.max_body_bytes, cap) if cap is not None else fed.max_body_bytes
    size = request.content_length
    if size is None:
        if request.body_exists:
            _charge_address(limits, addr, 0, now)
            return _closing(peer_error(FedErrorCode.LENGTH_REQUIRED, "send the body with a Content-Length (no chunked bodies)"))
        size = 0
    if size > limit:
        _charge_address(limits, addr, size, now)
        return _closing(peer_error(ErrorCode.TOO_LARGE, f"request body over {limit} bytes; send smaller pages"))
    if not _reserve(limits, addr, size):
        return _closing(peer_error(FedErrorCode.BUSY, "too many request bodies are being received: retry in a moment"))
    try:
        return await _read_and_verify(request, limits, addr, now, limit)
    finally:
        _release(limits, addr, size)


def _reserve(limits: Budgets, addr: str, size: int) -> bool:
    held = limits.inflight.get(addr, 0)
    if limits.inflight_total + size > limits.max_inflight_bytes or held + size > limits.max_inflight_per_address:
        return False
    limits.inflight[addr] = held + size
    limits.inflight_total += size
    return True


def _release(limits: Budgets, addr: str, size: int) -> None:
    held = limits.inflight.get(addr, 0) - size
    if held > 0:
        limits.inflight[addr] = held
    else:
        limits.inflight.pop(addr, None)
    limits.inflight_total -= size


async def _read_and_verify(
    request: web.Request, limits: Budgets, addr: str, now: int, limit: int
) -> tuple[SignedRequest, bytes] | web.Response:
    fed = request.app[NODE].config.federation
    try:
        body = await read_capped(request.content, limit, fed.body_timeout_s)
    except TimeoutError:
        _charge_address(limits, addr, 0, now)
        return _closing(peer_error(FedErrorCode.BODY_TIMEOUT, f"request body not received within {fed.body_timeout_s:g} s"))
    except BodyCut as exc:
        _charge_address(limits, addr, exc.received, now)  # what it sent counts, whether it finished or not
        log.info("a peer disconnected before the end of its request body")
        return _closing(peer_error(FedErrorCode.INCOMPLETE_BODY, "the request body ended early; send it again"))
    if len(body) > limit:
        _charge_address(limits, addr, len(body), now)
        return _closing(peer_error(ErrorCode.TOO_LARGE, f"request body over {limit} bytes; send smaller pages"))
    try:
        signed: SignedRequest = await _off_loop_if_large(
            len(body), verify_request, dict(request.headers), request.method, request.path, body, now,
            fed.request_skew_s * 1000,
        )
        request.app[NONCES].check_and_remember(signed, now)
    except ProtocolError as exc:
        _charge_address(limits, addr, len(body), now)
        return _closing(peer_error(exc.code, exc.message))
    return signed, body


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
    membership = request[PEER_MEMBERSHIP]
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
    membership = request[PEER_MEMBERSHIP]
    me = node.public_key
    rows = await node.logs.forks()
    # members' proofs first (stable sort keeps the order found): older stored proofs about
    # strangers cannot starve them out of the bounded answer
    rows.sort(key=lambda r: not (r.author == me or membership.accepts(r.author)))
    return reply({"forks": [r.wire for r in rows[:MAX_FORKS]]})


async def reconcile(request: web.Request) -> web.Response:
    """One step of set reconciliation over our log heads; the caller drives, we only answer."""
    node = request.app[NODE]
    m = request[PEER_MSG]
    if not isinstance(m, dict) or set(m) != {"m"} or not isinstance(m["m"], bytes):
        raise ProtocolError("a reconcile request is {m: bytes}", ErrorCode.MALFORMED)
    membership = request[PEER_MEMBERSHIP]
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
    budget = request.app[BUDGETS].per_peer.get(request[PEER_KEY])
    if budget is not None:
        budget.signatures += len(recs)
        if budget.signatures > request.app[BUDGETS].max_signatures:
            return peer_error(FedErrorCode.RATE_LIMITED, "too many records to verify from this peer: slow down")
    membership = request[PEER_MEMBERSHIP]
    if not membership.accepts(author):
        return peer_error(FedErrorCode.NOT_MEMBER, "records of non-members are neither stored nor relayed")
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
    from federation.peer import proof as proof_route  # in its own module: this one is the guard's

    proof_route.add_route(app, PEER_MSG)
