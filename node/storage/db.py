"""SQLite access: one writer connection (serialized transactions) and one reader, WAL mode.

`synchronous=FULL` on the writer: a transaction that returned has reached the disk, so what the
node signed or acknowledged survives kill -9 and power loss.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from node import files
from node.errors import StorageError
from node.storage.migrations import LATEST, MIGRATIONS, newer_than_code

DB_FILE = "node.sqlite"


async def _connect(path: Path) -> aiosqlite.Connection:
    # aiosqlite's DEBUG lines print every SQL statement with its parameters, i.e. personal data:
    # `democite run --log-level debug` must not write pseudonyms or names to the node's log.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
    conn = await aiosqlite.connect(path, isolation_level=None)
    await conn.execute("PRAGMA journal_mode=WAL")
    await conn.execute("PRAGMA synchronous=FULL")
    await conn.execute("PRAGMA foreign_keys=ON")
    await conn.execute("PRAGMA busy_timeout=10000")
    # ids are random hashes, so their index is written all over: more cache, fewer checkpoints
    await conn.execute("PRAGMA cache_size=-65536")
    await conn.execute("PRAGMA wal_autocheckpoint=8192")
    await conn.execute("PRAGMA secure_delete=ON")  # erased personal data is overwritten, not left in free pages
    return conn


class Database:
    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection) -> None:
        self.path = path
        self._w = writer
        self._r = reader
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> Database:
        # created 0600 before SQLite opens it: SQLite gives -wal and -shm the same mode
        files.private_dir(path.parent)
        files.private_file(path)
        for extra in ("-wal", "-shm"):
            files.tighten(path.with_name(path.name + extra))
        writer: aiosqlite.Connection | None = None
        try:
            writer = await _connect(path)
            db = cls(path, writer, writer)
            await db._migrate()
            reader = await _connect(path)
        except (sqlite3.DatabaseError, StorageError) as exc:
            if writer is not None:
                await writer.close()
            if isinstance(exc, StorageError):
                raise
            raise StorageError(f"cannot open the node database {path}: {exc}") from None
        db._r = reader
        return db

    async def close(self) -> None:
        for conn in {id(self._w): self._w, id(self._r): self._r}.values():
            await conn.close()

    async def _migrate(self) -> None:
        await self._w.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)"
        )
        async with self._w.execute("SELECT version FROM schema_migrations") as cur:
            done = {row[0] async for row in cur}
        # before any change: a newer release's tables are not ours to migrate around
        newer = newer_than_code(done)
        if newer:
            raise StorageError(f"{self.path}: {newer}")
        for version, name, sql in sorted(MIGRATIONS):
            if version in done:
                continue
            await self._w.execute("BEGIN IMMEDIATE")
            try:
                for stmt in _statements(sql):
                    await self._w.execute(stmt)
                await self._w.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)", (version, name, int(time.time()))
                )
                await self._w.execute("COMMIT")
            except BaseException:
                await self._w.execute("ROLLBACK")
                raise

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Writer]:
        """One serialized write transaction; rolled back whole on any error."""
        async with self._lock:
            await self._w.execute("BEGIN IMMEDIATE")
            try:
                yield Writer(self._w)
            except BaseException:
                await self._w.execute("ROLLBACK")
                raise
            else:
                await self._w.execute("COMMIT")

    async def purge(self) -> None:
        """After erasing data: copy the WAL into the database and truncate it, so no old page
        image of the erased rows stays on disk (`secure_delete` already zeroes freed pages)."""
        async with self._lock:
            await self._w.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def integrity_check(self) -> str:
        row = await self.fetchone("PRAGMA integrity_check")
        return str(row[0])

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        # one call on the reader's thread: a statement left half-read between two calls would keep
        # the shared reader on an old snapshot for every other coroutine
        return list(await self._r.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None


class Writer:
    """The statements allowed inside a write transaction."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._c = conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        async with self._c.execute(sql, params) as cur:
            return cur.lastrowid or 0

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._c.executemany(sql, rows)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        async with self._c.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any:
        async with self._c.execute(sql, params) as cur:
            return await cur.fetchone()


def schema_versions(path: Path) -> tuple[set[int], int]:
    """The versions a database file applied and the latest this code knows, read-only (for
    `democite doctor`, safe while the node runs: nothing is migrated or written)."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise StorageError(f"cannot open the node database {path}: {exc}") from None
    try:
        rows = conn.execute("SELECT version FROM schema_migrations").fetchall()
    except sqlite3.Error as exc:
        raise StorageError(f"cannot read the node database {path}: {exc}") from None
    finally:
        conn.close()
    return {int(r[0]) for r in rows}, LATEST


def _statements(sql: str) -> list[str]:
    return [s.strip() for s in sql.split(";") if s.strip()]
