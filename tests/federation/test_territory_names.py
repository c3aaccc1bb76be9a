"""Naming territories in commands: full key, name or key prefix among the known ones; a mistyped or
unknown key is refused (unless --unknown-key); endorsing twice is one record; a proposer withdraws
a twinning not yet accepted."""

from __future__ import annotations

import json
import os
from typing import Any

from node.bootstrap import init_node
from protocol.identity import Identity
from tests.conftest import call_api, run_cli
from tests.dates import NEXT_YEAR_END
from tests.federation.netutil import fed, link, make_network


async def ok(*argv: str) -> Any:
    rc, out, err = await run_cli(*argv, "--json")
    assert rc == 0, f"{argv}: {err}"
    return json.loads(out)


async def refused(*argv: str) -> str:
    rc, out, err = await run_cli(*argv)
    assert rc == 1 and "Traceback" not in err, (rc, out, err)
    return err


def typo(key: str) -> str:
    """The key with one hex digit changed, as a tired hand copies it."""
    i = 40
    return key[:i] + ("0" if key[i] != "0" else "1") + key[i + 1:]


async def test_endorse_resolves_names_and_prefixes_and_refuses_typos(make_node, tmp_path) -> None:
    net, (da, db) = make_network(tmp_path, ["Commune A", "Commune B"])
    a = await make_node(data=da, federation=fed(net))
    b = await make_node(data=db, federation=fed(net))
    await link([a, b])
    init_node(tmp_path / "c", "Candidate C", "127.0.0.1:0")
    c = await make_node(data=tmp_path / "c", federation=fed(net))
    kc = c.node.public_key.hex()
    sa = str(da)
    # A knows C's address and key (`peer add`), so it knows the name "Candidate C" too
    await a.node.peers.upsert(c.peer_url, c.node.public_key, "Candidate C", a.node.clock())

    async def endorsements() -> int:
        return len(await a.node.logs.records(a.node.public_key, ["member.endorse"]))

    err = await refused("member", "endorse", "--data", sa, typo(kc))
    assert "no territory with key" in err and f"did you mean Candidate C ({kc})" in err and "--unknown-key" in err
    assert await endorsements() == 0  # nothing was signed for the stranger
    err = await refused("member", "endorse", "--data", sa, kc[:6])
    assert "at least 8 hex characters" in err

    rc, out, err = await run_cli("member", "endorse", "--data", sa, kc[:10])
    assert rc == 0, err
    assert out.startswith(f"endorsed Candidate C ({kc}): 1 of 2")  # the whole key: no two keys print alike
    again = await ok("member", "endorse", "--data", sa, "candidate  c")
    assert again["already"] is True and again["id"] is None and again["candidate"] == kc
    rc, out, err = await run_cli("member", "endorse", "--data", sa, "Candidate C")
    assert rc == 0 and out.startswith("already endorsed Candidate C")
    assert await endorsements() == 1

    # two known keys share a 10-character prefix: a shorter prefix is ambiguous and lists both
    k1, k2 = "ab12cd34ef" + "11" * 27, "ab12cd34ef" + "22" * 27
    await a.node.peers.upsert("http://127.0.0.1:9/", bytes.fromhex(k1), "Ville Un", a.node.clock())
    await a.node.peers.upsert("http://127.0.0.1:10/", bytes.fromhex(k2), "Ville Deux", a.node.clock())
    err = await refused("member", "endorse", "--data", sa, "ab12cd34")
    assert "starts 2 keys" in err and f"Ville Un ({k1})" in err and f"Ville Deux ({k2})" in err
    assert (await ok("member", "endorse", "--data", sa, "ab12cd34ef1"))["candidate"] == k1
    err = await refused("member", "endorse", "--data", sa, "Ville Trois")
    assert "no known territory is named 'Ville Trois'" in err

    # a key nobody here heard of: refused, then accepted when told so
    stranger = Identity(os.urandom(32)).public_key.hex()
    err = await refused("member", "endorse", "--data", sa, stranger)
    assert "--unknown-key" in err and "did you mean" not in err
    assert (await ok("member", "endorse", "--data", sa, stranger, "--unknown-key"))["candidate"] == stranger

    # the API resolves the same way; removal too
    code, r = await call_api(a, "POST", "/api/members/remove", {"key": "Commune B"})
    assert code == 200 and r["member"] == b.node.public_key.hex() and r["already"] is False
    code, r = await call_api(a, "POST", "/api/members/remove", {"key": b.node.public_key.hex()[:12]})
    assert code == 200 and r["already"] is True
    code, r = await call_api(a, "POST", "/api/members/remove", {"key": typo(b.node.public_key.hex())})
    assert code == 400 and "did you mean Commune B" in r["error"]["message"]


