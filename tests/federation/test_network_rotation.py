"""Key rotation over real nodes: old records stay valid, the retired key's later records are refused."""

from __future__ import annotations

import json
import os
from typing import Any

from federation.errors import FederationError
from federation.network.keyrotation import rotate_key, stage_rotation
from federation.network.membership import view
from federation.peer.peering import client_for
from federation.runtime import running_node
from node import config as config_mod
from node import keys
from node.bootstrap import init_node
from protocol.membership import key_commitment
from protocol.record import Record, sign_record
from tests.conftest import call_api, run_cli
from tests.federation.netutil import converged, fed, link, make_network, wait_for


async def test_rotation_keeps_old_records_and_refuses_later_ones(make_node) -> None:
    x = await make_node("Rotating", federation=fed())
    y = await make_node("Witness", federation=fed())
    await link([x, y])
    old = x.node.identity
    await x.node.publish("note", {"text": "avant"})
    rc, out, err = await run_cli("key", "rotate", "--data", str(x.config.data_dir), "--json")
    assert rc == 0, err
    r = json.loads(out)
    assert r["old"] == old.public_key.hex() and r["rotation_seq"] == 3
    new_key = bytes.fromhex(r["new"])
    assert x.node.public_key == new_key
    await x.node.publish("note", {"text": "après"})
    await wait_for(lambda: converged([x, y]), 15, "convergence after rotation")
    old_head = await y.node.logs.head(old.public_key)
    new_head = await y.node.logs.head(new_key)
    assert old_head is not None and old_head.size == 3  # profile, note, rotation: still valid
    assert new_head is not None and new_head.size == 2  # the new key's profile and note

    # a record signed by the retired key after its rotation is refused by peers
    last = await y.node.logs.record_at(old.public_key, 3)
    assert last is not None
    late = sign_record(old, Record(1, y.node.net_id, old.public_key, 4, last.id, 1, "note", {"text": "trop tard"}))
    answer = await client_for(x.node, x.session, y.peer_url).push(old.public_key, [late.wire()])
    assert answer["accepted"] == 0
    head = await y.node.logs.head(old.public_key)
    assert head is not None and head.size == 3

    # the second rotation uses the key the first one committed to
    rc, out, err = await run_cli("key", "rotate", "--data", str(x.config.data_dir), "--json")
    assert rc == 0, err
    second = json.loads(out)
    assert key_commitment(bytes.fromhex(second["new"])).hex() == r["next_key_committed"]
    await wait_for(lambda: converged([x, y]), 15, "convergence after the second rotation")
    m = await view(y.node)
    assert m.current(old.public_key) == bytes.fromhex(second["new"])


async def test_rotation_spreads_on_a_closed_network(make_node, tmp_path) -> None:
    net, (da, db, dc) = make_network(tmp_path, ["Commune A", "Commune B", "Commune C"])
    a = await make_node(data=da, federation=fed(net))
    b = await make_node(data=db, federation=fed(net))
    c = await make_node(data=dc, federation=fed(net))
    await link([a, b, c])
    old, old_identity = a.node.public_key, a.node.identity
    await a.node.publish("note", {"text": "avant"})
    await wait_for(lambda: converged([a, b, c]), 15, "convergence before the rotation")
    rc, out, err = await run_cli("key", "rotate", "--data", str(da), "--json")
    assert rc == 0, err
    new_key = bytes.fromhex(json.loads(out)["new"])
    await a.node.publish("note", {"text": "après"})

    # B and C refuse the new key until they hold the rotation; they learn it by pulling from A
    # (B knows A directly, C only through gossip)
    async def new_key_records_everywhere() -> bool:
        for rn in (b, c):
            h = await rn.node.logs.head(new_key)
            if h is None or h.size != 2:
                return False
        return True

    await wait_for(new_key_records_everywhere, 15, "A's new-key records at B and C")
    for rn in (b, c):
        m = await view(rn.node)
        assert m.current(old) == new_key and new_key in m.members and old not in m.members
        old_head = await rn.node.logs.head(old)
        assert old_head is not None and old_head.size == 3  # profile, note, rotation
    # and they now serve requests signed by A's new key, and none signed by the retired one
    heads = await client_for(a.node, a.session, b.peer_url).heads()
    assert any(h.author == new_key for h in heads)
    retired = client_for(a.node, a.session, b.peer_url)
    retired.identity = old_identity  # a thief of the old key file: B holds the rotation, so it is refused
    try:
        await retired.heads()
        raise AssertionError("a retired key was served")
    except FederationError as exc:
        assert exc.peer_code == "not_member"


