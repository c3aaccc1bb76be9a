"""Forks reach every node; a flooding peer is throttled while an honest peer still syncs."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import shutil

from federation.errors import FederationError
from federation.peer.peering import client_for
from federation.peer.state import BUDGETS
from node import config as config_mod
from protocol.identity import Identity
from tests.conftest import run_cli
from tests.federation.netutil import converged, fed, link, wait_for


async def test_a_fork_reaches_every_node_and_freezes_the_author(make_node, tmp_path) -> None:
    nodes = [await make_node(f"T{i}", federation=fed()) for i in range(4)]
    await link(nodes)
    await wait_for(lambda: converged(nodes), 15, "convergence")
    victim = nodes[0]
    clone_dir = tmp_path / "clone"
    clone_dir.mkdir()
    for f in ("node.key", "api.token"):
        shutil.copy(victim.config.data_dir / f, clone_dir / f)
    (clone_dir / "node.toml").write_text(config_mod.render_toml("T0", "127.0.0.1:0"))
    clone = await make_node(data=clone_dir, federation=fed())
    await clone.node.publish("note", {"text": "une autre histoire"})
    await nodes[2].node.peers.upsert(clone.peer_url, clone.node.public_key, "clone", nodes[2].node.clock())

    async def all_frozen() -> bool:
        for rn in nodes[1:]:
            h = await rn.node.logs.head(victim.node.public_key)
            if h is None or not h.frozen or not await rn.node.logs.forks():
                return False
        return True

    await wait_for(all_frozen, 20, "fork proof at every node")
    rc, out, err = await run_cli("status", "--data", str(nodes[3].config.data_dir), "--json")
    assert victim.node.public_key.hex() in json.loads(out)["frozen"]
    rc, out, err = await run_cli("member", "list", "--data", str(nodes[3].config.data_dir), "--json")
    frozen = {m["key"] for m in json.loads(out)["members"] if m["frozen"]}
    assert frozen == {victim.node.public_key.hex()}


async def test_flooding_peer_is_throttled_while_an_honest_peer_syncs(make_node) -> None:
    a = await make_node("Serveur", federation=fed(gossip_interval_s=30.0))
    honest = await make_node("Honnête", federation=fed(gossip_interval_s=30.0))
    a.app[BUDGETS].max_requests = 150
    for i in range(20):
        await a.node.publish("note", {"text": f"note {i}"})
    flooder = client_for(a.node, a.session, a.peer_url)
    flooder.identity = Identity(b"\x07" * 32)
    refused = 0

    async def flood() -> None:
        nonlocal refused
        for _ in range(400):
            try:
                await flooder.heads()
            except FederationError as exc:
                if exc.peer_code == "rate_limited":
                    refused += 1

    flood_task = asyncio.gather(*(flood() for _ in range(4)))
    await honest.node.peers.upsert(a.peer_url, a.node.public_key, "A", honest.node.clock())
    await asyncio.sleep(0.2)  # the flood is under way

    async def honest_synced() -> bool:
        await honest.gossip.round(1)
        h = await honest.node.logs.head(a.node.public_key)
        return h is not None and h.size == 21

    took = await wait_for(honest_synced, 10, "honest peer's sync during a flood")
    await flood_task
    assert refused > 800  # most of the flood was refused before any signature check
    assert took < 10


async def test_garbage_peer_loses_score_backs_off_and_is_graylisted(make_node, aiohttp_server) -> None:
    from aiohttp import web

    from federation.peer.peering import GRAYLIST_SCORE

    async def garbage(request: web.Request) -> web.Response:
        return web.Response(body=b"\xc1\xc1 not msgpack", content_type="application/msgpack")

    app = web.Application()
    app.router.add_post("/fed/v1/{name}", garbage)
    bad = await aiohttp_server(app)
    url = f"http://127.0.0.1:{bad.port}"
    a = await make_node("A", federation=fed(gossip_interval_s=30.0))
    await a.node.peers.upsert(url, None, "", a.node.clock())
    peer = await a.node.peers.get(url)
    report = await a.gossip.exchange_with(peer)
    assert report.error and "garbage" in report.error
    peer = await a.node.peers.get(url)
    assert peer.score == 80 and peer.failures == 1 and peer.next_try > a.node.clock()
    assert a.gossip.choose([peer], 3) == []  # backing off
    for _ in range(3):
        report = await a.gossip.exchange_with(peer)
        peer = await a.node.peers.get(url)
    assert peer.score < GRAYLIST_SCORE
    assert a.gossip.choose([dataclasses.replace(peer, next_try=0)], 3) == []  # graylisted even once its back-off ends
