"""Admin routes of the network: membership votes, the member list and the coordinator's view."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from federation.coop.members import known_territories, names, resolve
from federation.peer.gossip import GOSSIP
from node.accounts.permissions import Action as A
from node.api.framework import Route, node_of, principal_of
from node.errors import Conflict, Invalid
from node.service import Node
from protocol.actor import Actor, acted
from protocol.membership import Membership
from protocol.schema import Field


@dataclass(frozen=True, slots=True)
class _Vote:
    """What differs between an endorsement and a removal: the record, its fields, the tally."""

    kind: str
    role: str  # the body field naming the territory voted on, and its status before the vote counts
    text_field: str
    count: str  # the answer's name for the tally
    tally: Callable[[Membership], Mapping[bytes, frozenset[bytes]]]


ENDORSE = _Vote("member.endorse", "candidate", "note", "endorsements", lambda m: m.endorsements)
REMOVE = _Vote("member.remove", "member", "reason", "removals", lambda m: m.removals)


async def _membership(request: web.Request) -> Membership:
    return await node_of(request).membership()


async def endorse(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    """Endorse a candidate named by key, key prefix or name; endorsing again publishes nothing."""
    node = node_of(request)
    key = await resolve(node, body["key"], bool(body.get("unknown_key")), "territory")
    m = await _membership(request)
    if m.open:
        raise Conflict("this node is on the open network, where everyone is admitted: join a network with `democite init --network FILE`")
    if key == node.public_key:
        raise Invalid("a territory cannot endorse itself")
    if m.current(node.public_key) not in m.members:
        raise Conflict("only members can endorse: this node is not a member yet")
    return await _vote(node, key, ENDORSE, body.get("note"), principal_of(request).act())


async def remove(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    """Ask for a member's removal (named by key, key prefix or name); asking again publishes nothing."""
    node = node_of(request)
    m = await _membership(request)
    if m.open or m.current(node.public_key) not in m.members:
        raise Conflict("only members of a network can ask for a removal")
    key = await resolve(node, body["key"], False, "member")
    if key not in m.members:
        raise Invalid("this key is not a member: nothing to remove")
    return await _vote(node, key, REMOVE, body.get("reason"), principal_of(request).act())


async def _vote(node: Node, key: bytes, vote: _Vote, text: str | None, actor: Actor) -> dict[str, Any]:
    """Publish this node's vote about `key` once: voting again publishes nothing and says so."""
    before = await node.membership()
    already = before.current(node.public_key) in vote.tally(before).get(key, frozenset())
    signed = None
    if not already:
        fields: dict[str, Any] = {vote.role: key}
        if text:
            fields[vote.text_field] = text
        signed = await node.publish(vote.kind, acted(fields, actor))
    after = await node.membership()
    return {"id": signed.id.hex() if signed else None, "seq": signed.seq if signed else None, "already": already,
            vote.role: key.hex(), "name": (await known_territories(node)).get(key, ""), "status": str(after.status.get(key, vote.role)),
            vote.count: len(vote.tally(after).get(key, frozenset())), "needed": after.needed()}


async def member_list(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    node = node_of(request)
    m = await _membership(request)
    named = await names(node)
    frozen = {h.key for h in await node.logs.heads() if h.frozen}
    keys = set(m.status) | (set(named) if m.open else set())
    rows = []
    for k in sorted(keys, key=lambda k: (named.get(k, "~"), k)):
        rows.append({
            "key": k.hex(),
            "name": named.get(k, ""),
            "status": str(m.status.get(k, "member")),
            "founder": k in m.founders,
            "endorsed_by": sorted(e.hex() for e in m.endorsements.get(k, frozenset())),
            "removal_asked_by": sorted(e.hex() for e in m.removals.get(k, frozenset())),
            "frozen": k in frozen,
            "me": k == node.public_key,
        })
    return {"open": m.open, "needed": m.needed(), "members": rows,
            "retired": [{"old": o.hex(), "new": r.new.hex(), "seq": r.seq} for o, r in m.retired.items()]}


async def network_status(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    node = node_of(request)
    listing = await member_list(request, body)
    heads = {h.key: h for h in await node.logs.heads()}
    peers_by_key = {p.key: p for p in await node.peers.all() if p.key}
    counts = await node.witness_counts()
    gossip = request.config_dict.get(GOSSIP)
    advertised = gossip.advertised if gossip is not None else {}
    rows = []
    for row in listing["members"]:
        k = bytes.fromhex(row["key"])
        h = heads.get(k)
        cp = await node.logs.latest_checkpoint(k)
        peer = peers_by_key.get(k)
        size = h.size if h else 0
        rows.append({
            **{x: row[x] for x in ("key", "name", "status", "frozen", "me")},
            "log_size": size,
            "checkpoint": {"size": cp.size, "ts": cp.ts, "witnesses": counts.get(cp.id, 0)} if cp else None,
            "last_seen": peer.last_seen if peer else None,
            "score": peer.score if peer else None,
            "lacking": max(0, advertised.get(k, 0) - size),
        })
    genesis = node.network_genesis()
    return {
        "network": {"name": genesis.name, "id": node.net_id.hex(), "admission": str(genesis.admission)},
        "members": rows,
        "lacking": sum(r["lacking"] for r in rows),
        "forks": len(await node.logs.forks()),
        "gossip_rounds": gossip.rounds if gossip is not None else 0,
    }


async def rotate(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    from federation.network.keyrotation import rotate_key

    return await rotate_key(node_of(request), principal_of(request).act())


ROUTES = [
    Route("POST", "/api/keys/rotate", rotate, "Rotate this node's key: the old key signs key.rotate naming a new one",
          tag="network", action=A.NETWORK_ADMIN),
    Route("POST", "/api/members/endorse", endorse,
          "Endorse a candidate territory (publishes member.endorse once): key, key prefix (8+ hex) or name; "
          "a key this node never heard of needs unknown_key",
          body=(Field("key", str, max_len=200), Field("note", str, required=False, max_len=500),
                Field("unknown_key", bool, required=False)), tag="network", action=A.NETWORK_ADMIN),
    Route("POST", "/api/members/remove", remove,
          "Ask for a member's removal (publishes member.remove once): key, key prefix (8+ hex) or name",
          body=(Field("key", str, max_len=200), Field("reason", str, required=False, max_len=500)), tag="network", action=A.NETWORK_ADMIN),
    Route("GET", "/api/members", member_list, "Members, candidates, endorsements, frozen authors", tag="network", action=A.NETWORK_READ),
    Route("GET", "/api/network", network_status, "The coordinator's view of every member", tag="network", action=A.NETWORK_READ),
]
