"""Witness counts and fork proofs over real nodes on a closed network: only members count."""

from __future__ import annotations

import os

from federation.peer.peering import client_for
from federation.peer.sync import sync_with
from node.storage.logs import LogStore
from protocol import encoding
from protocol.checkpoint import cosign, open_checkpoint
from protocol.fork import make_fork_proof
from protocol.identity import Identity
from protocol.record import GENESIS_PREV, Record, SignedRecord, sign_record
from tests.federation.netutil import fed, make_network

SLOW = {"gossip_interval_s": 600}  # explicit rounds only: each step sees exactly what it sent


async def test_only_members_other_than_the_author_count_as_witnesses(make_node, tmp_path) -> None:
    net, (da, db, dc) = make_network(tmp_path, ["Commune A", "Commune B", "Commune C"])
    a, b, c = [await make_node(data=d, federation=fed(net, **SLOW)) for d in (da, db, dc)]
    await a.node.publish("note", {"text": "à témoigner"})
    head = await a.node.logs.head(a.node.public_key)
    assert head is not None
    page = await a.node.logs.page(a.node.public_key, 1, head.size, 1 << 20)
    cp = await a.node.logs.latest_checkpoint(a.node.public_key)
    assert cp is not None and cp.size == head.size
    scp = open_checkpoint(cp.raw, cp.sig, a.node.public_key)
    stranger = Identity(os.urandom(32))
    cosigs = [[x.witness, x.ts, x.sig] for x in (
        cosign(stranger, scp, 1), cosign(a.node.identity, scp, 1), cosign(c.node.identity, scp, 1))]
    answer = await client_for(a.node, a.session, b.peer_url).push(
        a.node.public_key, [[r.raw, r.sig] for r in page], [[cp.raw, cp.sig], cosigs])
    assert answer["accepted"] == head.size
    kept = {w for w, _, _ in await b.node.logs.cosignatures(cp.id)}
    assert kept == {b.node.public_key, c.node.public_key}  # not the made-up key, not the author
    assert {w for w, _, _ in answer["cosigs"]} == kept


def _fork(who: Identity, net: bytes, seq: int = 1) -> tuple[SignedRecord, SignedRecord]:
    def rec(text: str) -> SignedRecord:
        return sign_record(who, Record(1, net, who.public_key, seq, GENESIS_PREV if seq == 1 else b"\x01" * 32, 1, "note", {"text": text}))

    return rec("une histoire"), rec("une autre")


async def test_fork_proofs_about_members_only_and_known_ones_skipped(make_node, tmp_path) -> None:
    net, (da, db, dc) = make_network(tmp_path, ["Commune A", "Commune B", "Commune C"])
    a, b, c = [await make_node(data=d, federation=fed(net, **SLOW)) for d in (da, db, dc)]
    stranger = Identity(os.urandom(32))
    net_id = a.node.net_id
    # B holds a proof about a stranger (found first) and one about member C
    assert await b.node.add_fork(make_fork_proof(*_fork(stranger, net_id)))
    assert await b.node.add_fork(make_fork_proof(*_fork(c.node.identity, net_id)))

    # B serves its members' proofs first, whatever the order it found them in
    served = await client_for(a.node, a.session, b.peer_url).forks()
    assert [p["author"] for p in served] == [c.node.public_key, stranger.public_key]

    # A keeps the proof about C (and freezes C), not the one about a stranger
    report = await sync_with(a.node, client_for(a.node, a.session, b.peer_url))
    assert report.forks == 1
    assert await a.node.logs.fork_authors() == {c.node.public_key}
    head = await a.node.logs.head(c.node.public_key)
    assert head is not None and head.frozen

    # a later proof about C, even a forged one, is skipped unverified: C is already frozen
    x, y = _fork(c.node.identity, net_id, seq=2)
    forged = make_fork_proof(x, y).to_wire()
    forged["b"] = [forged["b"][0], bytes(64)]
    # stored as is, unverified (Node.add_fork would refuse it): the state a buggy peer could hold
    await LogStore(b.node.db).add_fork(c.node.public_key, 2, encoding.encode(forged), b.node.clock())
    report = await sync_with(a.node, client_for(a.node, a.session, b.peer_url))
    assert report.forks == 0 and report.error == ""
    assert len(await a.node.logs.forks()) == 1


async def test_a_retired_key_no_longer_counts_as_a_witness(make_node, tmp_path) -> None:
    """A member's key before its rotation may have leaked (why rotate otherwise): whoever holds it
    must not witness for the territory that retired it."""
    from federation.network.membership import view
    from tests.conftest import run_cli

    net, (da, db, dc) = make_network(tmp_path, ["Commune A", "Commune B", "Commune C"])
    a, b, c = [await make_node(data=d, federation=fed(net, **SLOW)) for d in (da, db, dc)]
    old = a.node.identity
    rc, _, err = await run_cli("key", "rotate", "--data", str(da), "--json")
    assert rc == 0, err
    report = await sync_with(b.node, client_for(b.node, b.session, a.peer_url))  # B learns the rotation
    assert report.error == ""
    m = await view(b.node)
    assert old.public_key in m.retired and m.current(old.public_key) == a.node.public_key != old.public_key

    await c.node.publish("note", {"text": "à témoigner"})
    head = await c.node.logs.head(c.node.public_key)
    cp = await c.node.logs.latest_checkpoint(c.node.public_key)
    assert head is not None and cp is not None and cp.size == head.size
    page = await c.node.logs.page(c.node.public_key, 1, head.size, 1 << 20)
    scp = open_checkpoint(cp.raw, cp.sig, c.node.public_key)
    cosigs = [[x.witness, x.ts, x.sig] for x in (cosign(old, scp, 1), cosign(a.node.identity, scp, 1))]
    answer = await client_for(c.node, c.session, b.peer_url).push(
        c.node.public_key, [[r.raw, r.sig] for r in page], [[cp.raw, cp.sig], cosigs])
    assert answer["accepted"] == head.size
    kept = {w for w, _, _ in await b.node.logs.cosignatures(cp.id)}
    assert kept == {b.node.public_key, a.node.public_key}  # A's current key, not its retired one
