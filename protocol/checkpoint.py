"""Signed checkpoints `(author, size, root)` of a log and witnesses' cosignatures on them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from protocol import encoding
from protocol.errors import ErrorCode, ProofError, RecordError
from protocol.identity import KEY_BYTES, SIG_BYTES, Domain, Identity, verify
from protocol.merkle import verify_consistency

MAX_CHECKPOINT_BYTES = 512


@dataclass(frozen=True, slots=True)
class Checkpoint:
    net: bytes
    author: bytes
    size: int
    root: bytes
    ts: int

    def __post_init__(self) -> None:
        if not isinstance(self.net, bytes) or len(self.net) != 32:
            raise RecordError("checkpoint 'net' must be 32 bytes", ErrorCode.BAD_CHECKPOINT)
        if not isinstance(self.author, bytes) or len(self.author) != KEY_BYTES:
            raise RecordError("checkpoint 'author' must be 32 bytes", ErrorCode.BAD_CHECKPOINT)
        if not isinstance(self.root, bytes) or len(self.root) != 32:
            raise RecordError("checkpoint 'root' must be 32 bytes", ErrorCode.BAD_CHECKPOINT)
        for name, v in (("size", self.size), ("ts", self.ts)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise RecordError(f"checkpoint '{name}' must be a non-negative integer", ErrorCode.BAD_CHECKPOINT)

    def to_map(self) -> dict[str, Any]:
        return {"net": self.net, "author": self.author, "size": self.size, "root": self.root, "ts": self.ts}


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    raw: bytes
    sig: bytes
    checkpoint: Checkpoint

    @property
    def id(self) -> bytes:
        return hashlib.sha256(self.raw).digest()

    def wire(self) -> list[bytes]:
        return [self.raw, self.sig]


def sign_checkpoint(identity: Identity, cp: Checkpoint) -> SignedCheckpoint:
    raw = encoding.encode(cp.to_map())
    return SignedCheckpoint(raw, identity.sign(Domain.CHECKPOINT, raw), cp)


def open_checkpoint(raw: Any, sig: Any, author: bytes) -> SignedCheckpoint:
    if not isinstance(raw, bytes) or not isinstance(sig, bytes):
        raise RecordError("a signed checkpoint is [bytes, bytes]", ErrorCode.BAD_CHECKPOINT)
    if len(raw) > MAX_CHECKPOINT_BYTES or len(sig) != SIG_BYTES:
        raise RecordError("checkpoint too large or signature malformed", ErrorCode.BAD_CHECKPOINT)
    verify(author, Domain.CHECKPOINT, raw, sig)
    m = encoding.decode(raw, MAX_CHECKPOINT_BYTES)
    if not isinstance(m, dict) or set(m) != {"net", "author", "size", "root", "ts"}:
        raise RecordError("checkpoint fields are net, author, size, root, ts", ErrorCode.BAD_CHECKPOINT)
    cp = Checkpoint(**m)
    if cp.author != author:
        raise RecordError("checkpoint claims another author", ErrorCode.WRONG_AUTHOR)
    return SignedCheckpoint(raw, sig, cp)


def check_extends(old: Checkpoint, new: Checkpoint, proof: list[bytes]) -> None:
    """Raise ProofError unless `new` extends `old` (same author, no smaller, consistent)."""
    if old.author != new.author:
        raise ProofError("checkpoints of two different logs")
    if new.size < old.size:
        raise ProofError(f"checkpoint shrinks the log from {old.size} to {new.size}")
    verify_consistency(old.size, new.size, old.root, new.root, proof)


@dataclass(frozen=True, slots=True)
class Cosignature:
    """A witness's statement: 'I verified this checkpoint extends every earlier one I saw'."""

    witness: bytes
    checkpoint_id: bytes
    ts: int
    sig: bytes

    def message(self) -> bytes:
        return encoding.encode({"cp": self.checkpoint_id, "ts": self.ts, "w": self.witness})

    def verify(self) -> None:
        verify(self.witness, Domain.COSIGN, self.message(), self.sig)

    def to_wire(self) -> list[Any]:
        return [self.witness, self.ts, self.sig]


def cosign(identity: Identity, checkpoint: SignedCheckpoint, now_ms: int) -> Cosignature:
    unsigned = Cosignature(identity.public_key, checkpoint.id, now_ms, b"")
    return Cosignature(identity.public_key, checkpoint.id, now_ms, identity.sign(Domain.COSIGN, unsigned.message()))


def open_cosignature(checkpoint_id: bytes, wire: Any) -> Cosignature:
    if not (isinstance(wire, list) and len(wire) == 3):
        raise RecordError("a cosignature is [witness, ts, sig]", ErrorCode.BAD_CHECKPOINT)
    witness, ts, sig = wire
    if not isinstance(witness, bytes) or not isinstance(sig, bytes) or not isinstance(ts, int):
        raise RecordError("a cosignature is [witness, ts, sig]", ErrorCode.BAD_CHECKPOINT)
    c = Cosignature(witness, checkpoint_id, ts, sig)
    c.verify()
    return c
