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


async def test_a_peer_that_asks_to_slow_down_is_backed_off_without_penalty(make_node) -> None:
    from federation.peer.peering import sync_round

    a = await make_node("Chargé", federation=fed(gossip_interval_s=30.0))
    b = await make_node("B", federation=fed(gossip_interval_s=30.0))
    a.app[BUDGETS].max_requests = 1  # B's first request is served, the next answered 429 rate_limited
    a.app[BUDGETS].window_ms = 600_000  # the window does not end during the test
    await b.node.peers.upsert(a.peer_url, a.node.public_key, "A", b.node.clock())
    peer = await b.node.peers.get(a.peer_url)
    report = await b.gossip.exchange_with(peer)
    assert report.error_code == "peer_refused" and "slow down" in report.error
    peer = await b.node.peers.get(a.peer_url)
    assert peer.score == 100 and peer.failures == 1 and peer.next_try > b.node.clock()
    assert b.gossip.choose([peer], 3) == []  # backing off
    [report] = await sync_round(b.node, b.session, [peer])  # the explicit sync counts it the same way
    assert report.error_code == "peer_refused"
    again = await b.node.peers.get(a.peer_url)
    assert again.score == 100 and again.failures == 2 and again.next_try > peer.next_try


async def test_a_peer_whose_records_fail_verification_is_penalised(make_node, aiohttp_server) -> None:
    from aiohttp import web

    from federation.peer.peering import PENALTY_MISBEHAVED, sync_round
    from protocol import encoding
    from protocol.messages import HeadEntry, Info

    author = await make_node("Auteur")
    for i in range(3):
        await author.node.publish("note", {"text": f"note {i}"})
    key = author.node.public_key
    page = await author.node.logs.page(key, 1, 4, 1 << 20)
    forged = [[r.raw, r.sig[:-1] + bytes([r.sig[-1] ^ 1])] for r in page]  # one bit off each signature
    answers = {
        "info": Info(key, author.node.net_id, "Faussaire", "", len(page)).to_wire(),
        "forks": {"forks": []},
        "heads": {"heads": [HeadEntry(key, len(page), b"\0" * 32).to_wire()]},
        "records": {"records": forged},
    }

    async def forger(request: web.Request) -> web.Response:
        return web.Response(body=encoding.encode(answers[request.match_info["name"]]), content_type="application/msgpack")

    app = web.Application()
    app.router.add_post("/fed/v1/{name}", forger)
    bad = await aiohttp_server(app)
    url = f"http://127.0.0.1:{bad.port}"
    a = await make_node("A", federation=fed(gossip_interval_s=30.0))
    await a.node.peers.upsert(url, None, "", a.node.clock())
    [report] = await sync_round(a.node, a.session, [await a.node.peers.get(url)])
    assert report.error_code == "peer_misbehaved" and "invalid record" in report.error
    peer = await a.node.peers.get(url)
    assert peer.score == 100 - PENALTY_MISBEHAVED and peer.failures == 1 and peer.next_try > a.node.clock()
    assert await a.node.logs.head(key) is None  # nothing of the forged page was kept


async def test_penalty_follows_the_error_type(make_node) -> None:
    from federation.errors import FedErrorCode, PeerMisbehaved, PeerRefused, PeerUnreachable, RemoteError
    from federation.peer.peering import PENALTY_MISBEHAVED, PENALTY_UNREACHABLE, Backoff, Penalty, penalty, record_fault
    from node.errors import Conflict, StorageError
    from protocol.errors import SignatureError

    assert penalty(PeerMisbehaved("bad signature")) == Penalty(PENALTY_MISBEHAVED, Backoff.EXPONENTIAL)
    assert penalty(RemoteError("answered garbage")) == Penalty(PENALTY_MISBEHAVED, Backoff.EXPONENTIAL)
    assert penalty(PeerUnreachable("down")) == Penalty(PENALTY_UNREACHABLE, Backoff.EXPONENTIAL)
    for code in (FedErrorCode.RATE_LIMITED, FedErrorCode.BUSY):
        assert penalty(PeerRefused("slow down", peer_code=code)) == Penalty(0, Backoff.EXPONENTIAL)
    assert penalty(PeerRefused("not admitted", peer_code="not_member")) == Penalty(0, Backoff.NEXT_ROUND)
    assert penalty(PeerRefused("HTTP 502")) == Penalty(PENALTY_UNREACHABLE, Backoff.EXPONENTIAL)
    for ours in (Conflict("log moved to 4 during ingest; retry"), StorageError("disk full"), SignatureError("ours")):
        assert penalty(ours) == Penalty(0, Backoff.NONE)
    # our own fault leaves the peer's health as it was
    a = await make_node("A")
    url = "http://127.0.0.1:9"
    await a.node.peers.upsert(url, None, "", a.node.clock())
    before = await a.node.peers.get(url)
    report = await record_fault(a.node, before, Conflict("log moved to 4 during ingest; retry"))
    assert report.error_code == "conflict"
    assert await a.node.peers.get(url) == before
