"""Derived-state checks the foundation makes possible: fork evidence must point to a real proof."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from protocol.audit.context import AuditContext, Checker
from protocol.audit.findings import Finding
from protocol.record import SignedRecord


def check_fork_evidence(ctx: AuditContext, records: Sequence[SignedRecord]) -> Iterable[Finding]:
    """An `evidence.fork` record claims a fork proof; the bundle must hold a valid proof matching it."""
    proofs = {(p.author, p.seq): {p.a.id, p.b.id} for p in ctx.forks}
    for r in records:
        body = r.record.body
        key = (body["author"], body["seq"])
        ids = set(body["ids"])
        if proofs.get(key) != ids:
            yield Finding(
                "fork_evidence",
                f"record {r.seq} points to a fork proof of {body['author'].hex()[:16]}… at seq {body['seq']} that the "
                "bundle does not hold (or holds with other record ids)",
                r.author, r.seq, r.id,
            )


CHECKERS = (
    Checker("evidence.fork", "fork_evidence", check_fork_evidence, "each fork-evidence record matches a verified fork proof"),
)
