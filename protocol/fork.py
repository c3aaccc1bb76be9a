"""Fork proofs: two valid records by one author at one seq with different ids.

A proof verifies itself from its own bytes, so any node can check it and relay it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from protocol.errors import ErrorCode, RecordError
from protocol.record import SignedRecord, open_record


@dataclass(frozen=True, slots=True)
class ForkProof:
    a: SignedRecord
    b: SignedRecord

    def __post_init__(self) -> None:
        if self.a.author != self.b.author:
            raise RecordError("a fork proof needs two records by the same author", ErrorCode.FORK)
        if self.a.seq != self.b.seq:
            raise RecordError("a fork proof needs two records at the same seq", ErrorCode.FORK)
        if self.a.id == self.b.id:
            raise RecordError("a fork proof needs two different records", ErrorCode.FORK)

    @property
    def author(self) -> bytes:
        return self.a.author

    @property
    def seq(self) -> int:
        return self.a.seq

    def to_wire(self) -> dict[str, Any]:
        # ordered by id so that one fork has one encoding whichever side was seen first
        x, y = sorted((self.a, self.b), key=lambda r: r.id)
        return {"author": self.author, "a": x.wire(), "b": y.wire()}


def make_fork_proof(x: SignedRecord, y: SignedRecord) -> ForkProof:
    a, b = sorted((x, y), key=lambda r: r.id)
    return ForkProof(a, b)


def open_fork_proof(m: Any) -> ForkProof:
    """Verify a received fork proof: both signatures, same author and seq, different ids."""
    if not isinstance(m, dict) or set(m) != {"author", "a", "b"}:
        raise RecordError("a fork proof is {author, a, b}", ErrorCode.FORK)
    author = m["author"]
    if not isinstance(author, bytes):
        raise RecordError("fork proof author must be bytes", ErrorCode.FORK)
    recs = []
    for side in ("a", "b"):
        w = m[side]
        if not (isinstance(w, list) and len(w) == 2):
            raise RecordError("each side of a fork proof is [raw, sig]", ErrorCode.FORK)
        recs.append(open_record(w[0], w[1], author))
    return make_fork_proof(recs[0], recs[1])
