"""What derived-state checkers see: the verified content of the bundle, and their signatures."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from protocol.audit.findings import Finding
from protocol.checkpoint import SignedCheckpoint
from protocol.fork import ForkProof
from protocol.record import SignedRecord


@dataclass(frozen=True, slots=True)
class Disclosure:
    """Something a territory disclosed to evaluators (e.g. one DAS bulletin with its Merkle path)."""

    scheme: str
    territory: bytes
    data: Any


@dataclass(frozen=True, slots=True)
class AuditContext:
    """Only verified content: records whose signature, encoding and schema passed, valid fork proofs."""

    net: bytes | None
    genesis: Mapping[str, Any] | None
    logs: Mapping[bytes, Sequence[SignedRecord]]  # author -> records in seq order
    checkpoints: Mapping[bytes, Sequence[SignedCheckpoint]]
    forks: Sequence[ForkProof]
    disclosures: Sequence[Disclosure]
    scope: str = "all"  # the exporter's scope: "all", or "author:<hex>" for one territory's log

    @property
    def partial(self) -> bool:
        """One territory's log only: references to other logs cannot be resolved, only reported."""
        return self.scope.startswith("author:")

    def all_records(self) -> Iterable[SignedRecord]:
        for recs in self.logs.values():
            yield from recs


# A derived-state checker gets the context and the records of its kinds, and returns findings
# (check name, territory, seq, record id, reason). It must be pure and deterministic.
KindCheck = Callable[[AuditContext, Sequence[SignedRecord]], Iterable[Finding]]
# A disclosure checker gets the context and one disclosure of its scheme.
DisclosureCheck = Callable[[AuditContext, Disclosure], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class Checker:
    """`prefix` selects records: kind == prefix, or kind starts with prefix ('' = every record)."""

    prefix: str
    name: str
    run: KindCheck
    doc: str

    def selects(self, kind: str) -> bool:
        return not self.prefix or kind == self.prefix or kind.startswith(self.prefix)


@dataclass(frozen=True, slots=True)
class Hook:
    """A check the audit should make once its area is merged: reported as not verified until then."""

    prefix: str
    name: str
    doc: str
