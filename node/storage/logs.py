"""Queries on the replicated logs: records, Merkle tree nodes, checkpoints, witnesses, forks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from node.errors import ConcurrentAppend
from node.storage.db import DB_FILE, Database, Writer
from protocol import encoding, merkle
from protocol.errors import ProtocolError
from protocol.merkle import Node


@dataclass(frozen=True, slots=True)
class Head:
    ref: int
    key: bytes
    size: int
    last_id: bytes | None
    root: bytes | None
    frozen: bool


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    author: bytes
    size: int
    id: bytes
    root: bytes
    ts: int
    raw: bytes
    sig: bytes


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A stored record, decoded once here: readers use `body`, never `raw` again. `raw` and `sig`
    are the exact signed bytes, for those who send or prove them (sync, proofs, audit export)."""

    author: bytes
    seq: int
    id: bytes
    kind: str
    ts: int
    raw: bytes
    sig: bytes
    body: Any  # the record's body map; {} when `undecodable`
    net: bytes  # the network the record names (b"" when `undecodable`)
    undecodable: str | None = None  # why the stored bytes no longer decode (older version, damage)


@dataclass(frozen=True, slots=True)
class WireRecord:
    """A record as it travels between nodes: its exact signed bytes, left undecoded (sync pages
    are sent on as they are, and decoding them would only slow the sync down)."""

    author: bytes
    seq: int
    id: bytes
    raw: bytes
    sig: bytes


@dataclass(frozen=True, slots=True)
class StoredFork:
    author: bytes
    seq: int
    proof: bytes
    found_at: int

    @property
    def wire(self) -> Any:
        """The proof as it travels (decoded canonical msgpack)."""
        return encoding.decode(self.proof)


_REC_COLS = "a.key, r.seq, r.id, r.kind, r.ts, r.raw, r.sig"



def _record_filters(author: bytes | None, kinds: Sequence[str]) -> tuple[list[str], list[object]]:
    where: list[str] = []
    params: list[object] = []
    if author is not None:
        where.append("a.key = ?")
        params.append(author)
    if kinds:
        where.append("(" + " OR ".join("r.kind GLOB ?" for _ in kinds) + ")")
        params += list(kinds)
    return where, params


def _where(conditions: list[str]) -> str:
    return " WHERE " + " AND ".join(conditions) if conditions else ""

class LogStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def head(self, author: bytes) -> Head | None:
        row = await self.db.fetchone(
            "SELECT ref, key, size, last_id, root, frozen FROM authors WHERE key = ?", (author,)
        )
        return Head(row[0], row[1], row[2], row[3], row[4], bool(row[5])) if row else None

    async def heads(self) -> list[Head]:
        rows = await self.db.fetchall("SELECT ref, key, size, last_id, root, frozen FROM authors ORDER BY key")
        return [Head(r[0], r[1], r[2], r[3], r[4], bool(r[5])) for r in rows]

    async def ensure_author(self, author: bytes, now_ms: int) -> Head:
        head = await self.head(author)
        if head is not None:
            return head
        async with self.db.write() as w:
            await w.execute("INSERT OR IGNORE INTO authors (key, first_seen) VALUES (?, ?)", (author, now_ms))
            row = await w.fetchone("SELECT ref, key, size, last_id, root, frozen FROM authors WHERE key = ?", (author,))
        return Head(row[0], row[1], row[2], row[3], row[4], bool(row[5]))

    async def nodes(self, ref: int, wanted: Iterable[Node]) -> dict[Node, bytes]:
        """Tree nodes by (level, index). Leaves are not stored twice: their hash comes from the
        record id (`leaf_hash(id)`), which keeps one row fewer per record on the ingest path."""
        wanted = list(wanted)
        inner = [n for n in wanted if n[0] > 0]
        leaves = sorted({idx for level, idx in wanted if level == 0})
        out: dict[Node, bytes] = {}
        for i in range(0, len(inner), 400):
            chunk = inner[i : i + 400]
            cond = " OR ".join("(level = ? AND idx = ?)" for _ in chunk)
            params: list[int] = [ref]
            for level, idx in chunk:
                params += [level, idx]
            rows = await self.db.fetchall(
                f"SELECT level, idx, hash FROM tree_nodes WHERE author_ref = ? AND ({cond})", params
            )
            out.update({(r[0], r[1]): r[2] for r in rows})
        for i in range(0, len(leaves), 400):
            seqs = [idx + 1 for idx in leaves[i : i + 400]]
            rows = await self.db.fetchall(
                f"SELECT seq, id FROM records WHERE author_ref = ? AND seq IN ({','.join('?' * len(seqs))})",
                [ref, *seqs],
            )
            out.update({(0, r[0] - 1): merkle.leaf_hash(r[1]) for r in rows})
        return out

    async def append(
        self,
        head: Head,
        records: Sequence[tuple[int, bytes, str, int, bytes, bytes]],
        nodes: Sequence[tuple[int, int, bytes]],
        new_root: bytes,
        checkpoint: StoredCheckpoint | None = None,
        cursor: str | None = None,
        now_ms: int = 0,
    ) -> None:
        """Append records (seq, id, kind, ts, raw, sig) to a log in one transaction.

        The transaction re-checks that the log did not move since `head` was read, so a second
        writer on the same log fails instead of interleaving.
        """
        if not records:
            return
        last_seq, last_id = records[-1][0], records[-1][1]
        async with self.db.write() as w:
            moved = await w.fetchone("SELECT size, frozen FROM authors WHERE ref = ?", (head.ref,))
            if moved[0] != head.size or moved[1]:
                raise ConcurrentAppend(head.key, moved[0], bool(moved[1]))
            await w.executemany(
                "INSERT INTO records (author_ref, seq, id, kind, ts, raw, sig) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(head.ref, *r) for r in records],
            )
            await w.executemany(
                "INSERT OR REPLACE INTO tree_nodes (author_ref, level, idx, hash) VALUES (?, ?, ?, ?)",
                [(head.ref, *n) for n in nodes if n[0] > 0],
            )
            await w.execute(
                "UPDATE authors SET size = ?, last_id = ?, root = ? WHERE ref = ?",
                (last_seq, last_id, new_root, head.ref),
            )
            if checkpoint is not None:
                await _insert_checkpoint(w, head.ref, checkpoint)
            if cursor is not None:
                await w.execute(
                    "INSERT OR REPLACE INTO peer_cursors (peer_url, author, size, updated_at) VALUES (?, ?, ?, ?)",
                    (cursor, head.key, last_seq, now_ms),
                )

    async def record_at(self, author: bytes, seq: int) -> StoredRecord | None:
        rows = await self.db.fetchall(
            f"SELECT {_REC_COLS} FROM records r JOIN authors a ON a.ref = r.author_ref WHERE a.key = ? AND r.seq = ?",
            (author, seq),
        )
        return _rec(rows[0]) if rows else None

    async def record_by_id(self, rid: bytes) -> StoredRecord | None:
        rows = await self.db.fetchall(
            f"SELECT {_REC_COLS} FROM records r JOIN authors a ON a.ref = r.author_ref WHERE r.id = ?", (rid,)
        )
        return _rec(rows[0]) if rows else None

    async def page(self, author: bytes, from_seq: int, limit: int, max_bytes: int) -> list[WireRecord]:
        rows = await self.db.fetchall(
            "SELECT a.key, r.seq, r.id, r.raw, r.sig FROM records r JOIN authors a ON a.ref = r.author_ref "
            "WHERE a.key = ? AND r.seq >= ? ORDER BY r.seq LIMIT ?",
            (author, from_seq, limit),
        )
        out: list[WireRecord] = []
        total = 0
        for row in rows:
            total += len(row[3]) + len(row[4]) + 8
            if out and total > max_bytes:
                break
            out.append(WireRecord(*row))
        return out

    async def records(
        self, author: bytes | None = None, kinds: Sequence[str] = (), limit: int = 1000, offset: int = 0
    ) -> list[StoredRecord]:
        where, params = _record_filters(author, kinds)
        sql = f"SELECT {_REC_COLS} FROM records r JOIN authors a ON a.ref = r.author_ref{_where(where)}"
        sql += " ORDER BY r.ts, a.key, r.seq LIMIT ? OFFSET ?"
        rows = await self.db.fetchall(sql, [*params, limit, offset])
        return [_rec(r) for r in rows]

    async def count_matching(self, author: bytes | None = None, kinds: Sequence[str] = ()) -> int:
        """How many records `records(author, kinds)` pages over (its pages say "N of TOTAL shown")."""
        where, params = _record_filters(author, kinds)
        row = await self.db.fetchone(
            f"SELECT COUNT(*) FROM records r JOIN authors a ON a.ref = r.author_ref{_where(where)}", params
        )
        return int(row[0])

    async def count_records(self) -> int:
        row = await self.db.fetchone("SELECT COALESCE(SUM(size), 0) FROM authors")
        return int(row[0])

    async def latest_checkpoint(self, author: bytes) -> StoredCheckpoint | None:
        rows = await self.db.fetchall(
            "SELECT a.key, c.size, c.id, c.root, c.ts, c.raw, c.sig FROM checkpoints c JOIN authors a ON a.ref = c.author_ref "
            "WHERE a.key = ? ORDER BY c.size DESC LIMIT 1",
            (author,),
        )
        return StoredCheckpoint(*rows[0]) if rows else None

    async def checkpoints(self, author: bytes) -> list[StoredCheckpoint]:
        rows = await self.db.fetchall(
            "SELECT a.key, c.size, c.id, c.root, c.ts, c.raw, c.sig FROM checkpoints c JOIN authors a ON a.ref = c.author_ref "
            "WHERE a.key = ? ORDER BY c.size",
            (author,),
        )
        return [StoredCheckpoint(*r) for r in rows]

    async def checkpoint_of(self, author: bytes, size: int | None = None, cid: bytes | None = None) -> StoredCheckpoint | None:
        """One checkpoint of a log by size or by id (neither: the newest), for inclusion proofs."""
        sql = "SELECT a.key, c.size, c.id, c.root, c.ts, c.raw, c.sig FROM checkpoints c JOIN authors a ON a.ref = c.author_ref WHERE a.key = ?"
        params: list[object] = [author]
        if size is not None:
            sql, params = sql + " AND c.size = ?", [*params, size]
        if cid is not None:
            sql, params = sql + " AND c.id = ?", [*params, cid]
        rows = await self.db.fetchall(sql + " ORDER BY c.size DESC LIMIT 1", params)
        return StoredCheckpoint(*rows[0]) if rows else None

    async def add_checkpoint(self, ref: int, cp: StoredCheckpoint) -> None:
        async with self.db.write() as w:
            await _insert_checkpoint(w, ref, cp)

    async def add_cosignatures(self, rows: Sequence[tuple[bytes, bytes, int, bytes]]) -> None:
        async with self.db.write() as w:
            await w.executemany(
                "INSERT OR IGNORE INTO cosignatures (checkpoint_id, witness, ts, sig) VALUES (?, ?, ?, ?)", rows
            )

    async def cosignatures(self, checkpoint_id: bytes) -> list[tuple[bytes, int, bytes]]:
        rows = await self.db.fetchall(
            "SELECT witness, ts, sig FROM cosignatures WHERE checkpoint_id = ? ORDER BY witness", (checkpoint_id,)
        )
        return [(r[0], r[1], r[2]) for r in rows]

    async def add_fork(self, author: bytes, seq: int, proof: bytes, now_ms: int) -> bool:
        """Store a fork proof and freeze its author. Returns False when it was already known."""
        async with self.db.write() as w:
            known = await w.fetchone("SELECT 1 FROM forks WHERE author = ?", (author,))
            await w.execute(
                "INSERT OR IGNORE INTO forks (author, seq, proof, found_at) VALUES (?, ?, ?, ?)",
                (author, seq, proof, now_ms),
            )
            await w.execute("INSERT OR IGNORE INTO authors (key, first_seen) VALUES (?, ?)", (author, now_ms))
            await w.execute("UPDATE authors SET frozen = 1 WHERE key = ?", (author,))
        return known is None

    async def fork_authors(self) -> set[bytes]:
        """Authors we hold a fork proof about (and so froze): a relayed proof about them is skipped."""
        rows = await self.db.fetchall("SELECT DISTINCT author FROM forks")
        return {r[0] for r in rows}

    async def forks(self) -> list[StoredFork]:
        rows = await self.db.fetchall("SELECT author, seq, proof, found_at FROM forks ORDER BY found_at, author")
        return [StoredFork(r[0], r[1], r[2], r[3]) for r in rows]


