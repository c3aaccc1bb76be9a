"""The only module that calls other nodes: signed msgpack requests over HTTP, bounded answers.

It is also the boundary where a peer's faults get their types: no answer is PeerUnreachable, an
error answer PeerRefused, an unreadable or out-of-shape answer RemoteError (`peer_data`).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp

from federation.errors import BodyCut, PeerRefused, PeerUnreachable, RemoteError, peer_data
from federation.peer.bodies import read_capped
from federation.peer.state import Traffic
from protocol import encoding
from protocol.errors import ProtocolError
from protocol.httpsig import HEADER_TIME, sign_request
from protocol.identity import Identity
from protocol.messages import CheckpointRequest, HeadEntry, Info, RecordsRequest
from protocol.proof import InclusionProof, ProofRequest, open_inclusion_proof

MSGPACK = "application/msgpack"


@dataclass(frozen=True, slots=True)
class Answer:
    """A peer's answer as the transport received it: nothing decoded yet."""

    status: int
    content_type: str
    headers: Mapping[str, str]
    body: bytes


class Transport(Protocol):
    """How signed request bytes reach a peer: HTTP in a node, a simulated network in
    `federation.sim` (which also chooses the nonces, so that a seed replays a run exactly).
    Raises PeerUnreachable (or an aiohttp/OS error) when no answer comes back."""

    def nonce(self) -> bytes: ...

    async def post(self, url: str, body: bytes, headers: dict[str, str], timeout_s: float, max_body: int) -> Answer: ...


