"""Cooperation at the node: durable fund approvals, the demo round, the OpenAPI document."""

from __future__ import annotations

import contextlib
import io

from federation.coop import fund as fund_mod
from federation.demo import coop as coop_demo
from node.storage.coop import ApprovalStore
from tests.conftest import call_api


async def _peers(*nodes) -> None:
    for a in nodes:
        for b in nodes:
            if a is not b:
                await a.node.peers.upsert(b.peer_url, b.node.public_key, b.config.node.name, a.node.clock())


async def test_approval_promised_before_a_crash_is_kept_and_never_contradicted(make_node) -> None:
    a, b = await make_node("A"), await make_node("B")
    await _peers(a, b)
    await coop_demo._sync([a, b])
    fid = await fund_mod.create(a.node, "F", "EUR", 30)
    await coop_demo._sync([a, b])
    await fund_mod.money(a.node, "fund.contribute", fid, 1000)
    # a misbehaving requester puts two requests in slot 1
    r1 = (await b.node.publish("fund.request", {"fund": fid, "nonce": 1, "amount": 100, "purpose": "x"})).id
    r2 = (await b.node.publish("fund.request", {"fund": fid, "nonce": 1, "amount": 200, "purpose": "y"})).id
    await coop_demo._sync([a, b])
    # the node decided r1 and stored it, then crashed before signing: the promise is on disk
    await ApprovalStore(a.node.db).reserve(fid, 1, r1, a.node.clock())
    code, err = await call_api(a, "POST", "/api/fund/approve", {"request": r2.hex()})
    assert code == 400 and "equivocation" in err["error"]["message"]
    approvals = await a.node.logs.records(a.node.public_key, ["fund.approve"])
    assert len(approvals) == 1  # the pending promise for r1 was published on the next approve call
    code, r = await call_api(a, "POST", "/api/fund/approve", {"request": r1.hex()})
    assert code == 200 and r["approval"] == approvals[0].id.hex()
    assert len(await a.node.logs.records(a.node.public_key, ["fund.approve"])) == 1
    assert await ApprovalStore(a.node.db).unpublished() == []


async def test_cooperation_round_of_the_demo(make_node) -> None:
    nodes = [await make_node(n) for n in ("Commune A", "Quartier B", "Village C")]
    await _peers(*nodes)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = await coop_demo.cooperation_round(nodes)
    assert result == {"reviews": 2, "twinning": "active", "granted": 60_000, "agree": True}
    assert "grant certified" in out.getvalue() and "twinning is active on both sides" in out.getvalue()


async def test_openapi_lists_cooperation_routes(make_node) -> None:
    a = await make_node("A")
    code, doc = await call_api(a, "GET", "/api/openapi.json")
    assert code == 200
    assert {"/api/twin", "/api/twin/{id}", "/api/review", "/api/fund/approve", "/api/fund"} <= set(doc["paths"])
