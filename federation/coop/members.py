"""The member set the cooperation rules run against, and reading cooperation records as entries.

`current_members` is the one place that decides who the members are: the network's membership
(`federation.network.membership`) when the node belongs to a network file; in the open network, every
territory this node holds a profile from (a set every node that synced the same records agrees on).
"""

from __future__ import annotations

from collections.abc import Sequence

from federation.network.membership import view
from node.genesis import genesis_for
from node.ids import resolve_territory
from node.service import Node
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
        out.append(Entry(r.id, r.author, r.seq, r.ts, r.kind, r.body))
    membership = await view(node)
    return as_territories(out, membership.current, membership.lineage_seq)


async def names(node: Node) -> dict[bytes, str]:
    """Territory names from their latest profile, for people reading tables."""
    out: dict[bytes, str] = {}
    for r in await node.logs.records(None, ["territory.profile"], limit=ALL):
        out[r.author] = str(r.body.get("name", ""))
    return out


async def known_territories(node: Node) -> dict[bytes, str]:
    """Every territory this node knows, by its current key, with its name when one is known: the
    network file's founders, the keys membership votes name, the peers added, the profiles held,
    and the candidates that called it with a valid request signature."""
    membership = await view(node)
    out: dict[bytes, str] = {f.key: f.name for f in genesis_for(node.config).founders}
    for k in membership.status:
        out.setdefault(k, "")
    for p in await node.peers.all():
        if p.key:
            out[p.key] = p.name or out.get(p.key, "")
    for k in node.callers():
        out.setdefault(k, "")
    for author, name in (await names(node)).items():
        key = membership.current(author)
        if author == key or not out.get(key):  # a territory's name is its current key's profile's
            out[key] = name
    return {membership.current(k): n for k, n in out.items()}


async def resolve(node: Node, text: str, unknown_key: bool = False, what: str = "territory") -> bytes:
    """A territory named in a request (name, key or key prefix) to its current key; see
    `node.ids.resolve_territory`. A retired key names its territory's current key."""
    membership = await view(node)
    t = text.strip().lower()
    if len(t) == 64 and all(c in "0123456789abcdef" for c in t) and bytes.fromhex(t) in membership.retired:
        return membership.current(bytes.fromhex(t))
    return resolve_territory(text, await known_territories(node), unknown_key, what)
