"""Reads for the audit export: logs, their checkpoints worth keeping, cosignatures, fork proofs.

Logs are append-only, so reading a log's size first and then records 1..size gives a consistent
view of it even while the node keeps appending.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from node.storage.db import Database
from protocol import encoding

LADDER_STEP = 1024  # mirrors protocol.audit.build.keep_checkpoint, done in SQL to skip the rest


@dataclass(frozen=True, slots=True)
class ExportLog:
    ref: int
    key: bytes
    size: int


@dataclass(frozen=True, slots=True)
class ExportCheckpoint:
    size: int
    id: bytes
    raw: bytes
    sig: bytes


class ExportStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def logs(self, author: bytes | None = None) -> list[ExportLog]:
        sql = "SELECT ref, key, size FROM authors WHERE size > 0"
        params: list[object] = []
        if author is not None:
            sql += " AND key = ?"
            params.append(author)
        rows = await self.db.fetchall(sql + " ORDER BY key", params)
        return [ExportLog(r[0], r[1], r[2]) for r in rows]

    async def records(self, ref: int, from_seq: int, to_seq: int, limit: int) -> list[tuple[int, bytes, bytes]]:
        rows = await self.db.fetchall(
            "SELECT seq, raw, sig FROM records WHERE author_ref = ? AND seq >= ? AND seq <= ? ORDER BY seq LIMIT ?",
            (ref, from_seq, to_seq, limit),
        )
        return [(r[0], r[1], r[2]) for r in rows]

    async def checkpoints(self, ref: int, up_to: int) -> list[ExportCheckpoint]:
        """Cosigned checkpoints, the latest, and the thinning ladder (powers of two, every 1024th)."""
        rows = await self.db.fetchall(
            "SELECT c.size, c.id, c.raw, c.sig FROM checkpoints c WHERE c.author_ref = ? AND c.size <= ? AND ("
            " c.size = (SELECT MAX(size) FROM checkpoints WHERE author_ref = ? AND size <= ?)"
            " OR (c.size & (c.size - 1)) = 0 OR c.size % ? = 0"
            " OR EXISTS (SELECT 1 FROM cosignatures w WHERE w.checkpoint_id = c.id)"
            ") ORDER BY c.size",
            (ref, up_to, ref, up_to, LADDER_STEP),
        )
        return [ExportCheckpoint(r[0], r[1], r[2], r[3]) for r in rows]

    async def cosignatures(self, checkpoint_id: bytes) -> list[tuple[bytes, int, bytes]]:
        rows = await self.db.fetchall(
            "SELECT witness, ts, sig FROM cosignatures WHERE checkpoint_id = ? ORDER BY witness", (checkpoint_id,)
        )
        return [(r[0], r[1], r[2]) for r in rows]

    async def forks(self, author: bytes | None = None) -> list[Any]:
        """Fork proofs as they travel (decoded wire maps)."""
        if author is None:
            rows = await self.db.fetchall("SELECT proof FROM forks ORDER BY author, seq")
        else:
            rows = await self.db.fetchall("SELECT proof FROM forks WHERE author = ? ORDER BY seq", (author,))
        return [encoding.decode(r[0]) for r in rows]