async def test_interrupted_rotation_is_finished_at_startup(tmp_path) -> None:
    d = tmp_path / "x"
    init_node(d, "Rotating", "127.0.0.1:0")
    cfg = config_mod.load(d)
    async with running_node(cfg, gossip=False) as rn:
        old = rn.node.identity
        # a crash before the record: the staged keys mean nothing
        stage_rotation(rn.node)
    async with running_node(cfg, gossip=False) as rn:
        assert rn.node.public_key == old.public_key
        # a crash after the record (and after the retired link: a retry must not trip on it)
        new, after = stage_rotation(rn.node)
        signed = await rn.node.publish("key.rotate", {"new": new.public_key, "next_hash": key_commitment(after.public_key)})
        retired = d / f"{keys.KEY_FILE}.retired-{old.public_key.hex()[:16]}"
        os.link(d / keys.KEY_FILE, retired)
    assert keys.load_key(d).public_key == old.public_key
    async with running_node(cfg, gossip=False) as rn:
        assert rn.node.public_key == new.public_key == keys.load_key(d).public_key
        assert not (d / (keys.KEY_FILE + ".new")).exists() and not (d / (keys.KEY_FILE + ".next.new")).exists()
        assert (d / (keys.KEY_FILE + ".next")).read_text().strip().endswith(after.seed.hex())
        assert retired.read_text().strip().endswith(old.seed.hex())
        old_head, new_head = await rn.node.logs.head(old.public_key), await rn.node.logs.head(new.public_key)
        assert old_head is not None and old_head.size == signed.seq
        assert new_head is not None and new_head.size == 1  # the new key's profile
    async with running_node(cfg, gossip=False) as rn:  # nothing left to finish
        assert rn.node.public_key == new.public_key
        old_head = await rn.node.logs.head(old.public_key)
        assert old_head is not None and old_head.size == signed.seq  # nothing more under the old key
        # the next rotation uses the key this one committed to
        r = await rotate_key(rn.node)
        assert r["new"] == after.public_key.hex() and "recovered" not in r


async def test_rotate_finishes_a_rotation_left_unfinished(tmp_path) -> None:
    d = tmp_path / "x"
    init_node(d, "Rotating", "127.0.0.1:0")
    async with running_node(config_mod.load(d), gossip=False) as rn:
        old = rn.node.identity
        new, after = stage_rotation(rn.node)
        await rn.node.publish("key.rotate", {"new": new.public_key, "next_hash": key_commitment(after.public_key)})
        r = await rotate_key(rn.node)  # the swap had failed: this finishes it rather than signing twice
        assert r["recovered"] is True and r["new"] == new.public_key.hex() and r["old"] == old.public_key.hex()
        assert rn.node.public_key == new.public_key
        head = await rn.node.logs.head(old.public_key)
        assert head is not None and head.size == 2  # profile, one rotation


