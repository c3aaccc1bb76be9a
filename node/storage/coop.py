"""Queries on this node's fund approvals: one row per (fund, nonce), written before the approval is signed.

The row is the member's promise: once it exists, this node never approves another request for the
same slot, even after a crash between the write and the publication of the approval record.
"""

from __future__ import annotations

from node.storage.db import Database


class ApprovalStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, fund: bytes, nonce: int) -> bytes | None:
        row = await self.db.fetchone("SELECT request FROM coop_approvals WHERE fund = ? AND nonce = ?", (fund, nonce))
        return bytes(row[0]) if row else None

    async def reserve(self, fund: bytes, nonce: int, request: bytes, now_ms: int) -> bytes:
        """Record the decision durably (synchronous=FULL); return the request held for this slot."""
        async with self.db.write() as w:
            row = await w.fetchone("SELECT request FROM coop_approvals WHERE fund = ? AND nonce = ?", (fund, nonce))
            if row is not None:
                return bytes(row[0])
            await w.execute(
                "INSERT INTO coop_approvals (fund, nonce, request, decided_at) VALUES (?, ?, ?, ?)", (fund, nonce, request, now_ms)
            )
            return request

    async def mark_published(self, fund: bytes, nonce: int, record_id: bytes) -> None:
        async with self.db.write() as w:
            await w.execute("UPDATE coop_approvals SET record_id = ? WHERE fund = ? AND nonce = ?", (record_id, fund, nonce))

    async def unpublished(self) -> list[tuple[bytes, int, bytes]]:
        rows = await self.db.fetchall("SELECT fund, nonce, request FROM coop_approvals WHERE record_id IS NULL ORDER BY decided_at")
        return [(bytes(r[0]), int(r[1]), bytes(r[2])) for r in rows]
