"""The only module that calls other nodes: signed msgpack requests over HTTP, bounded answers.

It is also the boundary where a peer's faults get their types: no answer is PeerUnreachable, an
error answer PeerRefused, an unreadable or out-of-shape answer RemoteError (`peer_data`).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

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


class PeerClient:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        identity: Identity,
        url: str,
        clock: Callable[[], int],
        timeout_s: float = 10.0,
        max_body: int = 8 * 1024 * 1024,
        traffic: Traffic | None = None,
    ) -> None:
        self.session = session
        self.identity = identity
        self.url = url.rstrip("/")
        self.clock = clock
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self.max_body = max_body
        self.traffic = traffic or Traffic()
        # the peer's clock minus ours, from its last answer (half the round trip is the error bar)
        self.clock_skew_ms: int | None = None

    async def call(self, path: str, msg: Any) -> Any:
        if self.url in self.traffic.blocked:
            raise PeerUnreachable(f"cannot reach peer {self.url}: the link is cut")
        body = encoding.encode(msg)
        sent_at = self.clock()
        headers = sign_request(self.identity, "POST", path, body, sent_at, secrets.token_bytes(16))
        headers["Content-Type"] = MSGPACK
        headers["Accept"] = MSGPACK  # refusals in msgpack too (nodes answer older callers in JSON)
        self.traffic.sent += len(body) + len(path) + 200  # headers are about 200 bytes
        self.traffic.requests += 1
        try:
            async with self.session.post(self.url + path, data=body, headers=headers, timeout=self.timeout) as resp:
                if resp.content_length is not None and resp.content_length > self.max_body:
                    raise RemoteError(f"peer {self.url} announced more than {self.max_body} bytes")
                data = await read_capped(resp.content, self.max_body)
                self.clock_skew_ms = _skew(resp.headers.get(HEADER_TIME, ""), sent_at, self.clock())
                self.traffic.received += len(data) + 150
                if len(data) > self.max_body:
                    raise RemoteError(f"peer {self.url} sent more than {self.max_body} bytes")
                if resp.status != 200:
                    raise _refusal(self.url, resp.status, data, resp.content_type)
        except (TimeoutError, aiohttp.ClientError, OSError, BodyCut) as exc:
            raise PeerUnreachable(f"cannot reach peer {self.url}: {type(exc).__name__}; is it running?") from None
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
