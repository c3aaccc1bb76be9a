"""Queries of the network area: witnessing (a checkpoint and our cosignature in one transaction)
and the record kinds that move membership (the node refolds it when it stores one)."""

from __future__ import annotations

from node.storage.db import Database
from node.storage.logs import StoredCheckpoint

VOTE_KINDS = ("member.endorse", "member.remove", "key.rotate")


class NetworkStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def witness(
        self, author: bytes, cp: StoredCheckpoint, cosigs: list[tuple[bytes, bytes, int, bytes]]
    ) -> bool:
        """Store a verified checkpoint with cosignatures (ours among them) atomically.

        Refuses (returns False) when we already hold a bigger checkpoint of this log: a witness
        never signs a tree smaller than one it saw.
        """
        async with self.db.write() as w:
            row = await w.fetchone("SELECT ref FROM authors WHERE key = ?", (author,))
            if row is None:
                return False
            ref = row[0]
            top = await w.fetchone("SELECT MAX(size) FROM checkpoints WHERE author_ref = ?", (ref,))
            if top is not None and top[0] is not None and top[0] > cp.size:
                return False
            await w.execute(
                "INSERT OR IGNORE INTO checkpoints (author_ref, size, id, root, ts, raw, sig) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (ref, cp.size, cp.id, cp.root, cp.ts, cp.raw, cp.sig),
            )
            await w.executemany(
                "INSERT OR IGNORE INTO cosignatures (checkpoint_id, witness, ts, sig) VALUES (?, ?, ?, ?)", cosigs
            )
        return True

    async def witness_counts(self) -> dict[bytes, int]:
        """Cosignatures held per checkpoint id."""
        rows = await self.db.fetchall("SELECT checkpoint_id, COUNT(*) FROM cosignatures GROUP BY checkpoint_id")
        return {r[0]: int(r[1]) for r in rows}
