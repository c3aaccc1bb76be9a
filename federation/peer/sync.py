"""Pull-based log sync with one peer: compare heads, fetch missing pages, verify, store.

Every page is verified (signatures on the exact bytes, chain, network) and stored with the peer
cursor in one transaction, so a crash loses nothing acknowledged and the next round resumes from
the stored head. A divergence is located by binary search (records chain by `prev`, so equal ids
at seq s mean equal logs up to s) and becomes a fork proof.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from federation.errors import FedErrorCode, PeerMisbehaved, peer_data
from federation.network.membership import view
from federation.peer.client import PeerClient
from node.errors import NodeError, NodeErrorCode
from node.service import Node
from protocol.checkpoint import SignedCheckpoint, check_extends, cosign, open_checkpoint, open_cosignature
from protocol.errors import ChainError, ProtocolError
from protocol.fork import make_fork_proof
from protocol.membership import Membership
from protocol.messages import HeadEntry, Info
from protocol.record import open_record


@dataclass(slots=True)
class SyncReport:
    url: str
    peer_key: str = ""
    name: str = ""
    pulled: int = 0
    authors: int = 0
    forks: int = 0
    checkpoints: int = 0
    pushed: int = 0
    witnessed: int = 0
    error: str = ""
    error_code: str = ""
    details: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "url": self.url,
            "peer": self.peer_key,
            "name": self.name,
            "pulled": self.pulled,
            "authors": self.authors,
            "forks": self.forks,
            "checkpoints": self.checkpoints,
            "pushed": self.pushed,
            "witnessed": self.witnessed,
            "ok": not self.error,
        }
        if self.error:
            out["error"] = {"code": self.error_code, "message": self.error}
        return out


async def open_round(
    node: Node, client: PeerClient, membership_of: Callable[[], Awaitable[Membership]], report: SyncReport
) -> tuple[Info, Membership]:
    """The start of every round with a peer: its info, the network check, our membership view and
    the fork proofs it relays.

    The peer's key need not be a member: every record pulled is verified and kept only when its
    author is one, so pulling is safe from anyone. That is how a rotated key's first round works:
    its new key is not a member until we hold the `key.rotate` record it serves.
    """
    info = await client.info()
    if info.net != node.net_id:
        raise PeerMisbehaved(
            f"peer {client.url} is on another network ({info.net.hex()[:12]}...)", FedErrorCode.WRONG_NETWORK
        )
    report.peer_key, report.name = info.key.hex(), info.name
    membership = await membership_of()
    await take_forks(node, client, membership, report)
    return info, membership


MAX_FORKS = 1000


async def take_forks(node: Node, client: PeerClient, membership: Membership, report: SyncReport) -> None:
    """Keep the fork proofs a peer relays about members (or us), verifying only new ones.

    Proofs about authors we already froze, or whose logs we neither store nor relay, are skipped
    before any signature check: a peer cannot make us verify the same proofs every round.
    """
    known = await node.logs.fork_authors()
    for wire in (await client.forks())[:MAX_FORKS]:
        author = wire.get("author") if isinstance(wire, dict) else None
        if not isinstance(author, bytes):
            raise PeerMisbehaved(f"peer {client.url} relayed a malformed fork proof")
        if author in known or not (author == node.public_key or membership.accepts(author)):
            continue
        with peer_data(client.url, "relayed a forged fork proof"):
            if await node.add_fork_wire(wire):
                report.forks += 1
        known.add(author)


MEMBERSHIP_PASSES = 3


async def pull_heads(
    node: Node,
    client: PeerClient,
    heads: list[HeadEntry],
    membership: Membership,
    membership_of: Callable[[], Awaitable[Membership]],
    report: SyncReport,
) -> Membership:
    """Pull the logs of members among `heads`; returns the membership as it stands after.

    A pulled vote or rotation may admit an author we skipped (a rotated key, an endorsed
    candidate): the skipped ones get another pass when the membership moved, a few at most.
    """
    pending = heads
    for _ in range(MEMBERSHIP_PASSES):
        version = node.votes_stored
        skipped: list[HeadEntry] = []
        for h in pending:
            if not membership.accepts(h.author):
                skipped.append(h)  # records of non-members are neither stored nor relayed
                continue
            rot = membership.retired.get(h.author)
            if rot is not None and h.size > rot.seq:
                h = HeadEntry(h.author, rot.seq, b"")  # a retired key signs nothing after its rotation
            if await sync_log(node, client, h, report, membership):
                report.authors += 1
        if not skipped or node.votes_stored == version:
            break
        membership, pending = await membership_of(), skipped
    return membership


async def sync_with(node: Node, client: PeerClient, heads: list[HeadEntry] | None = None) -> SyncReport:
    """One pull round from one peer. Raises FederationError when the peer is down or misbehaves,
    NodeError when our own node fails (`peering.penalty` holds only the former against the peer)."""
    report = SyncReport(client.url)

    async def membership_of() -> Membership:
        return await view(node)

    info, membership = await open_round(node, client, membership_of, report)
    if heads is None:
        heads = await client.heads()
    membership = await pull_heads(node, client, heads, membership, membership_of, report)
    if membership.accepts(info.key):
        await node.peers.upsert(client.url, info.key, info.name, node.clock())
    return report


async def sync_log(node: Node, client: PeerClient, h: HeadEntry, report: SyncReport, membership: Membership) -> bool:
    """Bring our copy of one log up to the peer's head. Returns True when we stored anything."""
    ours = await node.logs.head(h.author)
    if ours is not None and ours.frozen:
        return False
    our_size = ours.size if ours else 0
    if h.size <= our_size:
        # the head may carry only a prefix of its root (reconciliation items do); empty: unknown
        if h.size and h.root and (await node.root_at(h.author, h.size))[: len(h.root)] != h.root:
            await _locate_fork(node, client, h.author, h.size, report)
        return False
    if h.author == node.public_key:
        # a peer holds more of our own log than we do: only a clone of our key can have written it
        await _locate_fork(node, client, h.author, min(h.size, our_size + 1), report)
        return False
    start, stored = our_size + 1, False
    page_size = node.config.federation.page_size
    while start <= h.size:
        page = await client.records(h.author, start, min(page_size, h.size - start + 1))
        if not page:
            break
        result = await node.ingest(h.author, page, cursor=client.url)
        rotated = result.rotated
        if result.fork is not None:
            report.forks += 1
            return stored
        if result.error is not None:
            if isinstance(result.error, ChainError) and start == our_size + 1 and our_size > 0:
                # the peer's next record does not follow ours: two histories, find where they part
                await _locate_fork(node, client, h.author, our_size, report)
                return stored
            if isinstance(result.error, NodeError) and result.error.code is NodeErrorCode.FROZEN:
                return stored
            if isinstance(result.error, ProtocolError) or result.error.code is NodeErrorCode.INVALID:
                # its page failed verification (signature, chain, network, kind, shape): its fault
                raise PeerMisbehaved(f"peer {client.url} sent an invalid record: {result.error.message}")
            raise result.error  # ours (the log moved during the append, storage): no fault of the peer's
        report.pulled += result.accepted
        stored = stored or result.accepted > 0
        start = result.size + 1
        if rotated or (result.accepted == 0 and result.duplicates == 0):
            break
    await _take_checkpoint(node, client, h.author, report, membership)
    return stored


