"""The record envelope, its chain rule and its signature.

A record is `{v, net, author, seq, prev, ts, kind, body}` in canonical bytes; its id is the SHA-256
of those bytes and its signature covers a domain tag plus the id. Received records are verified on
their exact bytes, against the author we expect, before anything is decoded.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from protocol import encoding
from protocol.errors import ChainError, ErrorCode, RecordError
from protocol.identity import KEY_BYTES, SIG_BYTES, Domain, Identity, verify
from protocol.kinds import schema_for

VERSION = 1
ID_BYTES = 32
GENESIS_PREV = bytes(ID_BYTES)
MAX_RECORD_BYTES = 64 * 1024
MAX_KIND_LEN = 64


def record_id(raw: bytes) -> bytes:
    return hashlib.sha256(raw).digest()


@dataclass(frozen=True, slots=True)
class Record:
    v: int
    net: bytes
    author: bytes
    seq: int
    prev: bytes
    ts: int
    kind: str
    body: dict[str, Any]

    def __post_init__(self) -> None:
        if self.v != VERSION:
            raise RecordError(f"record version {self.v!r} is not supported (expected {VERSION})")
        for name, value, size in (
            ("net", self.net, ID_BYTES),
            ("author", self.author, KEY_BYTES),
            ("prev", self.prev, ID_BYTES),
        ):
            if not isinstance(value, bytes) or len(value) != size:
                raise RecordError(f"record field '{name}' must be {size} bytes", ErrorCode.BAD_TYPE)
        for name, num in (("seq", self.seq), ("ts", self.ts)):
            if isinstance(num, bool) or not isinstance(num, int) or num < 0:
                raise RecordError(f"record field '{name}' must be a non-negative integer", ErrorCode.BAD_TYPE)
        if self.seq < 1:
            raise RecordError("record field 'seq' counts from 1")
        if (self.seq == 1) != (self.prev == GENESIS_PREV):
            raise ChainError("only record 1 has the all-zero 'prev'")
        if not isinstance(self.kind, str) or not 0 < len(self.kind) <= MAX_KIND_LEN:
            raise RecordError("record field 'kind' must be a short text", ErrorCode.BAD_TYPE)
        schema_for(self.kind).validate(self.body)

    def to_map(self) -> dict[str, Any]:
        return {
            "v": self.v,
            "net": self.net,
            "author": self.author,
            "seq": self.seq,
            "prev": self.prev,
            "ts": self.ts,
            "kind": self.kind,
            "body": self.body,
        }

    @classmethod
    def from_map(cls, m: Any) -> Record:
        if not isinstance(m, dict):
            raise RecordError("a record is a map", ErrorCode.BAD_TYPE)
        keys = {"v", "net", "author", "seq", "prev", "ts", "kind", "body"}
        if set(m) != keys:
            missing = sorted(keys - set(m))
            extra = sorted(set(m) - keys)
            raise RecordError(f"record fields wrong: missing {missing}, unexpected {extra[:3]}")
        return cls(**m)


@dataclass(frozen=True, slots=True)
class SignedRecord:
    """A record with the exact bytes it was signed over. `id` = SHA-256(raw)."""

    raw: bytes
    sig: bytes
    id: bytes
    record: Record

    @property
    def author(self) -> bytes:
        return self.record.author

    @property
    def seq(self) -> int:
        return self.record.seq

    def wire(self) -> list[bytes]:
        return [self.raw, self.sig]


def sign_record(identity: Identity, record: Record) -> SignedRecord:
    if record.author != identity.public_key:
        raise RecordError("a node signs only records it authored", ErrorCode.WRONG_AUTHOR)
    raw = encoding.encode(record.to_map())
    if len(raw) > MAX_RECORD_BYTES:
        raise RecordError(f"record is {len(raw)} bytes, over the {MAX_RECORD_BYTES}-byte limit", ErrorCode.TOO_LARGE)
    rid = record_id(raw)
    return SignedRecord(raw, identity.sign(Domain.RECORD, rid), rid, record)


def open_record(raw: bytes, sig: bytes, author: bytes, net: bytes | None = None) -> SignedRecord:
    """Verify then decode a received record claimed to be by `author`.

    Order matters: size, then the signature over the exact bytes, and only then decoding.
    """
    if not isinstance(raw, bytes) or not isinstance(sig, bytes):
        raise RecordError("a signed record is [bytes, bytes]", ErrorCode.BAD_TYPE)
    if len(raw) > MAX_RECORD_BYTES:
        raise RecordError(f"record is {len(raw)} bytes, over the {MAX_RECORD_BYTES}-byte limit", ErrorCode.TOO_LARGE)
    if len(sig) != SIG_BYTES:
        raise RecordError("a record signature is exactly 64 bytes", ErrorCode.BAD_SIGNATURE)
    rid = record_id(raw)
    verify(author, Domain.RECORD, rid, sig)
    record = Record.from_map(encoding.decode(raw, MAX_RECORD_BYTES))
    if record.author != author:
        raise RecordError("record claims another author than the log it came in", ErrorCode.WRONG_AUTHOR)
    if net is not None and record.net != net:
        raise RecordError("record belongs to another network", ErrorCode.WRONG_NETWORK)
    return SignedRecord(raw, sig, rid, record)


def check_link(prev: SignedRecord | None, rec: SignedRecord) -> None:
    """Raise ChainError unless `rec` directly follows `prev` (None: rec must be record 1)."""
    if prev is None:
        if rec.seq != 1:
            raise ChainError(f"expected record 1, got record {rec.seq}")
        return
    check_follows(prev.seq, prev.id, rec)


def check_follows(seq: int, last_id: bytes, rec: SignedRecord) -> None:
    if rec.seq != seq + 1:
        raise ChainError(f"expected record {seq + 1}, got record {rec.seq}")
    if rec.record.prev != last_id:
        raise ChainError(f"record {rec.seq}'s 'prev' does not match record {seq}'s id")
