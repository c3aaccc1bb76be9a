"""One gossip exchange with one peer, push-pull: reconcile log heads, pull what we lack, push
what the peer lacks, and pick up fork proofs, checkpoints and cosignatures on the way.

The reconciliation (`protocol.reconcile`) is driven from here over HTTP; the peer only answers.
We learn the whole difference, so we both pull and push: one exchange leaves both sides equal.
"""

from __future__ import annotations

from typing import Any

from federation.client import PeerClient
from federation.errors import FederationError, FedErrorCode, PeerMisbehaved
from federation.membership import MembershipCache
from federation.sync import SyncReport, sync_log
from node.service import Node
from protocol.checkpoint import open_cosignature
from protocol.errors import ProtocolError
from protocol.messages import HeadEntry
from protocol.reconcile import Reconciler, done, head_item, head_of

MAX_ROUND_TRIPS = 40
PUSH_PAGE = 500


async def exchange(node: Node, client: PeerClient, cache: MembershipCache, advertised: dict[bytes, int] | None = None) -> SyncReport:
    """Raises FederationError when the peer is down, on another network, not a member, or lies."""
    report = SyncReport(client.url)
    info = await client.info()
    if info.net != node.net_id:
        raise FederationError(f"peer {client.url} is on another network ({info.net.hex()[:12]}...)", FedErrorCode.WRONG_NETWORK)
    membership = await cache.get(node)
    if not membership.accepts(info.key):
        raise FederationError(f"peer {client.url} is not a member of this network", FedErrorCode.NOT_MEMBER)
    report.peer_key, report.name = info.key.hex(), info.name
    for wire in await client.forks():
        try:
            if await node.add_fork_wire(wire):
                report.forks += 1
        except ProtocolError as exc:
            raise PeerMisbehaved(f"peer {client.url} relayed a forged fork proof: {exc.message}") from None
    # our own log is always offered: the peer decides whether it admits us
    me = node.public_key
    heads = {h.key: h for h in await node.logs.heads() if h.size and h.root and (h.key == me or membership.accepts(h.key))}
    rec = Reconciler([head_item(h.key, h.size, h.root or b"") for h in heads.values()])
    msg = rec.initiate()
    for _ in range(MAX_ROUND_TRIPS):
        answer = await client.reconcile(msg)
        if done(answer):
            break
        try:
            msg = rec.receive(answer)
        except ProtocolError as exc:
            raise PeerMisbehaved(f"peer {client.url} broke the reconciliation: {exc.message}") from None
        if done(msg):
            break
    else:
        raise PeerMisbehaved(f"peer {client.url} kept the reconciliation going past {MAX_ROUND_TRIPS} round trips")
    theirs: dict[bytes, int] = {}
    for item in rec.need.values():
        try:
            author, size, prefix = head_of(item)
        except ProtocolError as exc:
            raise PeerMisbehaved(f"peer {client.url} sent a bad head: {exc.message}") from None
        theirs[author] = size
        if advertised is not None and size > advertised.get(author, 0):
            advertised[author] = size
        if not membership.accepts(author):
            continue
        rot = membership.retired.get(author)
        if rot is not None and size > rot.seq:
            size, prefix = rot.seq, b""
        if await sync_log(node, client, HeadEntry(author, size, prefix), report):
            report.authors += 1
    for item in rec.have.values():
        h = heads.get(item.key)
        if h is None or h.frozen:
            continue
        report.pushed += await _push(node, client, h.key, theirs.get(h.key, 0), h.size)
    return report


async def _push(node: Node, client: PeerClient, author: bytes, their_size: int, our_size: int) -> int:
    """Send the peer the records of one log it lacks, in bounded pages; stop at its first refusal."""
    start, sent = their_size + 1, 0
    cp = await node.logs.latest_checkpoint(author)
    while start <= our_size:
        page = await node.logs.page(author, start, min(PUSH_PAGE, our_size - start + 1), node.config.federation.max_body_bytes // 2)
        if not page:
            break
        extra = None
        if cp is not None and page[-1].seq == cp.size:
            # the checkpoint travels with the page that completes it, so the peer can witness it
            cosigs = [[w, ts, sig] for w, ts, sig in (await node.logs.cosignatures(cp.id))[:64]]
            extra = [[cp.raw, cp.sig], cosigs]
        answer = await client.push(author, [[r.raw, r.sig] for r in page], extra)
        if extra is not None and cp is not None:
            await _keep_cosigs(node, cp.id, answer.get("cosigs"))
        if answer.get("error") or answer.get("fork") or not answer.get("accepted"):
            break
        sent += int(answer["accepted"])
        start = page[-1].seq + 1
    return sent


async def _keep_cosigs(node: Node, checkpoint_id: bytes, wires: Any) -> None:
    """Cosignatures a peer returned for a checkpoint we pushed: each verified, the rest dropped."""
    if not isinstance(wires, list):
        return
    rows = []
    for w in wires[:64]:
        try:
            c = open_cosignature(checkpoint_id, w)
        except ProtocolError:
            continue
        rows.append((checkpoint_id, c.witness, c.ts, c.sig))
    if rows:
        await node.logs.add_cosignatures(rows)
