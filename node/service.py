"""The territory node: its identity, its store, its own log and the ingest of other logs.

One asyncio lock per log makes each log single-writer; the storage transaction re-checks the
head, so even a bug that bypassed the lock could not interleave two appends.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from node import keys
from node.config import NodeConfig
from node.errors import ConcurrentAppend, Conflict, Invalid, NodeError, NodeErrorCode, NotFound
from node.genesis import genesis_for
from node.membership import VOTE_KINDS, fold_held
from node.state import LogView, PeerBook
from node.storage.coop import ApprovalStore
from node.storage.db import DB_FILE, Database
from node.storage.export import ExportStore
from node.storage.logs import Head, LogStore, StoredCheckpoint
from node.storage.membership import NetworkStore
from node.storage.pacte import PacteStore
from node.storage.stores import Stores
from protocol import encoding, merkle
from protocol.checkpoint import Checkpoint, SignedCheckpoint, sign_checkpoint
from protocol.errors import ProtocolError
from protocol.fork import ForkProof, make_fork_proof, open_fork_proof
from protocol.identity import Identity
from protocol.membership import Membership
from protocol.network import OPEN_NETWORK_ID, Genesis
from protocol.proof import MAX_COSIGS as MAX_PROOF_COSIGS
from protocol.proof import InclusionProof, open_inclusion_proof
from protocol.record import GENESIS_PREV, Record, SignedRecord, check_follows, open_record, sign_record

Clock = Callable[[], int]
ROTATION_KIND = "key.rotate"  # a key signs nothing after the record that retires it
PARALLEL_VERIFY_MIN = 64  # below this, thread hand-off costs more than it saves


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


MAX_CALLERS = 256  # candidates knocking at once: far above a network's size

@dataclass(slots=True)
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    fork: ForkProof | None = None
    error: ProtocolError | NodeError | None = None
    size: int = 0
    rotated: bool = False  # the page reached the end of a retired key's log

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"accepted": self.accepted, "duplicates": self.duplicates, "size": self.size}
        if self.fork is not None:
            out["fork"] = {"author": self.fork.author.hex(), "seq": self.fork.seq}
        if self.error is not None:
            out["error"] = {"code": str(self.error.code), "message": self.error.message}
        return out


@dataclass(slots=True)
class IngestCounts:
    """What ingest did since the node started (memory only): /metrics reads it at scrape time."""

    verified: int = 0  # records of other logs whose signature, encoding and schema checked out
    refused: int = 0  # pages refused at verification (verification stops at a page's first bad record)
    accepted: int = 0  # records of other logs stored (pulled by a sync or pushed by a peer)


@dataclass(slots=True)
class Node:
    config: NodeConfig
    identity: Identity
    db: Database
    net_id: bytes = OPEN_NETWORK_ID
    clock: Clock = wall_clock_ms
    genesis: Genesis | None = None  # the network file's content; read from the config when first needed
    # the one door into the node's state: `logs` and `peers` for the rest of the code, the stores
    # below for node-internal services (pacts, fund approvals, audit export)
    logs: LogView = field(init=False)
    peers: PeerBook = field(init=False)
    approvals: ApprovalStore = field(init=False)
    pacte_store: PacteStore = field(init=False)
    export_store: ExportStore = field(init=False)
    _store: LogStore = field(init=False)
    _network: NetworkStore = field(init=False)
    _locks: dict[bytes, asyncio.Lock] = field(default_factory=dict)
    # the membership fold, tagged with the count of votes/rotations stored when it started
    _membership: tuple[int, Membership] | None = None
    _votes_stored: int = 0
    # keys that proved themselves by a valid request signature but are not members (candidates
    # knocking): an endorser can then name them by prefix without --unknown-key. Memory only.
    _callers: dict[str, bytes] = field(default_factory=dict)
    counts: IngestCounts = field(default_factory=IngestCounts)

    def __post_init__(self) -> None:
        stores = Stores.of(self.db)
        self._store, self._network = stores.logs, stores.network
        self.logs = LogView(stores.logs)
        self.peers = PeerBook(stores.peers)
        self.approvals, self.pacte_store, self.export_store = stores.approvals, stores.pacte, stores.export

    @classmethod
    async def open(
        cls, config: NodeConfig, net_id: bytes = OPEN_NETWORK_ID, clock: Clock = wall_clock_ms, genesis: Genesis | None = None
    ) -> Node:
        identity = keys.load_key(config.data_dir)
        db = await Database.open(config.data_dir / DB_FILE)
        return cls(config, identity, db, net_id, clock, genesis)

    async def close(self) -> None:
        await self.db.close()

    @property
    def public_key(self) -> bytes:
        return self.identity.public_key

    @property
    def database_path(self) -> Path:
        """The SQLite file (its write-ahead log is beside it, with `-wal` appended): /metrics reports their sizes."""
        return self.db.path

    def note_caller(self, key: bytes, source: str = "") -> None:
        """Remember a key whose request signature verified, one per source address (a sender that
        makes up keys replaces its own entry and cannot push real candidates out), bounded: the
        oldest sources are forgotten."""
        self._callers.pop(source, None)
        self._callers[source] = key
        while len(self._callers) > MAX_CALLERS:
            del self._callers[next(iter(self._callers))]

    def callers(self) -> list[bytes]:
        """Keys that called with a valid signature while not members, the most recent last."""
        return list(dict.fromkeys(self._callers.values()))

    @property
    def votes_stored(self) -> int:
        """Changes whenever this node stores a membership vote or a key rotation."""
        return self._votes_stored

    def network_genesis(self) -> Genesis:
        if self.genesis is None:
            self.genesis = genesis_for(self.config)
        return self.genesis

    async def membership(self) -> Membership:
        """The current membership, folded again only after this node stored a vote or rotation
        (every record is stored through `_append`, which counts them)."""
        stored = self._votes_stored
        if self._membership is not None and self._membership[0] == stored:
            return self._membership[1]
        m = await fold_held(self.logs, self.network_genesis())
        self._membership = (stored, m)  # a vote stored meanwhile changed the count: folded again next time
        return m

    async def _append(self, head: Head, rows: Sequence[tuple[int, bytes, str, int, bytes, bytes]], nodes: Sequence[tuple[int, int, bytes]],
                      root: bytes, **extra: Any) -> None:
        await self._store.append(head, rows, nodes, root, **extra)
        if any(r[2] in VOTE_KINDS for r in rows):
            self._votes_stored += 1

    def lock(self, author: bytes) -> asyncio.Lock:
        lock = self._locks.get(author)
        if lock is None:
            lock = self._locks[author] = asyncio.Lock()
        return lock

    # -- own log -------------------------------------------------------------------------

    async def publish(self, kind: str, body: dict[str, Any]) -> SignedRecord:
        """Sign and append one record to our own log, with a new signed checkpoint, durably."""
        me = self.public_key
        async with self.lock(me):
            head = await self._store.ensure_author(me, self.clock())
            if head.frozen:
                raise NodeError("this node's own key is frozen by a fork proof; it cannot publish", NodeErrorCode.FROZEN)
            now = self.clock()
            try:
                rec = Record(1, self.net_id, me, head.size + 1, head.last_id or GENESIS_PREV, now, kind, body)
                signed = sign_record(self.identity, rec)
            except ProtocolError as exc:
                raise Invalid(exc.message) from None
            nodes, root = await self._grow(head, [signed.id])
            scp = sign_checkpoint(self.identity, Checkpoint(self.net_id, me, rec.seq, root, now))
            await self._append(
                head,
                [(rec.seq, signed.id, kind, now, signed.raw, signed.sig)],
                nodes,
                root,
                checkpoint=_stored(scp),
            )
            return signed

    async def _grow(self, head: Head, ids: Sequence[bytes]) -> tuple[list[tuple[int, int, bytes]], bytes]:
        frontier = await self._store.nodes(head.ref, merkle.root_nodes(head.size))
        nodes = merkle.append_nodes(head.size, frontier, ids)
        known = dict(frontier)
        known.update({(lv, ix): h for lv, ix, h in nodes})
        return nodes, merkle.root_from_nodes(head.size + len(ids), known)

    # -- other logs ----------------------------------------------------------------------

    async def ingest(
        self, author: bytes, wire: Sequence[Any], cursor: str | None = None, retired_at: int | None = None
    ) -> IngestResult:
        """Verify and store a page of `author`'s records, all or nothing.

        Records we already hold are counted as duplicates (ingest is idempotent); a valid record
        that differs from ours at the same seq is a fork: the proof is kept and the author frozen.
        A key's log ends at its `key.rotate` record (or at `retired_at`, the rotation's seq when
        it is already known): whatever the retired key signed after it is cut, and `rotated` says so.
        """
        try:
            verified = await self.verify_page(author, wire)
        except (ProtocolError, NodeError) as exc:
            result = IngestResult(error=exc)
            head = await self.logs.head(author)
            result.size = head.size if head else 0
            return result
        return await self.ingest_verified(author, verified, cursor, retired_at)

    async def verify_page(self, author: bytes, wire: Sequence[Any]) -> list[SignedRecord]:
        """Check a page's signatures, encoding and schemas, touching no state: callers may verify
        the next page while the previous one is being stored. Raises ProtocolError or Invalid."""
        return await self._open_page(author, wire)

    async def ingest_verified(
        self, author: bytes, verified: Sequence[SignedRecord], cursor: str | None = None, retired_at: int | None = None
    ) -> IngestResult:
        """The storing half of `ingest`, for records `verify_page` returned: chain, forks, one transaction."""
        result = IngestResult()
        async with self.lock(author):
            # nothing is written for an author we never heard of until its records verified
            head = await self.logs.head(author) or Head(0, author, 0, None, None, False)
            result.size = head.size
            if head.frozen:
                result.error = NodeError("author is frozen by a fork proof; nothing new is accepted", NodeErrorCode.FROZEN)
                return result
            try:
                fresh = await self._fresh_records(author, head, verified, retired_at, result)
            except (ProtocolError, NodeError) as exc:
                result.error = exc
                return result
            if fresh:
                await self._store_fresh(author, head, fresh, cursor, result)
            return result

    async def _fresh_records(
        self, author: bytes, head: Head, verified: Sequence[SignedRecord], retired_at: int | None, result: IngestResult
    ) -> list[SignedRecord]:
        """The records that extend the log, checked to chain on; stops after a rotation. Records we
        hold are counted as duplicates, or, if they differ from ours, proven a fork: nothing is fresh then."""
        fresh: list[SignedRecord] = []
        seq, last_id = head.size, head.last_id or GENESIS_PREV
        for rec in verified:
            if retired_at is not None and rec.seq > retired_at:
                result.rotated = True
                break
            if rec.seq <= head.size:
                ours = await self.logs.record_at(author, rec.seq)
                if ours is not None and ours.id != rec.id:
                    mine = open_record(ours.raw, ours.sig, author)
                    result.fork = make_fork_proof(mine, rec)
                    await self.add_fork(result.fork)
                    return []
                result.duplicates += 1
                continue
            check_follows(seq, last_id, rec)
            fresh.append(rec)
            seq, last_id = rec.seq, rec.id
            if rec.record.kind == ROTATION_KIND:
                result.rotated = True
                break
        return fresh

    async def _store_fresh(
        self, author: bytes, head: Head, fresh: list[SignedRecord], cursor: str | None, result: IngestResult
    ) -> None:
        """Append the fresh records and their Merkle nodes in one transaction."""
        if head.ref == 0:
            head = await self._store.ensure_author(author, self.clock())
        nodes, root = await self._grow(head, [r.id for r in fresh])
        rows = [(r.seq, r.id, r.record.kind, r.record.ts, r.raw, r.sig) for r in fresh]
        try:
            await self._append(head, rows, nodes, root, cursor=cursor, now_ms=self.clock())
        except ConcurrentAppend as exc:
            result.error = Conflict(f"log moved to {exc.size} during ingest; retry")
            return
        result.accepted = len(fresh)
        result.size = fresh[-1].seq
        self.counts.accepted += len(fresh)

    async def _open_page(self, author: bytes, wire: Sequence[Any]) -> list[SignedRecord]:
        """Verify a page of [raw, sig] pairs. Ed25519 releases the GIL, so two threads use both cores."""
        for item in wire:
            if not (isinstance(item, (list, tuple)) and len(item) == 2):
                raise Invalid("each record travels as [raw, sig]")

        def work(chunk: Sequence[Any]) -> list[SignedRecord]:
            return [open_record(raw, sig, author, self.net_id) for raw, sig in chunk]

        try:
            if len(wire) < PARALLEL_VERIFY_MIN:
                verified = work(wire)
            else:
                half = len(wire) // 2
                first, second = await asyncio.gather(asyncio.to_thread(work, wire[:half]), asyncio.to_thread(work, wire[half:]))
                verified = first + second
        except ProtocolError:
            self.counts.refused += 1
            raise
        self.counts.verified += len(verified)
        return verified

    async def add_fork(self, proof: ForkProof) -> bool:
        return await self._store.add_fork(
            proof.author, proof.seq, encoding.encode(proof.to_wire()), self.clock()
        )

    async def add_fork_wire(self, m: Any) -> bool:
        """Verify a fork proof received from a peer and keep it. Raises ProtocolError if forged."""
        return await self.add_fork(open_fork_proof(m))

    async def fork_proofs(self) -> list[ForkProof]:
        return [open_fork_proof(f.wire) for f in await self.logs.forks()]

    async def root_at(self, author: bytes, size: int) -> bytes:
        head = await self.logs.head(author)
        if head is None or size > head.size:
            raise NotFound("no such log size here")
        nodes = await self._store.nodes(head.ref, merkle.root_nodes(size))
        return merkle.root_from_nodes(size, nodes)

    async def consistency_proof(self, author: bytes, old: int, new: int) -> list[bytes]:
        head = await self.logs.head(author)
        if head is None or new > head.size or old > new:
            raise NotFound("no such log size here")
        nodes = await self._store.nodes(head.ref, merkle.consistency_nodes(old, new))
        return merkle.consistency_proof(old, new, nodes)

    async def inclusion_proof(self, author: bytes, index: int, size: int) -> list[bytes]:
        head = await self.logs.head(author)
        if head is None or size > head.size:
            raise NotFound("no such log size here")
        nodes = await self._store.nodes(head.ref, merkle.inclusion_nodes(index, size))
        return merkle.inclusion_proof(index, size, nodes)

    async def prove_record(self, rid: bytes, checkpoint: bytes | int | None = None) -> InclusionProof:
        """The verified inclusion proof of record `rid` in a checkpoint of its log, chosen by id or
        size (default: the newest). Our own newest record is always provable: publish signs a
        checkpoint with every record, and one is signed here should anything have appended without."""
        rec = await self.logs.record_by_id(rid)
        if rec is None:
            raise NotFound("no record with this id on this node; `democite log --json` lists the ids it holds")
        author, index = rec.author, rec.seq - 1
        if isinstance(checkpoint, int):
            cp = await self._store.checkpoint_of(author, size=checkpoint)
        else:
            cp = await self._store.checkpoint_of(author, cid=checkpoint)
        if checkpoint is None and (cp is None or cp.size <= index) and author == self.public_key:
            async with self.lock(author):
                head = await self.logs.head(author)
                cp = await self._store.checkpoint_of(author)
                if head is not None and head.root and not head.frozen and (cp is None or cp.size < head.size):
                    scp = sign_checkpoint(self.identity, Checkpoint(self.net_id, author, head.size, head.root, self.clock()))
                    await self._store.add_checkpoint(head.ref, _stored(scp))
                    cp = _stored(scp)
        if cp is None and checkpoint is not None:
            raise NotFound("this node holds no such checkpoint of the record's log; omit it to use the newest")
        if cp is None or (checkpoint is None and cp.size <= index):
            covered = f"its newest checkpoint here covers {cp.size} records" if cp else "no checkpoint of its log is held here yet"
            raise NotFound(
                f"record {rec.seq} is not covered by a checkpoint yet ({covered}): it will be once this node "
                "syncs a newer checkpoint from the record's author (next gossip round, or `democite sync`)"
            )
        if cp.size <= index:
            raise Invalid(f"checkpoint of {cp.size} records predates record {rec.seq}: name a later one or omit it")
        path = await self.inclusion_proof(author, index, cp.size)
        cosigs = [[w, ts, sig] for w, ts, sig in (await self.logs.cosignatures(cp.id))[:MAX_PROOF_COSIGS]]
        wire = {"author": author, "record": [rec.raw, rec.sig], "index": index, "checkpoint": [cp.raw, cp.sig],
                "path": path, "cosigs": cosigs}
        return open_inclusion_proof(wire, author)

    async def accept_checkpoint(self, scp: SignedCheckpoint) -> bool:
        """Keep a verified checkpoint of another log if it matches the records we hold."""
        cp = scp.checkpoint
        head = await self.logs.head(cp.author)
        if head is None or cp.size > head.size or cp.size == 0:
            return False
        if await self.root_at(cp.author, cp.size) != cp.root:
            return False
        await self._store.add_checkpoint(head.ref, _stored(scp))
        return True

    async def add_cosignatures(self, rows: Sequence[tuple[bytes, bytes, int, bytes]]) -> None:
        """Keep verified cosignatures (checkpoint id, witness, ts, sig) of checkpoints we hold."""
        await self._store.add_cosignatures(rows)

    async def witness(self, scp: SignedCheckpoint, cosigs: list[tuple[bytes, bytes, int, bytes]]) -> bool:
        """Store a verified checkpoint with its cosignatures (ours among them) atomically; False
        when a bigger checkpoint of this log is held (a witness never signs a smaller tree)."""
        return await self._network.witness(scp.checkpoint.author, _stored(scp), cosigs)

    async def witness_counts(self) -> dict[bytes, int]:
        """Cosignatures held per checkpoint id."""
        return await self._network.witness_counts()


def _stored(scp: SignedCheckpoint) -> StoredCheckpoint:
    cp = scp.checkpoint
    return StoredCheckpoint(cp.author, cp.size, scp.id, cp.root, cp.ts, scp.raw, scp.sig)
