"""The territory's public profile (`territory.profile`): its name, addresses and description, as
the config gives them, published at start and after a key rotation when they changed."""

from __future__ import annotations

from node.service import Node


async def ensure_profile(node: Node) -> None:
    """Publish the territory's profile when the log has none or the name or address changed."""
    want = {"name": node.config.node.name, "addresses": [node.config.public_url]}
    if node.config.node.description:
        want["description"] = node.config.node.description
    latest = await node.logs.records(node.public_key, ["territory.profile"], limit=1_000_000)
    if latest and latest[-1].body == want:
        return
    await node.publish("territory.profile", want)