class HttpTransport:
    """A running node's transport: HTTP through the node's aiohttp session, random nonces."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    def nonce(self) -> bytes:
        return secrets.token_bytes(16)

    async def post(self, url: str, body: bytes, headers: dict[str, str], timeout_s: float, max_body: int) -> Answer:
        timeout = aiohttp.ClientTimeout(total=timeout_s)
        async with self.session.post(url, data=body, headers=headers, timeout=timeout) as resp:
            if resp.content_length is not None and resp.content_length > max_body:
                raise RemoteError(f"peer {url} announced more than {max_body} bytes")
            data = await read_capped(resp.content, max_body)
            return Answer(resp.status, resp.content_type, resp.headers, data)


class PeerClient:
    def __init__(
        self,
        session: aiohttp.ClientSession | Transport,
        identity: Identity,
        url: str,
        clock: Callable[[], int],
        timeout_s: float = 10.0,
        max_body: int = 8 * 1024 * 1024,
        traffic: Traffic | None = None,
    ) -> None:
        self.transport: Transport = HttpTransport(session) if isinstance(session, aiohttp.ClientSession) else session
        self.identity = identity
        self.url = url.rstrip("/")
        self.clock = clock
        self.timeout_s = timeout_s
        self.max_body = max_body
        self.traffic = traffic or Traffic()
        # the peer's clock minus ours, from its last answer (half the round trip is the error bar)
        self.clock_skew_ms: int | None = None

    async def call(self, path: str, msg: Any) -> Any:
        if self.url in self.traffic.blocked:
            raise PeerUnreachable(f"cannot reach peer {self.url}: the link is cut")
        body = encoding.encode(msg)
        sent_at = self.clock()
        headers = sign_request(self.identity, "POST", path, body, sent_at, self.transport.nonce())
        headers["Content-Type"] = MSGPACK
        headers["Accept"] = MSGPACK  # refusals in msgpack too (nodes answer older callers in JSON)
        self.traffic.sent += len(body) + len(path) + 200  # headers are about 200 bytes
        self.traffic.requests += 1
        try:
            answer = await self.transport.post(self.url + path, body, headers, self.timeout_s, self.max_body)
        except (TimeoutError, aiohttp.ClientError, OSError, BodyCut) as exc:
            raise PeerUnreachable(f"cannot reach peer {self.url}: {type(exc).__name__}; is it running?") from None
        data = answer.body
        self.clock_skew_ms = _skew(answer.headers.get(HEADER_TIME, ""), sent_at, self.clock())
        self.traffic.received += len(data) + 150
        if len(data) > self.max_body:
            raise RemoteError(f"peer {self.url} sent more than {self.max_body} bytes")
        if answer.status != 200:
            raise _refusal(self.url, answer.status, data, answer.content_type)
        with peer_data(self.url, "answered garbage", RemoteError):
            return encoding.decode(data, self.max_body)

    async def info(self) -> Info:
        answer = await self.call("/fed/v1/info", {})
        with peer_data(self.url, "sent a bad info", RemoteError):
            return Info.from_wire(answer)

    async def heads(self) -> list[HeadEntry]:
        m = await self.call("/fed/v1/heads", {})
        with peer_data(self.url, "sent bad heads", RemoteError):
            if not isinstance(m, dict) or not isinstance(m.get("heads"), list):
                raise ProtocolError("heads answer is {heads: [...]}")
            return [HeadEntry.from_wire(h) for h in m["heads"]]

    async def records(self, author: bytes, start: int, limit: int) -> list[Any]:
        m = await self.call("/fed/v1/records", RecordsRequest(author, start, limit).to_wire())
        if not isinstance(m, dict) or not isinstance(m.get("records"), list):
            raise RemoteError(f"peer {self.url} sent a bad page of records")
        return list(m["records"])

    async def checkpoint(self, author: bytes, since: int) -> dict[str, Any]:
        m = await self.call("/fed/v1/checkpoint", CheckpointRequest(author, since).to_wire())
        if not isinstance(m, dict):
            raise RemoteError(f"peer {self.url} sent a bad checkpoint answer")
        return m

    async def forks(self) -> list[Any]:
        m = await self.call("/fed/v1/forks", {})
        if not isinstance(m, dict) or not isinstance(m.get("forks"), list):
            raise RemoteError(f"peer {self.url} sent a bad fork list")
        return list(m["forks"])

    async def reconcile(self, message: bytes) -> bytes:
        m = await self.call("/fed/v1/reconcile", {"m": message})
        if not isinstance(m, dict) or not isinstance(m.get("m"), bytes):
            raise RemoteError(f"peer {self.url} sent a bad reconciliation answer")
        return bytes(m["m"])

    async def push(self, author: bytes, records: list[list[bytes]], checkpoint: list[Any] | None = None) -> dict[str, Any]:
        msg: dict[str, Any] = {"author": author, "records": records}
        if checkpoint is not None:
            msg["checkpoint"], msg["cosigs"] = checkpoint
        m = await self.call("/fed/v1/push", msg)
        if not isinstance(m, dict):
            raise RemoteError(f"peer {self.url} sent a bad push answer")
        return m

    async def proof(self, record: bytes, checkpoint: bytes | int | None = None, author: bytes | None = None) -> InclusionProof:
        """The inclusion proof of a record, verified here: a peer that lies is caught, not believed."""
        m = await self.call("/fed/v1/proof", ProofRequest(record, checkpoint).to_wire())
        with peer_data(self.url, "sent a bad inclusion proof", RemoteError):
            proof = open_inclusion_proof(m, author)
        if proof.record.id != record:
            raise RemoteError(f"peer {self.url} proved another record than the one asked")
        return proof

    async def post(self, path: str, msg: Any) -> Any:
        """Any other peer endpoint (gossip, witnessing, cooperation messages)."""
        return await self.call(path, msg)


def _refusal(url: str, status: int, data: bytes, content_type: str) -> PeerRefused:
    """The peer's error answer: msgpack `{"error": {"code", "message"}}`, or the same in JSON from a
    peer on a version before msgpack errors (kept while such peers may still answer)."""
    code, message = "", f"HTTP {status}"
    try:
        doc = encoding.decode(data) if content_type == MSGPACK else json.loads(data)
        err = doc["error"]
        code, message = str(err["code"])[:64], str(err["message"])[:300]
    except (ProtocolError, ValueError, KeyError, TypeError, RecursionError):  # json's parser recurses
        pass
    return PeerRefused(f"peer {url} refused: {message}", peer_code=code)


def _skew(stamp: str, sent_ms: int, received_ms: int) -> int | None:
    """The answering node's clock minus ours, taken at the middle of the round trip."""
    if not stamp.isdigit() or len(stamp) > 16:
        return None
    return int(stamp) - (sent_ms + received_ms) // 2
