"""Queries on the Pactes 21 derived tables, and on the `pacte.*` records they are folded from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from node.storage.db import Database
from node.storage.logs import _REC_COLS, StoredRecord, _rec

TABLES = ("pacte_pacts", "pacte_objects", "pacte_commitments", "pacte_folds")


@dataclass(frozen=True, slots=True)
class PacteRows:
    """Everything derived from one author's `pacte.*` records, written in one transaction."""

    author: bytes
    size: int
    rejected: int
    pacts: Sequence[tuple[bytes, str, int, int, str]]  # id, title, start_year, horizon, state JSON
    objects: Sequence[tuple[bytes, bytes, str]]  # id, pacte, type
    commitments: Sequence[tuple[bytes, bytes, bytes, str, str, str]]  # id, pacte, taskforce, partner, due, state


class PacteStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def pacte_records(self, author: bytes) -> list[StoredRecord]:
        """An author's `pacte.*` records, in log order."""
        rows = await self.db.fetchall(
            f"SELECT {_REC_COLS} FROM records r JOIN authors a ON a.ref = r.author_ref "
            "WHERE a.key = ? AND r.kind GLOB 'pacte.*' ORDER BY r.seq",
            (author,),
        )
        return [_rec(r) for r in rows]

    async def pacte_authors(self) -> list[bytes]:
        rows = await self.db.fetchall(
            "SELECT DISTINCT a.key FROM records r JOIN authors a ON a.ref = r.author_ref WHERE r.kind GLOB 'pacte.*' ORDER BY a.key"
        )
        return [r[0] for r in rows]

    async def log_size(self, author: bytes) -> int:
        row = await self.db.fetchone("SELECT size FROM authors WHERE key = ?", (author,))
        return int(row[0]) if row else 0

    async def folded_size(self, author: bytes) -> int | None:
        row = await self.db.fetchone("SELECT size FROM pacte_folds WHERE author = ?", (author,))
        return int(row[0]) if row else None

    async def replace(self, rows: PacteRows) -> None:
        a = rows.author
        async with self.db.write() as w:
            for table in TABLES:
                await w.execute(f"DELETE FROM {table} WHERE author = ?", (a,))
            await w.executemany(
                "INSERT INTO pacte_pacts (id, author, title, start_year, horizon, state) VALUES (?, ?, ?, ?, ?, ?)",
                [(p[0], a, *p[1:]) for p in rows.pacts],
            )
            await w.executemany(
                "INSERT INTO pacte_objects (id, pacte, author, type) VALUES (?, ?, ?, ?)",
                [(o[0], o[1], a, o[2]) for o in rows.objects],
            )
            await w.executemany(
                "INSERT INTO pacte_commitments (id, pacte, author, taskforce, partner, due, state) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(c[0], c[1], a, *c[2:]) for c in rows.commitments],
            )
            await w.execute("INSERT INTO pacte_folds (author, size, rejected) VALUES (?, ?, ?)", (a, rows.size, rows.rejected))

    async def clear(self) -> None:
        async with self.db.write() as w:
            for table in TABLES:
                await w.execute(f"DELETE FROM {table}")

    async def state(self, pid: bytes) -> tuple[bytes, str] | None:
        row = await self.db.fetchone("SELECT author, state FROM pacte_pacts WHERE id = ?", (pid,))
        return (row[0], row[1]) if row else None

    async def find(self, oid: bytes) -> tuple[bytes, bytes, str] | None:
        """(pacte, author, type) of a pact object by id."""
        row = await self.db.fetchone("SELECT pacte, author, type FROM pacte_objects WHERE id = ?", (oid,))
        return (row[0], row[1], row[2]) if row else None

    async def pacts(self) -> list[tuple[bytes, bytes, str, int, int]]:
        rows = await self.db.fetchall("SELECT id, author, title, start_year, horizon FROM pacte_pacts ORDER BY title, id")
        return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    async def commitment_counts(self, pid: bytes) -> dict[str, int]:
        rows = await self.db.fetchall(
            "SELECT state, COUNT(*) FROM pacte_commitments WHERE pacte = ? GROUP BY state ORDER BY state", (pid,)
        )
        return {r[0]: int(r[1]) for r in rows}

    async def dump(self) -> dict[str, list[Any]]:
        """Every derived row, in a stable order (for the rebuild check)."""
        out: dict[str, list[Any]] = {}
        for table in TABLES:
            rows = await self.db.fetchall(f"SELECT * FROM {table} ORDER BY 1, 2")
            out[table] = [tuple(r) for r in rows]
        return out