async def test_rotation_right_after_admission_reaches_the_members_by_itself(make_node, tmp_path) -> None:
    """B is admitted, rotates before it ever pushed its log: A neither knows B's address nor the
    rotation, and refuses B's new key. B hands the rotation over, signed by its retired key."""
    net, (da,) = make_network(tmp_path, ["Commune A"])
    a = await make_node(data=da, federation=fed(net))
    init_node(tmp_path / "b", "Quartier B", "127.0.0.1:0")
    b = await make_node(data=tmp_path / "b", federation=fed(net))
    old = b.node.public_key
    status, r = await call_api(a, "POST", "/api/members/endorse", {"key": old.hex(), "unknown_key": True})
    assert status == 200 and r["status"] == "member", r
    status, r = await call_api(a, "POST", "/api/fund", {"name": "Fonds", "currency": "EUR"})
    assert status == 200, r
    fid = r["id"]
    status, r = await call_api(a, "POST", "/api/fund/contribute", {"fund": fid, "amount": 10_000})
    assert status == 200, r
    rc, out, err = await run_cli("key", "rotate", "--data", str(tmp_path / "b"), "--json")
    assert rc == 0, err
    new = bytes.fromhex(json.loads(out)["new"])
    # B learns A's address (the network file's founders list, a `peer add`); nobody re-adds B's
    await b.node.peers.upsert(a.peer_url, a.node.public_key, "A", b.node.clock())

    async def a_follows_b() -> bool:
        h = await a.node.logs.head(new)
        return h is not None and h.size >= 1 and new in (await view(a.node)).members

    await wait_for(a_follows_b, 20, "B's new key admitted at A")
    m = await view(a.node)
    assert m.current(old) == new and old not in m.members
    # the fund created before the rotation counts B under its new key
    rid, status, r = await _request_then_approve(a, b, fid)
    assert status == 200 and r["quorum"] == 2, r
    status, r = await call_api(a, "POST", "/api/fund/approve", {"request": rid})
    assert status == 200, r

    async def certified_at_a() -> bool:
        code, s = await call_api(a, "GET", "/api/fund", fund=fid)
        return code == 200 and bool(s["funds"][0]["grants"])

    await wait_for(certified_at_a, 20, "the grant certified at A with B's new-key approval")
    code, s = await call_api(a, "GET", "/api/fund", fund=fid)
    assert new.hex() in s["funds"][0]["members"] and old.hex() not in s["funds"][0]["members"]
    assert sorted(s["funds"][0]["grants"][0]["approvals"]) == sorted([a.node.public_key.hex(), new.hex()])


async def test_grant_certificate_counts_an_approval_signed_before_a_rotation(make_node) -> None:
    from protocol import fund as rules

    a, b = await make_node("Commune A", federation=fed()), await make_node("Quartier B", federation=fed())
    await link([a, b])
    await wait_for(lambda: converged([a, b]), 15, "profiles exchanged")
    status, r = await call_api(a, "POST", "/api/fund", {"name": "Fonds", "currency": "EUR"})
    assert status == 200, r
    fid = r["id"]
    assert (await call_api(a, "POST", "/api/fund/contribute", {"fund": fid, "amount": 10_000}))[0] == 200
    rid, status, r = await _request_then_approve(a, b, fid)
    assert status == 200, r
    old = b.node.public_key
    rc, out, err = await run_cli("key", "rotate", "--data", str(b.config.data_dir), "--json")
    assert rc == 0, err
    new = bytes.fromhex(json.loads(out)["new"])
    await wait_for(lambda: converged([a, b]), 15, "the rotation at A")
    status, r = await call_api(a, "POST", "/api/fund/approve", {"request": rid})
    assert status == 200 and r["certified"], r
    status, cert = await call_api(a, "GET", f"/api/fund/grants/{rid}/certificate")
    assert status == 200, cert
    assert new.hex() in cert["members"] and old.hex() not in cert["members"]
    items = [[bytes.fromhex(x) for x in item] for item in cert["records"]]
    rotations = [[bytes.fromhex(x) for x in item] for item in cert["rotations"]]
    assert [item[2] for item in rotations] == [old]
    members = [bytes.fromhex(k) for k in cert["members"]]
    assert rules.verify_grant(items[0], items[1:], members, rotations) == 5_000  # from signatures alone


async def _request_then_approve(a, b, fid: str) -> tuple[str, int, Any]:
    """A asks the fund for a grant; once B holds the request, B approves it: (request id, status, answer)."""
    status, r = await call_api(a, "POST", "/api/fund/request", {"fund": fid, "amount": 5_000, "purpose": "jumelage"})
    assert status == 200, r
    rid = r["id"]

    async def b_holds_request() -> bool:
        return await b.node.logs.record_by_id(bytes.fromhex(rid)) is not None

    await wait_for(b_holds_request, 20, "A's grant request at B")
    status, r = await call_api(b, "POST", "/api/fund/approve", {"request": rid})
    return rid, status, r
