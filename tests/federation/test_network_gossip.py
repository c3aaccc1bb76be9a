"""Gossip over real nodes: networks converge, a down node catches up, a split network heals."""

from __future__ import annotations

import dataclasses

from federation.runtime import running_node
from node import config as config_mod
from tests.federation.netutil import converged, fed, link, wait_for


async def test_three_nodes_converge_from_a_ring(make_node) -> None:
    nodes = [await make_node(f"Commune {c}", federation=fed()) for c in "ABC"]
    await link(nodes)
    for i, rn in enumerate(nodes):
        await rn.node.publish("note", {"text": f"bonjour {i}"})
    await wait_for(lambda: converged(nodes), 15, "3-node convergence")
    for rn in nodes:
        heads = await rn.node.logs.heads()
        assert len([h for h in heads if h.size]) == 3
        assert sum(h.size for h in heads) == 6  # three profiles, three notes
    # peers were learnt from profiles: each node now knows both others
    async def everyone_known() -> bool:
        return all([len(await rn.node.peers.all()) == 2 for rn in nodes])

    await wait_for(everyone_known, 5, "peers learnt from profiles")


async def test_eight_nodes_converge_and_witness(make_node) -> None:
    nodes = [await make_node(f"Territoire {i}", federation=fed()) for i in range(8)]
    await link(nodes)
    await nodes[0].node.publish("note", {"text": "nouvelle"})
    await wait_for(lambda: converged(nodes), 30, "8-node convergence")
    # witnessing: peers that verified node 0's checkpoint cosigned it
    cp = await nodes[3].node.logs.latest_checkpoint(nodes[0].node.public_key)
    assert cp is not None and cp.size == 2

    async def witnessed() -> bool:  # the records land before the checkpoint is cosigned, in one round
        return bool(await nodes[3].node.logs.cosignatures(cp.id))

    await wait_for(witnessed, 10, "node 3's cosignature of node 0's checkpoint")
    cosigs = await nodes[3].node.logs.cosignatures(cp.id)
    assert cosigs and nodes[0].node.public_key not in {w for w, _, _ in cosigs}

    # the author learns its witnesses: peers it pushed to return their cosignatures
    async def author_sees_witnesses() -> bool:
        return len(await nodes[0].node.logs.cosignatures(cp.id)) >= 1

    await wait_for(author_sees_witnesses, 10, "witnesses known to the author")


async def test_a_node_that_was_down_catches_up(make_node, tmp_path) -> None:
    a = await make_node("A", federation=fed())
    b = await make_node("B", federation=fed())
    from node.bootstrap import init_node

    init_node(tmp_path / "late", "C", "127.0.0.1:0")
    cfg = config_mod.load(tmp_path / "late")
    cfg = dataclasses.replace(cfg, federation=dataclasses.replace(cfg.federation, gossip_interval_s=0.1))
    async with running_node(cfg) as c:
        await link([a, b, c])
        await wait_for(lambda: converged([a, b, c]), 15, "first convergence")
    for i in range(5):
        await a.node.publish("note", {"text": f"pendant la panne {i}"})
    async with running_node(cfg) as c:
        await wait_for(lambda: converged([a, b, c]), 15, "catch-up after restart")
        head = await c.node.logs.head(a.node.public_key)
        assert head is not None and head.size == 6


async def test_a_split_network_heals(make_node) -> None:
    nodes = [await make_node(f"N{i}", federation=fed()) for i in range(6)]
    await link(nodes)
    await wait_for(lambda: converged(nodes), 20, "initial convergence")
    left, right = nodes[:3], nodes[3:]
    for side, other in ((left, right), (right, left)):
        for rn in side:
            rn.traffic.blocked.update(o.peer_url for o in other)
    await left[0].node.publish("note", {"text": "à gauche"})
    await right[0].node.publish("note", {"text": "à droite"})
    await wait_for(lambda: converged(left), 15, "left half")
    await wait_for(lambda: converged(right), 15, "right half")
    lhead = await right[1].node.logs.head(left[0].node.public_key)
    assert lhead is not None and lhead.size == 1  # the right half never saw the left's note
    for rn in nodes:
        rn.traffic.blocked.clear()
        for p in await rn.node.peers.all():
            await rn.node.peers.record_success(p.url, rn.node.clock(), 0, 0)  # end the back-off
    await wait_for(lambda: converged(nodes), 20, "healed network")


async def test_idle_reconciliation_over_http_is_tiny(make_node) -> None:
    from federation.peer.peering import client_for
    from protocol.reconcile import Reconciler, done, head_item

    nodes = [await make_node(f"I{i}", federation=fed()) for i in range(3)]
    await link(nodes)
    await wait_for(lambda: converged(nodes), 15, "convergence")
    a, b = nodes[0], nodes[1]
    items = [head_item(h.key, h.size, h.root) for h in await a.node.logs.heads() if h.size and h.root]
    msg = Reconciler(items).initiate()
    answer = await client_for(a.node, a.session, b.peer_url).reconcile(msg)
    assert done(answer) and len(msg) + len(answer) < 200
