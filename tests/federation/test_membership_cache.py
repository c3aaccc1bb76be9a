"""The membership fold belongs to the node: reused until the node stores a vote or a rotation,
whether it published it or received it from a peer."""

from __future__ import annotations

from federation.peer.peering import client_for
from federation.peer.sync import sync_with
from protocol.identity import Identity
from tests.conftest import call_api
from tests.federation.netutil import fed, make_network


async def test_membership_is_folded_again_only_after_a_vote_is_stored(make_node, tmp_path) -> None:
    net, (da, db) = make_network(tmp_path, ["Commune A", "Commune B"])
    a = await make_node(data=da, federation=fed(net))
    b = await make_node(data=db, federation=fed(net))
    first = await a.node.membership()
    await a.node.publish("note", {"text": "rien de neuf"})
    assert await a.node.membership() is first  # a note moves nothing: the cached fold is reused

    candidate = Identity(bytes([42]) * 32).public_key
    status, r = await call_api(a, "POST", "/api/members/endorse", {"key": candidate.hex(), "unknown_key": True})
    assert status == 200, r
    after = await a.node.membership()
    assert after is not first and candidate in after.candidates  # our own vote, stored by publish

    seen_by_b = await b.node.membership()
    assert candidate not in seen_by_b.candidates
    await sync_with(b.node, client_for(b.node, b.session, a.peer_url))
    assert candidate in (await b.node.membership()).candidates  # a vote received from a peer
