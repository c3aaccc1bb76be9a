"""Queries on the peer table: addresses, keys, health and back-off."""

from __future__ import annotations

from dataclasses import dataclass

from node.storage.db import Database


@dataclass(frozen=True, slots=True)
class Peer:
    url: str
    key: bytes | None
    name: str
    added_at: int
    last_seen: int | None
    last_error: str | None
    score: int
    failures: int
    next_try: int
    bytes_in: int
    bytes_out: int


_COLS = "url, key, name, added_at, last_seen, last_error, score, failures, next_try, bytes_in, bytes_out"


class PeerStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def upsert(self, url: str, key: bytes | None, name: str, now_ms: int) -> None:
        async with self.db.write() as w:
            await w.execute(
                "INSERT INTO peers (url, key, name, added_at, last_seen) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(url) DO UPDATE SET key = COALESCE(excluded.key, key), "
                "name = CASE WHEN excluded.name != '' THEN excluded.name ELSE name END",
                (url, key, name, now_ms, now_ms if key else None),
            )

    async def remove(self, url: str) -> bool:
        async with self.db.write() as w:
            await w.execute("DELETE FROM peer_cursors WHERE peer_url = ?", (url,))
            n = await w.fetchone("SELECT changes()")
            await w.execute("DELETE FROM peers WHERE url = ?", (url,))
            n = await w.fetchone("SELECT changes()")
        return bool(n and n[0])

    async def all(self) -> list[Peer]:
        rows = await self.db.fetchall(f"SELECT {_COLS} FROM peers ORDER BY url")
        return [Peer(*r) for r in rows]

    async def get(self, url: str) -> Peer | None:
        row = await self.db.fetchone(f"SELECT {_COLS} FROM peers WHERE url = ?", (url,))
        return Peer(*row) if row else None

    async def record_success(self, url: str, now_ms: int, bytes_in: int, bytes_out: int) -> None:
        async with self.db.write() as w:
            await w.execute(
                "UPDATE peers SET last_seen = ?, last_error = NULL, failures = 0, next_try = 0, "
                "score = MIN(100, score + 1), bytes_in = bytes_in + ?, bytes_out = bytes_out + ? WHERE url = ?",
                (now_ms, bytes_in, bytes_out, url),
            )

    async def record_failure(self, url: str, error: str, next_try: int, penalty: int) -> None:
        async with self.db.write() as w:
            await w.execute(
                "UPDATE peers SET last_error = ?, failures = failures + 1, next_try = ?, "
                "score = MAX(0, score - ?) WHERE url = ?",
                (error[:300], next_try, penalty, url),
            )

