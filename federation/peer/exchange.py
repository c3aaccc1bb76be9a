"""One gossip exchange with one peer, push-pull: reconcile log heads, pull what we lack, push
what the peer lacks, and pick up fork proofs, checkpoints and cosignatures on the way.

The reconciliation (`protocol.reconcile`) is driven from here over HTTP; the peer only answers.
We learn the whole difference, so we both pull and push: one exchange leaves both sides equal.
"""

from __future__ import annotations

from typing import Any

from federation.errors import PeerMisbehaved, peer_data
from federation.peer.client import PeerClient
from federation.peer.sync import SyncReport, counts_as_witness, open_round, pull_heads
from node.service import Node
from protocol.checkpoint import open_cosignature
from protocol.errors import ProtocolError
from protocol.membership import Membership
from protocol.messages import HeadEntry
from protocol.reconcile import Reconciler, done, head_item, head_of

MAX_ROUND_TRIPS = 40
PUSH_PAGE = 500


async def exchange(node: Node, client: PeerClient, advertised: dict[bytes, int] | None = None) -> SyncReport:
    """Raises FederationError when the peer is down, on another network, or lies, NodeError when our
    own node fails (not held against the peer: `peering.penalty`). A peer whose key
    is not a member is only pulled from (member-authored records only), never pushed to."""
    report = SyncReport(client.url)

    membership_of = node.membership
    info, membership = await open_round(node, client, membership_of, report)
    if not membership.accepts(info.key):
        # pull only: offering our heads or pushing would serve a non-member what the server refuses it
        await pull_heads(node, client, await client.heads(), membership, membership_of, report)
        return report
    # our own log is always offered: the peer decides whether it admits us
    me = node.public_key
    heads = {h.key: h for h in await node.logs.heads() if h.size and h.root and (h.key == me or membership.accepts(h.key))}
    rec = Reconciler([head_item(h.key, h.size, h.root or b"") for h in heads.values()])
    msg = rec.initiate()
    for _ in range(MAX_ROUND_TRIPS):
        answer = await client.reconcile(msg)
        if done(answer):
            break
        with peer_data(client.url, "broke the reconciliation"):
            msg = rec.receive(answer)
        if done(msg):
            break
    else:
        raise PeerMisbehaved(f"peer {client.url} kept the reconciliation going past {MAX_ROUND_TRIPS} round trips")
    theirs: dict[bytes, int] = {}
    wanted: list[HeadEntry] = []
    for item in rec.need.values():
        with peer_data(client.url, "sent a bad head"):
            author, size, prefix = head_of(item)
        theirs[author] = size
        if advertised is not None and size > advertised.get(author, 0):
            advertised[author] = size
        wanted.append(HeadEntry(author, size, prefix))
    membership = await pull_heads(node, client, wanted, membership, membership_of, report)
    for item in rec.have.values():
        h = heads.get(item.key)
        if h is None or h.frozen:
            continue
        report.pushed += await _push(node, client, h.key, theirs.get(h.key, 0), h.size, membership)
    return report


async def _push(
    node: Node, client: PeerClient, author: bytes, their_size: int, our_size: int, membership: Membership
) -> int:
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
            await _keep_cosigs(node, cp.id, author, answer.get("cosigs"), membership)
        if answer.get("error") or answer.get("fork") or not answer.get("accepted"):
            break
        sent += int(answer["accepted"])
        start = page[-1].seq + 1
    return sent


async def _keep_cosigs(node: Node, checkpoint_id: bytes, author: bytes, wires: Any, membership: Membership) -> None:
    """Cosignatures a peer returned for a checkpoint we pushed: each verified and by a member other
    than the author, the rest dropped."""
    if not isinstance(wires, list):
        return
    rows = []
    for w in wires[:64]:
        try:
            c = open_cosignature(checkpoint_id, w)
        except ProtocolError:
            continue
        if counts_as_witness(membership, author, c.witness):
            rows.append((checkpoint_id, c.witness, c.ts, c.sig))
    if rows:
        await node.add_cosignatures(rows)
