"""Inclusion proofs of one record in a signed checkpoint, as a bundle anyone can check offline.

A bundle is `{author, record: [raw, sig], index, checkpoint: [raw, sig], path, cosigs}`: the
record with its signature, its leaf index (seq - 1), the author's signed checkpoint, the RFC 6962
audit path from the record's leaf to the checkpoint's root, and the witnesses' cosignatures.
`open_inclusion_proof` verifies all of it end to end, so a verifier trusts no node, only keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from protocol.checkpoint import Cosignature, SignedCheckpoint, open_checkpoint, open_cosignature
from protocol.errors import ErrorCode, ProofError, ProtocolError
from protocol.identity import KEY_BYTES
from protocol.merkle import verify_inclusion
from protocol.record import ID_BYTES, SignedRecord, open_record

MAX_PATH = 64  # a tree of 2**64 leaves has a path of 64 hashes
MAX_COSIGS = 64
CHECKPOINT_ID_BYTES = 32


@dataclass(frozen=True, slots=True)
class ProofRequest:
    """`record`: a record id; `checkpoint`: a checkpoint id (32 bytes), a checkpoint size, or None
    for the newest checkpoint of the record's log."""

    record: bytes
    checkpoint: bytes | int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.record, bytes) or len(self.record) != ID_BYTES:
            raise ProtocolError(f"proof request: 'record' must be a {ID_BYTES}-byte record id", ErrorCode.MALFORMED)
        c = self.checkpoint
        if c is None:
            return
        if isinstance(c, bytes):
            if len(c) != CHECKPOINT_ID_BYTES:
                raise ProtocolError("proof request: a checkpoint id is 32 bytes", ErrorCode.MALFORMED)
        elif isinstance(c, bool) or not isinstance(c, int) or not 1 <= c <= 1 << 62:
            raise ProtocolError(
                "proof request: 'checkpoint' is a checkpoint id (32 bytes) or a size (integer >= 1)", ErrorCode.MALFORMED
            )

    @classmethod
    def from_wire(cls, m: Any) -> ProofRequest:
        if not isinstance(m, dict):
            raise ProtocolError("a proof request is a map", ErrorCode.MALFORMED)
        extra = set(m) - {"record", "checkpoint"}
        if extra:
            raise ProtocolError(f"proof request: unexpected field '{sorted(extra)[0]}'", ErrorCode.MALFORMED)
        return cls(m.get("record"), m.get("checkpoint"))  # type: ignore[arg-type]

    def to_wire(self) -> dict[str, Any]:
        out: dict[str, Any] = {"record": self.record}
        if self.checkpoint is not None:
            out["checkpoint"] = self.checkpoint
        return out


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """A bundle `open_inclusion_proof` verified."""

    record: SignedRecord
    index: int
    checkpoint: SignedCheckpoint
    path: tuple[bytes, ...]
    cosigs: tuple[Cosignature, ...]

    @property
    def author(self) -> bytes:
        return self.record.author

    def to_wire(self) -> dict[str, Any]:
        return {
            "author": self.author,
            "record": self.record.wire(),
            "index": self.index,
            "checkpoint": self.checkpoint.wire(),
            "path": list(self.path),
            "cosigs": [c.to_wire() for c in self.cosigs],
        }


def _pair(w: Any, what: str) -> tuple[bytes, bytes]:
    if not (isinstance(w, list) and len(w) == 2 and all(isinstance(x, bytes) for x in w)):
        raise ProofError(f"proof: '{what}' is [raw, sig]", ErrorCode.MALFORMED)
    return w[0], w[1]


def open_inclusion_proof(m: Any, author: bytes | None = None) -> InclusionProof:
    """Verify a bundle end to end; raise ProtocolError naming the first check that fails.

    Checks, in order: shape; the record's signature over SHA-256 of its exact bytes by `author`
    (the bundle's, which must equal the expected one when given); the checkpoint's signature by
    the same author, same network; `index` = seq - 1 < checkpoint size; the audit path from
    leaf_hash(record id) to the checkpoint's root; every cosignature's signature.
    """
    keys = {"author", "record", "index", "checkpoint", "path", "cosigs"}
    if not isinstance(m, dict) or set(m) != keys:
        raise ProofError("an inclusion proof is {author, record, index, checkpoint, path, cosigs}", ErrorCode.MALFORMED)
    claimed = m["author"]
    if not isinstance(claimed, bytes) or len(claimed) != KEY_BYTES:
        raise ProofError("proof: 'author' is a 32-byte key", ErrorCode.MALFORMED)
    if author is not None and claimed != author:
        raise ProofError("proof is about another author's log than the one expected", ErrorCode.WRONG_AUTHOR)
    index, path, cosigs = m["index"], m["path"], m["cosigs"]
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ProofError("proof: 'index' is a non-negative integer", ErrorCode.MALFORMED)
    if not isinstance(path, list) or len(path) > MAX_PATH or not all(isinstance(h, bytes) and len(h) == 32 for h in path):
        raise ProofError(f"proof: 'path' is a list of at most {MAX_PATH} 32-byte hashes", ErrorCode.MALFORMED)
    if not isinstance(cosigs, list) or len(cosigs) > MAX_COSIGS:
        raise ProofError(f"proof: 'cosigs' is a list of at most {MAX_COSIGS} cosignatures", ErrorCode.MALFORMED)
    rec = open_record(*_pair(m["record"], "record"), claimed)
    scp = open_checkpoint(*_pair(m["checkpoint"], "checkpoint"), claimed)
    cp = scp.checkpoint
    if rec.record.net != cp.net:
        raise ProofError("record and checkpoint belong to two networks", ErrorCode.WRONG_NETWORK)
    if index != rec.seq - 1:
        raise ProofError(f"proof: index {index} is not record {rec.seq}'s leaf ({rec.seq - 1})")
    if index >= cp.size:
        raise ProofError(f"record {rec.seq} is not covered by a checkpoint of {cp.size} records")
    verify_inclusion(rec.id, index, cp.size, path, cp.root)
    opened = tuple(open_cosignature(scp.id, c) for c in cosigs)
    return InclusionProof(rec, index, scp, tuple(path), opened)
