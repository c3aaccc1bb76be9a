"""Key rotation over real nodes: old records stay valid, the retired key's later records are refused."""

from __future__ import annotations

import json

from federation.peering import client_for
from protocol.record import Record, sign_record
from tests.conftest import run_cli
from tests.federation.netutil import converged, fed, link, wait_for


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
    from federation.membership import view

    m = await view(y.node)
    assert m.current(old.public_key) == bytes.fromhex(second["new"])
