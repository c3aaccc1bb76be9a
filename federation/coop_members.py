"""The member set the cooperation rules run against, and reading cooperation records as entries.

`current_members` is the one place that decides who the members are: for now every territory this
node holds a profile from (the open network); it is rewired to the network's membership at merge.
"""

from __future__ import annotations

from collections.abc import Sequence

from node.errors import Invalid
from node.service import Node
from protocol import encoding
from protocol.coop import Entry

ALL = 1_000_000_000


async def current_members(node: Node) -> frozenset[bytes]:
    profiles = await node.logs.records(None, ["territory.profile"], limit=ALL)
    return frozenset(r.author for r in profiles)


async def load_entries(node: Node, kinds: Sequence[str]) -> list[Entry]:
    """Every record of these kinds (globs) this node holds; signatures were verified on ingest."""
    out = []
    for r in await node.logs.records(None, kinds, limit=ALL):
        m = encoding.decode(r.raw)
        out.append(Entry(r.id, r.author, r.seq, r.ts, r.kind, m["body"]))
    return out


async def names(node: Node) -> dict[bytes, str]:
    """Territory names from their latest profile, for people reading tables."""
    out: dict[bytes, str] = {}
    for r in await node.logs.records(None, ["territory.profile"], limit=ALL):
        out[r.author] = str(encoding.decode(r.raw)["body"].get("name", ""))
    return out


def parse_id(text: str, what: str = "record") -> bytes:
    try:
        raw = bytes.fromhex(text.strip())
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise Invalid(f"'{text[:80]}' is not a {what} id: give the 64 hexadecimal characters printed when it was created")
    return raw


def parse_key(text: str) -> bytes:
    try:
        raw = bytes.fromhex(text.strip())
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise Invalid(f"'{text[:80]}' is not a territory key: give its 64-hex public key (see `democite status`)")
    return raw
