"""The stores of one database, built in one place: `Node` owns them, nothing else builds one."""

from __future__ import annotations

from dataclasses import dataclass

from node.storage.coop import ApprovalStore
from node.storage.db import Database
from node.storage.export import ExportStore
from node.storage.logs import LogStore
from node.storage.membership import NetworkStore
from node.storage.pacte import PacteStore
from node.storage.peers import PeerStore


@dataclass(frozen=True, slots=True)
class Stores:
    logs: LogStore
    peers: PeerStore
    network: NetworkStore
    approvals: ApprovalStore
    pacte: PacteStore
    export: ExportStore

    @classmethod
    def of(cls, db: Database) -> Stores:
        return cls(LogStore(db), PeerStore(db), NetworkStore(db), ApprovalStore(db), PacteStore(db), ExportStore(db))
