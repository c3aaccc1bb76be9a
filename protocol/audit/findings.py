"""What an audit says: findings (territory, record, check, reason) and per-territory tallies."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Check(StrEnum):
    FORMAT = "format"  # magic, framing, canonical frames, frame fields
    INTEGRITY = "integrity"  # whole-file SHA-256 footer and the exporter's seal
    NETWORK = "network"  # genesis -> network id, every record and checkpoint on that network
    SIGNATURE = "signature"  # Ed25519 over the exact bytes
    ENCODING = "encoding"  # canonical msgpack of each record
    SCHEMA = "schema"  # record envelope and body schema
    CHAIN = "chain"  # seq / prev links
    COMPLETENESS = "completeness"  # no missing record, log size as declared
    HISTORY = "history"  # one record per seq in the bundle
    CHECKPOINT = "checkpoint"  # signature and Merkle root against the log
    CONSISTENCY = "consistency"  # RFC 6962 proofs between successive checkpoints
    WITNESS = "witness"  # cosignatures
    FORK = "fork"  # fork proofs: forged, or proof of an equivocating author
    DISCLOSURE = "disclosure"  # disclosures handed to evaluators


class Severity(StrEnum):
    FAIL = "fail"  # the bundle or the territory does not pass
    WARN = "warn"  # not checked by this version, or proven misbehaviour the network caught: fails only with strict


@dataclass(frozen=True, slots=True)
class Finding:
    check: str
    reason: str
    territory: bytes | None = None
    seq: int | None = None
    record_id: bytes | None = None
    severity: Severity = Severity.FAIL

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "severity": str(self.severity),
            "territory": self.territory.hex() if self.territory else None,
            "seq": self.seq,
            "record": self.record_id.hex() if self.record_id else None,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Event:
    """One record on a territory's timeline (kept small: the HTML report groups them by day)."""

    seq: int
    ts: int
    kind: str
    ok: bool


@dataclass(slots=True)
class TerritoryReport:
    key: bytes
    name: str = ""
    size: int = 0  # records found in the bundle for this log
    declared: int = 0  # size the exporter declared for this log
    frozen: bool = False  # a verified fork proof shows this territory signed two histories
    checked: dict[str, int] = field(default_factory=dict)  # check -> number of items it verified
    timeline: list[Event] = field(default_factory=list)

    def count(self, check: str, n: int = 1) -> None:
        self.checked[check] = self.checked.get(check, 0) + n


@dataclass(slots=True)
class Report:
    """The audit's result. Built by the engine, then read: `ok` is False on any FAIL finding."""

    net: bytes | None = None
    exporter: bytes | None = None
    created: int = 0
    scope: str = ""
    bytes_read: int = 0
    records: int = 0
    territories: dict[bytes, TerritoryReport] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    bundle_checked: dict[str, int] = field(default_factory=dict)
    strict: bool = False  # warnings fail too
    derived: dict[str, Any] = field(default_factory=dict)  # the areas' state recomputed (summary.summarize)

    def failing(self, f: Finding) -> bool:
        return f.severity is Severity.FAIL or (self.strict and f.severity is Severity.WARN)

    @property
    def ok(self) -> bool:
        return not any(self.failing(f) for f in self.findings)

    def territory(self, key: bytes) -> TerritoryReport:
        t = self.territories.get(key)
        if t is None:
            t = self.territories[key] = TerritoryReport(key)
        return t

    def add(self, finding: Finding) -> None:
        # a finding about a territory the bundle holds no log of still gets its own section
        if finding.territory is not None:
            self.territory(finding.territory)
        self.findings.append(finding)

    def fail(self, check: str, reason: str, territory: bytes | None = None, seq: int | None = None,
             record_id: bytes | None = None) -> None:
        self.add(Finding(check, reason, territory, seq, record_id))

    def warn(self, check: str, reason: str, territory: bytes | None = None, seq: int | None = None,
             record_id: bytes | None = None) -> None:
        self.add(Finding(check, reason, territory, seq, record_id, Severity.WARN))

    def count(self, check: str, n: int = 1) -> None:
        self.bundle_checked[check] = self.bundle_checked.get(check, 0) + n

    def verdicts(self, territory: bytes | None) -> dict[str, str]:
        """check -> 'pass' | 'fail' | 'warn' for one territory (None: the bundle as a whole)."""
        checked = self.bundle_checked if territory is None else self.territories[territory].checked
        out = {c: "pass" for c in checked}
        for f in self.findings:
            if f.territory != territory:
                continue
            if f.severity is Severity.FAIL:
                out[f.check] = "fail"
            elif out.get(f.check) != "fail":
                out[f.check] = "warn"
        return out

    def to_json(self) -> dict[str, Any]:
        terr = []
        for key, t in sorted(self.territories.items()):
            v = self.verdicts(key)
            terr.append({
                "key": key.hex(),
                "name": t.name,
                "records": t.size,
                "declared": t.declared,
                "frozen": t.frozen,
                "verdict": "fail" if "fail" in v.values() or (self.strict and "warn" in v.values()) else "pass",
                "checks": {c: {"verdict": v[c], "checked": t.checked.get(c, 0)} for c in sorted(v)},
            })
        bundle = self.verdicts(None)
        return {
            "ok": self.ok,
            "verdict": "pass" if self.ok else "fail",
            "strict": self.strict,
            "network": self.net.hex() if self.net else None,
            "exporter": self.exporter.hex() if self.exporter else None,
            "created": self.created,
            "scope": self.scope,
            "bytes": self.bytes_read,
            "records": self.records,
            "bundle": {c: {"verdict": bundle[c], "checked": self.bundle_checked.get(c, 0)} for c in sorted(bundle)},
            "territories": terr,
            "findings": [f.to_json() for f in self.findings],
            "derived": self.derived,
        }