async def _insert_checkpoint(w: Writer, ref: int, cp: StoredCheckpoint) -> None:
    await w.execute(
        "INSERT OR IGNORE INTO checkpoints (author_ref, size, id, root, ts, raw, sig) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (ref, cp.size, cp.id, cp.root, cp.ts, cp.raw, cp.sig),
    )


def _rec(row: Sequence[Any]) -> StoredRecord:
    """The one place stored record bytes are decoded. Total: bytes stored before a decoder rule
    existed (or damaged on disk) give a record flagged `undecodable`, never an exception."""
    author, seq, rid, kind, ts, raw, sig = row
    try:
        m = encoding.decode(raw)
        return StoredRecord(author, seq, rid, kind, ts, raw, sig, m["body"], m["net"])
    except (ProtocolError, KeyError, TypeError) as exc:
        reason = exc.message if isinstance(exc, ProtocolError) else "no body map"
        return StoredRecord(author, seq, rid, kind, ts, raw, sig, {}, b"", reason)


async def records_by_network(data_dir: Path) -> dict[bytes, int]:
    """How many records a (stopped) node's database holds of each network (a log's network is the
    one its first record names: records of one log chain, so they all name it)."""
    if not (data_dir / DB_FILE).exists():
        return {}
    db = await Database.open(data_dir / DB_FILE)
    try:
        logs, out = LogStore(db), dict[bytes, int]()
        for h in await logs.heads():
            first = await logs.record_at(h.key, 1) if h.size else None
            if first is not None:
                out[first.net] = out.get(first.net, 0) + h.size
        return out
    finally:
        await db.close()
