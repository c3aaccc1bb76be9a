"""Membership over real nodes: a non-member is refused until more than half of the members endorse it."""

from __future__ import annotations

import json

from federation.errors import FederationError
from federation.network.membership import members
from federation.peer.exchange import exchange
from federation.peer.peering import client_for
from node.bootstrap import init_node
from tests.conftest import call_api, run_cli
from tests.federation.netutil import fed, make_network, wait_for


async def test_non_member_refused_until_endorsed_by_a_majority(make_node, tmp_path) -> None:
    net, (da, db) = make_network(tmp_path, ["Commune A", "Commune B"])
    a = await make_node(data=da, federation=fed(net))
    b = await make_node(data=db, federation=fed(net))
    init_node(tmp_path / "c", "Candidate C", "127.0.0.1:0")
    c = await make_node(data=tmp_path / "c", federation=fed(net))
    ckey = c.node.public_key
    assert a.node.net_id == b.node.net_id == c.node.net_id != bytes(32)
    await a.node.peers.upsert(b.peer_url, b.node.public_key, "B", a.node.clock())
    await b.node.peers.upsert(a.peer_url, a.node.public_key, "A", b.node.clock())
    await c.node.peers.upsert(a.peer_url, a.node.public_key, "A", c.node.clock())
    await a.node.peers.upsert(c.peer_url, ckey, "C", a.node.clock())
    await c.node.publish("note", {"text": "je voudrais entrer"})

    # A refuses C's requests; A may pull from C (records are verified and filtered by their
    # authors' membership) but keeps nothing of C's and pushes nothing to it
    client = client_for(c.node, c.session, a.peer_url)
    try:
        await client.heads()
        raise AssertionError("a non-member was served")
    except FederationError as exc:
        assert exc.peer_code == "not_member"
    report = await exchange(a.node, client_for(a.node, a.session, c.peer_url))
    assert report.pulled == 0 and report.pushed == 0
    assert await a.node.logs.head(ckey) is None
    assert await c.node.logs.head(a.node.public_key) is None
    assert ckey not in await members(a.node)

    status, r = await call_api(a, "POST", "/api/members/endorse", {"key": ckey.hex()})
    assert status == 200 and r["status"] == "candidate" and r["endorsements"] == 1 and r["needed"] == 2
    # B knows C only if C's gossip already called it (a candidate knocking is remembered) or A's
    # endorsement reached it; otherwise the key must be confirmed (test_territory_names covers both)
    rc, out, err = await run_cli("member", "endorse", "--data", str(db), ckey.hex(), "--json")
    if rc != 0:
        assert rc == 1 and "--unknown-key" in err
        rc, out, err = await run_cli("member", "endorse", "--data", str(db), ckey.hex(), "--unknown-key", "--json")
    assert rc == 0, err

    async def a_holds_c() -> bool:
        h = await a.node.logs.head(ckey)
        return h is not None and h.size == 2

    await wait_for(a_holds_c, 15, "C's records at A once admitted")
    assert ckey in await members(a.node)
    rc, out, err = await run_cli("member", "list", "--data", str(da), "--json")
    listing = {m["key"]: m for m in json.loads(out)["members"]}
    assert listing[ckey.hex()]["status"] == "member" and len(listing[ckey.hex()]["endorsed_by"]) == 2
    rc, out, err = await run_cli("network", "status", "--data", str(da), "--json")
    view = json.loads(out)
    assert view["network"]["name"] == "TEST" and len(view["members"]) == 3


async def test_endorse_errors_are_clear(make_node, tmp_path) -> None:
    a = await make_node("Open")
    status, r = await call_api(a, "POST", "/api/members/endorse", {"key": "00" * 32, "unknown_key": True})
    assert status == 409 and "open network" in r["error"]["message"]
    status, r = await call_api(a, "POST", "/api/members/endorse", {"key": "zz"})
    assert status == 400 and "no known territory is named 'zz'" in r["error"]["message"]
