"""Cooperation through the real CLI on two or three real nodes: twinning, peer review, fund."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import call_api, run_cli
from tests.dates import NEXT_YEAR_END


async def cli(*argv: str) -> Any:
    rc, out, err = await run_cli(*argv, "--json")
    assert rc == 0, err
    return json.loads(out)


async def fails(*argv: str) -> str:
    rc, out, err = await run_cli(*argv)
    assert rc == 1 and "Traceback" not in err, (rc, out, err)
    return err


async def mesh(*nodes) -> None:
    for a in nodes:
        for b in nodes:
            if a is not b:
                rc, _, err = await run_cli("peer", "add", "--data", str(a.config.data_dir), b.peer_url)
                assert rc == 0, err


async def sync(*nodes) -> None:
    for _ in range(2):  # twice: records relayed through a third node arrive too
        for n in nodes:
            rc, _, err = await run_cli("sync", "--data", str(n.config.data_dir))
            assert rc == 0, err


async def test_twinning_two_nodes_from_proposal_to_closing(make_node) -> None:
    a, b = await make_node("Commune A"), await make_node("Quartier B")
    da, db = str(a.config.data_dir), str(b.config.data_dir)
    await mesh(a, b)
    kb = b.node.public_key.hex()
    t = (await cli("twin", "propose", "--data", da, "--with", kb, "--title", "Jumelage eau", "--objectives", "partager", "--until", NEXT_YEAR_END))["id"]
    await sync(b)
    inbox = await cli("twin", "inbox", "--data", db)
    assert [p["id"] for p in inbox["proposals"]] == [t]
    assert (await cli("twin", "show", "--data", da, t))["state"] == "proposed"
    err = await fails("twin", "milestone", "--data", da, t, "--title", "trop tôt")
    assert "proposed cannot take the event 'milestone'" in err
    err = await fails("twin", "accept", "--data", da, t)
    assert "proposer does not answer" in err
    await cli("twin", "accept", "--data", db, t)
    await sync(a)
    assert (await cli("twin", "show", "--data", da, t))["state"] == "active"
    assert (await cli("twin", "inbox", "--data", db))["proposals"] == []
    await cli("twin", "milestone", "--data", da, t, "--title", "Visite croisée")
    await cli("twin", "hours", "--data", db, t, "--hours", "7.5", "--period", "2026")
    await cli("twin", "report", "--data", da, t, "--text", "Bilan commun")
    await sync(b)
    shown = await cli("twin", "report", "--data", db, t)  # B co-signs A's report
    assert shown["state"] == "closed"
    await sync(a)
    for d in (da, db):
        s = await cli("twin", "show", "--data", d, t)
        assert s["state"] == "closed" and s["hours"][kb]["minutes"] == 450 and s["milestones"][0]["title"] == "Visite croisée"
        assert [h["state"] for h in s["history"]] == ["proposed", "active", "active", "active", "active", "closed"]
    assert [x["id"] for x in (await cli("twin", "list", "--data", db))["twinnings"]] == [t]


async def test_acceptance_by_a_territory_not_named_is_refused(make_node) -> None:
    a, b, c = await make_node("A"), await make_node("B"), await make_node("C")
    await mesh(a, b, c)
    code, r = await call_api(a, "POST", "/api/twin", {"with": [b.node.public_key.hex()], "title": "t", "objectives": "o", "until": NEXT_YEAR_END})
    assert code == 200
    await sync(c)
    code, err = await call_api(c, "POST", f"/api/twin/{r['id']}/accept", {})
    assert code == 400 and "only its proposer and named partners" in err["error"]["message"]
    assert await c.node.logs.records(c.node.public_key, ["twin.*"]) == []  # nothing was written
    await sync(b)
    code, err = await call_api(b, "POST", f"/api/twin/{r['id']}/hours", {"period": "2026"})
    assert code == 400 and "'minutes' is required" in err["error"]["message"]
    code, err = await call_api(a, "POST", "/api/twin", {"with": [a.node.public_key.hex()], "title": "t", "objectives": "o", "until": NEXT_YEAR_END})
    assert code == 400 and "cannot twin with itself" in err["error"]["message"]
    for until, why in (("2020-01-31", "is in the past"), ("9999-12-31", "years away")):
        code, err = await call_api(a, "POST", "/api/twin", {"with": [b.node.public_key.hex()], "title": "t", "objectives": "o", "until": until})
        assert code == 400 and why in err["error"]["message"], err


async def test_peer_review_round(make_node) -> None:
    a, b = await make_node("Commune A"), await make_node("Quartier B")
    da, db = str(a.config.data_dir), str(b.config.data_dir)
    await mesh(a, b)
    target = (await cli("publish", "--data", da, "--kind", "note", "--body", '{"text": "bilan DAS 2026"}'))["id"]
    fws = await cli("review", "frameworks", "--data", da)
    d21 = next(f for f in fws["frameworks"] if f["id"] == "democite21")
    keys = [c["key"] for c in d21["criteria"]]
    assert {"participation", "transversality", "long-term", "coresponsibility", "biosphere", "energy", "co2"} == set(keys)
    assert d21["title"]["fr"] and d21["title"]["en"]
    await cli("review", "request", "--data", da, "--target", target, "--reviewer", b.node.public_key.hex())
    await sync(b)
    assert (await cli("review", "list", "--data", db))["requests_to_me"][0]["target"] == target
    scores = [f"--score={k}={i % 5}" for i, k in enumerate(keys)]
    err = await fails("review", "publish", "--data", da, "--target", target, *scores, "--verdict", "on-track")
    assert "cannot review itself" in err
    err = await fails("review", "publish", "--data", db, "--target", "ab" * 32, *scores, "--verdict", "on-track")
    assert "no record with this id" in err
    err = await fails("review", "publish", "--data", db, "--target", target, *scores[1:], "--verdict", "on-track")
    assert "no score for criterion 'participation'" in err
    err = await fails("review", "publish", "--data", db, "--target", target, *scores, "--score=energy=9", "--verdict", "on-track")
    assert "from 0 to 4" in err
    rid = (await cli("review", "publish", "--data", db, "--target", target, *scores, "--verdict", "on-track", "--comments", "bien"))["id"]
    await sync(a)
    await cli("review", "respond", "--data", da, rid, "--text", "merci")
    await sync(b)
    mine = await cli("review", "list", "--data", da)
    assert [r["id"] for r in mine["received"]] == [rid] and mine["given"] == []
    (period, avg), = mine["averages"].items()
    assert avg["participation"] == {"average": "0.00", "count": 1} and avg["transversality"]["average"] == "1.00"
    theirs = await cli("review", "list", "--data", db, "--about", a.node.public_key.hex())
    assert theirs["received"][0]["responses"][0]["text"] == "merci"
    assert (await cli("review", "list", "--data", db))["given"][0]["id"] == rid


async def test_fund_grant_two_members(make_node) -> None:
    a, b = await make_node("Commune A"), await make_node("Quartier B")
    da, db = str(a.config.data_dir), str(b.config.data_dir)
    await mesh(a, b)
    await sync(a, b)
    fid = (await cli("fund", "create", "--data", da, "--name", "Fonds universel", "--currency", "EUR"))["id"]
    await sync(b)
    await cli("fund", "pledge", "--data", da, "--amount", "1000")
    await cli("fund", "contribute", "--data", da, "--amount", "600")
    await cli("fund", "contribute", "--data", db, "--fund", fid, "--amount", "400.50")
    err = await fails("fund", "request", "--data", db, "--amount", "5000")
    assert "available balance" in err
    await sync(a, b)
    req = (await cli("fund", "request", "--data", db, "--amount", "900", "--purpose", "jumelage"))["id"]
    err = await fails("fund", "request", "--data", db, "--amount", "10")
    assert "slot 1 is taken" in err
    await sync(a)
    first = await cli("fund", "approve", "--data", da, req)
    assert first["approvals"] == 1 and first["quorum"] == 2 and not first["certified"]
    again = await cli("fund", "approve", "--data", da, req)  # idempotent: the same approval, not a second one
    assert again["approval"] == first["approval"]
    await sync(b)
    assert (await cli("fund", "approve", "--data", db, req))["certified"]
    err = await fails("fund", "ack", "--data", da, req)
    assert "only the territory that requested" in err
    await cli("fund", "ack", "--data", db, req)
    await sync(a, b)
    for d in (da, db):
        (f,) = (await cli("fund", "status", "--data", d))["funds"]
        assert f["total"] == {"pledged": 100000, "contributed": 100050, "granted": 90000, "paid": 90000, "available": 10050}
        assert f["members"][b.node.public_key.hex()]["granted"] == 90000 and f["pending"] == [] and f["equivocations"] == []
    code, cert = await call_api(a, "GET", f"/api/fund/grants/{req}/certificate")
    assert code == 200 and cert["amount"] == 90000 and len(cert["records"]) == 3
    rc, out, _ = await run_cli("fund", "status", "--data", da)
    assert "available 100.50" in out and "(received)" in out
