"""Stores return records decoded once: readers get the body, the network and the exact bytes."""

from __future__ import annotations

from protocol.record import open_record
from tests.conftest import MakeNode, call_api


async def test_a_stored_record_comes_with_its_body_decoded(make_node: MakeNode) -> None:
    rn = await make_node()
    status, rec = await call_api(rn, "POST", "/api/publish", {"kind": "note", "body": {"text": "bonjour"}})
    assert status == 200, rec
    stored = await rn.node.logs.record_by_id(bytes.fromhex(rec["id"]))
    assert stored is not None and stored.undecodable is None
    assert stored.body == {"text": "bonjour"} and stored.net == rn.node.net_id and stored.kind == "note"
    # the exact signed bytes stay for those who send or prove them
    assert open_record(stored.raw, stored.sig, rn.node.public_key).record.body == stored.body