async def test_twin_propose_by_name_and_withdraw(make_node, tmp_path) -> None:
    a, b, c = await make_node("Commune A"), await make_node("Quartier B"), await make_node("Village C")
    da, db, dc = (str(n.config.data_dir) for n in (a, b, c))
    for x in (a, b, c):
        for y in (a, b, c):
            if x is not y:
                assert (await run_cli("peer", "add", "--data", str(x.config.data_dir), y.peer_url))[0] == 0
    for d in (da, db, dc):
        assert (await run_cli("sync", "--data", d))[0] == 0
    kb = b.node.public_key.hex()

    err = await refused("twin", "propose", "--data", da, "--with", typo(kb), "--title", "t", "--objectives", "o", "--until", NEXT_YEAR_END)
    assert f"did you mean Quartier B ({kb})" in err
    assert await a.node.logs.records(a.node.public_key, ["twin.*"]) == []
    t = (await ok("twin", "propose", "--data", da, "--with", "Quartier B", "--title", "Jumelage eau", "--objectives", "partager",
                  "--until", NEXT_YEAR_END))["id"]
    shown = await ok("twin", "show", "--data", da, t)
    assert [p["key"] for p in shown["partners"]] == [kb]
    for d in (db, dc):
        assert (await run_cli("sync", "--data", d))[0] == 0

    err = await refused("twin", "withdraw", "--data", db, t)  # a partner declines; only the proposer withdraws
    assert "only the proposer withdraws" in err
    err = await refused("twin", "withdraw", "--data", dc, t)
    assert "only its proposer and named partners" in err
    done = await ok("twin", "withdraw", "--data", da, t, "--reason", "merged into another project")
    assert done["state"] == "withdrawn"
    assert (await run_cli("sync", "--data", db))[0] == 0
    assert (await ok("twin", "show", "--data", db, t))["state"] == "withdrawn"
    assert (await ok("twin", "inbox", "--data", db))["proposals"] == []
    err = await refused("twin", "accept", "--data", db, t)
    assert "a twinning that is withdrawn cannot take the event 'accept'" in err
    err = await refused("twin", "withdraw", "--data", da, t)
    assert "withdrawn cannot take the event 'withdraw'" in err

    # once every partner accepted there is nothing left to withdraw
    t2 = (await ok("twin", "propose", "--data", da, "--with", kb[:8], "--title", "Jumelage forêt", "--objectives", "o",
                   "--until", NEXT_YEAR_END))["id"]
    assert (await run_cli("sync", "--data", db))[0] == 0
    await ok("twin", "accept", "--data", db, t2)
    assert (await run_cli("sync", "--data", da))[0] == 0
    err = await refused("twin", "withdraw", "--data", da, t2)
    assert "active cannot take the event 'withdraw'" in err

    # an audit of what A holds, withdrawn twinning included, is clean
    bundle = tmp_path / "a.dmc"
    assert (await run_cli("export", "--data", da, "-o", str(bundle)))[0] == 0
    rc, out, err = await run_cli("audit", str(bundle), "--json")
    report = json.loads(out)
    assert rc == 0 and report["verdict"] == "pass", report["findings"]
    assert not [f for f in report["findings"] if f["check"] == "twinning"]


async def test_review_request_names_reviewers(make_node) -> None:
    a, b = await make_node("Commune A"), await make_node("Quartier B")
    da = str(a.config.data_dir)
    assert (await run_cli("peer", "add", "--data", da, b.peer_url))[0] == 0
    assert (await run_cli("sync", "--data", da))[0] == 0
    target = (await ok("publish", "--data", da, "--kind", "note", "--body", '{"text": "bilan"}'))["id"]
    kb = b.node.public_key.hex()
    err = await refused("review", "request", "--data", da, "--target", target, "--reviewer", typo(kb))
    assert "did you mean Quartier B" in err
    await ok("review", "request", "--data", da, "--target", target, "--reviewer", "quartier b")
    listed = await ok("review", "list", "--data", da, "--about", kb[:9])
    assert listed["about"] == kb


async def test_a_candidate_that_knocked_is_known_by_its_key_prefix(make_node, tmp_path) -> None:
    """A candidate that called with a valid signature is known to the member it called: the
    endorser names it by prefix, without --unknown-key; a member it never called still asks."""
    from federation.errors import FederationError
    from federation.peer.peering import client_for

    net, (da, db) = make_network(tmp_path, ["Commune A", "Commune B"])
    a = await make_node(data=da, federation=fed(net))
    await make_node(data=db, federation=fed(net))
    init_node(tmp_path / "c", "Candidate C", "127.0.0.1:0")
    c = await make_node(data=tmp_path / "c", federation=fed(net))
    kc = c.node.public_key.hex()
    err = await refused("member", "endorse", "--data", str(da), kc[:12])
    assert "no known territory's key starts with" in err
    try:
        await client_for(c.node, c.session, a.peer_url).heads()
        raise AssertionError("a non-member was served")
    except FederationError as exc:
        assert exc.peer_code == "not_member"
    assert (await ok("member", "endorse", "--data", str(da), kc[:12]))["candidate"] == kc
    err = await refused("member", "endorse", "--data", str(db), kc)
    assert "--unknown-key" in err  # B was never called by C: a full key alone is not enough there
