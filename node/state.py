"""The node's state as everything outside `node/` sees it: a read-only view of the logs and the
peer book, both owned by `Node`. `node/storage` is private to `node/`; its typed rows are
re-exported here so callers can name them without importing storage.

Writes to the logs go through `Node` (publish, ingest, forks, checkpoints, cosignatures), which
knows what it stored (the membership cache depends on it).
"""

from __future__ import annotations

from collections.abc import Sequence

from node.storage.logs import Head, LogStore, StoredCheckpoint, StoredFork, StoredRecord, WireRecord, records_by_network
from node.storage.peers import Peer, PeerStore

__all__ = ["Head", "LogView", "Peer", "PeerBook", "StoredCheckpoint", "StoredFork", "StoredRecord", "WireRecord",
           "records_by_network"]


class LogView:
    """Reads of the replicated logs; records come decoded (`StoredRecord.body`)."""

    def __init__(self, store: LogStore) -> None:
        self._store = store

    async def head(self, author: bytes) -> Head | None:
        return await self._store.head(author)

    async def heads(self) -> list[Head]:
        return await self._store.heads()

    async def record_at(self, author: bytes, seq: int) -> StoredRecord | None:
        return await self._store.record_at(author, seq)

    async def record_by_id(self, rid: bytes) -> StoredRecord | None:
        return await self._store.record_by_id(rid)

    async def page(self, author: bytes, from_seq: int, limit: int, max_bytes: int) -> list[WireRecord]:
        return await self._store.page(author, from_seq, limit, max_bytes)

    async def records(
        self, author: bytes | None = None, kinds: Sequence[str] = (), limit: int = 1000, offset: int = 0
    ) -> list[StoredRecord]:
        return await self._store.records(author, kinds, limit, offset)

    async def count_matching(self, author: bytes | None = None, kinds: Sequence[str] = ()) -> int:
        return await self._store.count_matching(author, kinds)

    async def count_records(self) -> int:
        return await self._store.count_records()

    async def latest_checkpoint(self, author: bytes) -> StoredCheckpoint | None:
        return await self._store.latest_checkpoint(author)

    async def cosignatures(self, checkpoint_id: bytes) -> list[tuple[bytes, int, bytes]]:
        return await self._store.cosignatures(checkpoint_id)

    async def forks(self) -> list[StoredFork]:
        return await self._store.forks()

    async def fork_authors(self) -> set[bytes]:
        return await self._store.fork_authors()


class PeerBook:
    """The peers this node knows: addresses, keys, health and back-off."""

    def __init__(self, store: PeerStore) -> None:
        self._store = store
        # each peer's clock minus ours at its last answer, in memory: a live reading, not history
        self._skews: dict[str, int] = {}

    async def upsert(self, url: str, key: bytes | None, name: str, now_ms: int) -> None:
        await self._store.upsert(url, key, name, now_ms)

    async def remove(self, url: str) -> bool:
        return await self._store.remove(url)

    async def all(self) -> list[Peer]:
        return await self._store.all()

    async def get(self, url: str) -> Peer | None:
        return await self._store.get(url)

    async def record_success(self, url: str, now_ms: int, bytes_in: int, bytes_out: int) -> None:
        await self._store.record_success(url, now_ms, bytes_in, bytes_out)

    async def record_failure(self, url: str, error: str, next_try: int, penalty: int) -> None:
        await self._store.record_failure(url, error, next_try, penalty)

    def note_clock(self, url: str, skew_ms: int | None) -> None:
        """Keep the clock difference a peer's last answer showed (None: it answered without one)."""
        if skew_ms is not None:
            self._skews[url] = skew_ms

    def clock_skew(self, url: str) -> int | None:
        return self._skews.get(url)
