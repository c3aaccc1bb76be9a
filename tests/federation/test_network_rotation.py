"""Key rotation over real nodes: old records stay valid, the retired key's later records are refused."""

from __future__ import annotations

import json

from federation.membership import view
from federation.peering import client_for
from protocol.record import Record, sign_record
from tests.conftest import run_cli
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
    from protocol.membership import key_commitment

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
    old = a.node.public_key
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
    # and they now serve requests signed by A's new key
    heads = await client_for(a.node, a.session, b.peer_url).heads()
    assert any(h.author == new_key for h in heads)
