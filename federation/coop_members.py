"""The member set the cooperation rules run against, and reading cooperation records as entries.

`current_members` is the one place that decides who the members are: the network's membership
(`federation.membership`) when the node belongs to a network file; in the open network, every
territory this node holds a profile from (a set every node that synced the same records agrees on).
"""

from __future__ import annotations

from collections.abc import Sequence

from federation.membership import view
from node.service import Node
from protocol import encoding
from protocol.coop import Entry, as_territories

ALL = 1_000_000_000


async def current_members(node: Node) -> frozenset[bytes]:
    membership = await view(node)
    if not membership.open:
        return membership.members
    profiles = await node.logs.records(None, ["territory.profile"], limit=ALL)
    return frozenset(membership.current(r.author) for r in profiles)


async def load_entries(node: Node, kinds: Sequence[str]) -> list[Entry]:
    """Every record of these kinds (globs) this node holds, seen as territories: after a key
    rotation the territory keeps its roles. Signatures were verified on ingest."""
    out = []
    for r in await node.logs.records(None, kinds, limit=ALL):
        m = encoding.decode(r.raw)
        out.append(Entry(r.id, r.author, r.seq, r.ts, r.kind, m["body"]))
    membership = await view(node)
    return as_territories(out, membership.current, membership.lineage_seq)


async def names(node: Node) -> dict[bytes, str]:
    """Territory names from their latest profile, for people reading tables."""
    out: dict[bytes, str] = {}
    for r in await node.logs.records(None, ["territory.profile"], limit=ALL):
        out[r.author] = str(encoding.decode(r.raw)["body"].get("name", ""))
    return out
