"""Signed logs built in memory with the real protocol functions, for the audit tests."""

from __future__ import annotations

import hashlib
from typing import Any

from protocol import merkle
from protocol.audit.build import LogSpec
from protocol.checkpoint import Checkpoint, SignedCheckpoint, cosign, sign_checkpoint
from protocol.identity import Identity
from protocol.network import OPEN_NETWORK_ID
from protocol.record import GENESIS_PREV, Record, SignedRecord, sign_record

T0 = 1_790_000_000_000


def ident(name: str) -> Identity:
    return Identity(hashlib.sha256(name.encode()).digest())


def signed_log(who: Identity, n: int, kind: str = "note", start: int = 1, prev: bytes = GENESIS_PREV,
               net: bytes = OPEN_NETWORK_ID) -> list[SignedRecord]:
    out = []
    for seq in range(start, start + n):
        body: dict[str, Any] = {"text": f"note {seq}"}
        if kind == "territory.profile":
            body = {"name": "Commune", "addresses": ["http://127.0.0.1:1"]}
        r = sign_record(who, Record(1, net, who.public_key, seq, prev, T0 + seq * 60_000, kind, body))
        out.append(r)
        prev = r.id
    return out


def checkpoints(who: Identity, records: list[SignedRecord], net: bytes = OPEN_NETWORK_ID) -> list[SignedCheckpoint]:
    ids = [r.id for r in records]
    return [sign_checkpoint(who, Checkpoint(net, who.public_key, n, merkle.root_of(ids[:n]), T0 + n)) for n in range(1, len(ids) + 1)]


def spec(who: Identity, records: list[SignedRecord], witness: Identity | None = None) -> LogSpec:
    cps = checkpoints(who, records)
    cos = {cps[-1].id: [cosign(witness, cps[-1], T0)]} if witness else {}
    return LogSpec(who.public_key, records, cps, cos)


class Chain:
    """One territory's log built record by record, so that later bodies can cite earlier ids."""

    def __init__(self, who: Identity, name: str | None = None) -> None:
        self.who = who
        self.key = who.public_key
        self.records: list[SignedRecord] = []
        if name is not None:
            self.add("territory.profile", {"name": name, "addresses": ["http://127.0.0.1:1"]})

    def add(self, kind: str, body: dict[str, Any]) -> SignedRecord:
        seq = len(self.records) + 1
        prev = self.records[-1].id if self.records else GENESIS_PREV
        r = sign_record(self.who, Record(1, OPEN_NETWORK_ID, self.key, seq, prev, T0 + seq * 60_000, kind, body))
        self.records.append(r)
        return r

    def spec(self) -> LogSpec:
        return spec(self.who, self.records)