async def _take_checkpoint(
    node: Node, client: PeerClient, author: bytes, report: SyncReport, membership: Membership
) -> None:
    last = await node.logs.latest_checkpoint(author)
    answer = await client.checkpoint(author, last.size if last else 0)
    wire = answer.get("checkpoint")
    if not wire:
        return
    with peer_data(client.url, "sent a bad checkpoint"):
        scp = open_checkpoint(wire[0], wire[1], author) if isinstance(wire, list) and len(wire) == 2 else None
        if scp is None:
            raise ProtocolError("a checkpoint is [raw, sig]")
        if last is not None and scp.checkpoint.size <= last.size:
            # an honest peer may hold more records than its newest checkpoint covers (pushed pages
            # carry a checkpoint only when they end on one): nothing newer to learn, no fault
            return
        if last is not None:
            prev = open_checkpoint(last.raw, last.sig, author)
            proof = answer.get("proof") or []
            if not isinstance(proof, list) or not all(isinstance(p, bytes) for p in proof):
                raise ProtocolError("a consistency proof is a list of hashes")
            check_extends(prev.checkpoint, scp.checkpoint, proof)
    if await _witness(node, scp, answer.get("cosigs"), report, membership):
        report.checkpoints += 1


MAX_COSIGS = 64


def counts_as_witness(membership: Membership, author: bytes, witness: bytes) -> bool:
    """A cosignature counts when a member signed it with its current key, and not the territory that
    wrote the log (under any of its keys): made-up keys and self-witnessing would inflate the count,
    and a retired key (perhaps rotated away because it leaked) would let its holder witness still."""
    return (
        membership.accepts(witness)
        and witness not in membership.retired
        and membership.current(witness) != membership.current(author)
    )


