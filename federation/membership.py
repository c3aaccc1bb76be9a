"""Membership as seen by one node: the pure fold of `protocol.membership` over the votes it holds.

Other areas call `members(node)` (the current member keys) or `view(node)` (the whole picture:
candidates, endorsements, retired keys). In the open network everyone is admitted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from federation.network import genesis_for
from node.service import Node
from node.storage.network import VOTE_KINDS, NetworkStore
from protocol import encoding
from protocol.membership import Membership, Rotation, Vote, fold
from protocol.network import Genesis


async def view(node: Node, genesis: Genesis | None = None) -> Membership:
    """Fold every vote and rotation this node holds into the current membership."""
    genesis = genesis or genesis_for(node.config)
    votes: list[Vote] = []
    rotations: list[Rotation] = []
    for rec in await node.logs.records(None, list(VOTE_KINDS), limit=1_000_000):
        body = encoding.decode(rec.raw)["body"]
        if rec.kind == "member.endorse":
            votes.append(Vote(rec.author, body["candidate"], rec.seq, True))
        elif rec.kind == "member.remove":
            votes.append(Vote(rec.author, body["member"], rec.seq, False))
        else:
            rotations.append(Rotation(rec.author, body["new"], rec.seq, body.get("next_hash")))
    return fold(genesis, votes, rotations)


async def members(node: Node) -> frozenset[bytes]:
    """The public keys of the current members. In the open network: every author this node knows."""
    m = await view(node)
    if m.open:
        return frozenset(h.key for h in await node.logs.heads() if m.accepts_record(h.key, h.size))
    return m.members


@dataclass(slots=True)
class MembershipCache:
    """The last fold, reused until a vote or rotation is stored (checked by one indexed count)."""

    genesis: Genesis
    version: int = -1
    current: Membership | None = field(default=None)

    async def get(self, node: Node) -> Membership:
        version = await NetworkStore(node.db).vote_version()
        if self.current is None or version != self.version:
            self.current = await view(node, self.genesis)
            self.version = version
        return self.current


MEMBERSHIP = web.AppKey("membership", MembershipCache)
