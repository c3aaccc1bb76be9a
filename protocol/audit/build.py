"""Which checkpoints a bundle keeps, and a whole bundle built in memory (tests, benchmarks, tools).

A node signs a checkpoint at every append, so a long log has as many checkpoints as records.
The bundle keeps the ones that matter to an evaluator: every cosigned one, the latest, and a
thinning ladder (powers of two, then every 1024th) so consistency proofs stay small.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from protocol import merkle
from protocol.audit.bundle import PAGE_BYTES, BundleWriter
from protocol.checkpoint import Cosignature, SignedCheckpoint
from protocol.identity import Identity
from protocol.record import SignedRecord

LADDER_STEP = 1024


def keep_checkpoint(size: int, latest: int, cosigned: bool) -> bool:
    return cosigned or size == latest or size % LADDER_STEP == 0 or (size > 0 and size & (size - 1) == 0)


def pages(items: Iterable[list[bytes]], max_bytes: int = PAGE_BYTES) -> Iterable[list[list[bytes]]]:
    page: list[list[bytes]] = []
    total = 0
    for it in items:
        n = len(it[0]) + len(it[1]) + 8
        if page and total + n > max_bytes:
            yield page
            page, total = [], 0
        page.append(it)
        total += n
    if page:
        yield page


@dataclass(frozen=True, slots=True)
class LogSpec:
    author: bytes
    records: Sequence[SignedRecord]
    checkpoints: Sequence[SignedCheckpoint]
    cosigs: dict[bytes, list[Cosignature]] = field(default_factory=dict)  # checkpoint id -> cosignatures


def build_bundle(
    exporter: Identity, net: bytes, created: int, logs: Sequence[LogSpec],
    genesis: dict[str, Any] | None = None, forks: Sequence[dict[str, Any]] = (), scope: str = "all",
) -> bytes:
    w = BundleWriter()
    out = [w.start(net, exporter.public_key, created, genesis, scope)]
    for log in logs:
        out.append(w.log(log.author, len(log.records)))
        for page in pages(r.wire() for r in log.records):
            out.append(w.records(log.author, page))
        nodes = {(lv, ix): h for lv, ix, h in merkle.append_nodes(0, {}, [r.id for r in log.records])}
        latest = max((c.checkpoint.size for c in log.checkpoints), default=0)
        prev = 0
        for scp in sorted(log.checkpoints, key=lambda c: c.checkpoint.size):
            size = scp.checkpoint.size
            cos = log.cosigs.get(scp.id, [])
            if not keep_checkpoint(size, latest, bool(cos)):
                continue
            proof = merkle.consistency_proof(prev, size, nodes) if prev and size <= len(log.records) else []
            out.append(w.checkpoint(log.author, scp.wire(), [c.to_wire() for c in cos], proof))
            prev = size
    for f in forks:
        out.append(w.fork(f))
    out.append(w.end(exporter))
    return b"".join(out)
