"""Membership as seen by one node, for the areas between nodes.

The fold and its cache belong to the node (`Node.membership()`); other areas call `members(node)`
(the current member keys) or `view(node)` (the whole picture: candidates, endorsements, retired
keys). In the open network everyone is admitted.
"""

from __future__ import annotations

from node.service import Node
from protocol.membership import Membership


async def view(node: Node) -> Membership:
    """The current membership (the node's cached fold of every vote and rotation it holds)."""
    return await node.membership()


async def members(node: Node) -> frozenset[bytes]:
    """The public keys of the current members. In the open network: every author this node knows."""
    m = await node.membership()
    if m.open:
        return frozenset(h.key for h in await node.logs.heads() if m.accepts_record(h.key, h.size))
    return m.members