async def witness_wire(
    node: Node, author: bytes, wire: Any, cosigs: Any, report: SyncReport, membership: Membership
) -> bool:
    """A checkpoint pushed with records: kept and cosigned when its root is the one of the records
    we hold (our copy is verified record by record, so it extends every checkpoint we kept)."""
    if not (isinstance(wire, list) and len(wire) == 2):
        return False
    try:
        scp = open_checkpoint(wire[0], wire[1], author)
    except ProtocolError:
        return False
    return await _witness(node, scp, cosigs, report, membership)


async def _witness(node: Node, scp: SignedCheckpoint, cosigs: Any, report: SyncReport, membership: Membership) -> bool:
    """Keep a checkpoint that matches the records we hold and cosign it, in one transaction.

    The caller verified that it extends the last checkpoint we kept of this log; a checkpoint
    smaller than one we hold is refused by the store, so we never cosign a smaller tree.
    """
    cp = scp.checkpoint
    head = await node.logs.head(cp.author)
    if head is None or cp.size == 0 or cp.size > head.size or cp.net != node.net_id:
        return False
    if await node.root_at(cp.author, cp.size) != cp.root:
        return False
    rows: list[tuple[bytes, bytes, int, bytes]] = []
    if isinstance(cosigs, list):
        for wire in cosigs[:MAX_COSIGS]:
            try:
                c = open_cosignature(scp.id, wire)
            except ProtocolError:
                continue  # a bad cosignature is dropped; the checkpoint itself verified
            if counts_as_witness(membership, cp.author, c.witness):
                rows.append((scp.id, c.witness, c.ts, c.sig))
    if counts_as_witness(membership, cp.author, node.public_key):
        mine = cosign(node.identity, scp, node.clock())
        rows.append((scp.id, mine.witness, mine.ts, mine.sig))
        report.witnessed += 1
    return await node.witness(scp, rows)


async def _locate_fork(node: Node, client: PeerClient, author: bytes, upto: int, report: SyncReport) -> None:
    """Binary search for the first seq where the peer's record differs from ours; keep the proof."""

    async def theirs(seq: int) -> Any:
        page = await client.records(author, seq, 1)
        if not page or not isinstance(page[0], list) or len(page[0]) != 2:
            raise PeerMisbehaved(f"peer {client.url} advertised record {seq} but did not send it")
        with peer_data(client.url, "sent an invalid record"):
            rec = open_record(page[0][0], page[0][1], author, node.net_id)
        if rec.seq != seq:
            raise PeerMisbehaved(f"peer {client.url} sent record {rec.seq} when asked for {seq}")
        return rec

    lo, hi = 1, upto
    found = None
    while lo <= hi:
        mid = (lo + hi) // 2
        ours = await node.logs.record_at(author, mid)
        rec = await theirs(mid)
        if ours is None:
            break
        if ours.id != rec.id:
            found = (ours, rec)
            hi = mid - 1
        else:
            lo = mid + 1
    if found is None:
        return
    ours, rec = found
    mine = open_record(ours.raw, ours.sig, author)
    if await node.add_fork(make_fork_proof(mine, rec)):
        report.forks += 1

