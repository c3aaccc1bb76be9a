"""Helpers for network tests: networks of real nodes on loopback with fast gossip."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from federation.runtime import RunningNode
from node import keys
from node.bootstrap import init_node
from node.genesis import render_genesis
from protocol.network import Admission, Founder, Genesis

FAST = {"gossip_interval_s": 0.1, "fanout": 3}


async def wait_for(cond: Callable[[], Awaitable[bool]], timeout: float = 15.0, what: str = "condition") -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if await cond():
            return time.monotonic() - start
        await asyncio.sleep(0.05)
    raise AssertionError(f"{what} not reached in {timeout} s")


async def records_held(rn: RunningNode) -> int:
    return await rn.node.logs.count_records()


async def converged(nodes: Sequence[RunningNode]) -> bool:
    heads = []
    for rn in nodes:
        heads.append({(h.key, h.size, h.root) for h in await rn.node.logs.heads() if h.size})
    return all(h == heads[0] for h in heads)


def make_network(tmp_path: Path, names: Sequence[str], admission: Admission = Admission.MAJORITY) -> tuple[Path, list[Path]]:
    """Create node folders and a network file naming them all as founders."""
    dirs, founders = [], []
    for i, name in enumerate(names):
        d = tmp_path / f"founder-{i + 1}"
        init_node(d, name, "127.0.0.1:0")
        founders.append(Founder(keys.load_key(d).public_key, name, ""))
        dirs.append(d)
    path = tmp_path / "network.toml"
    path.write_text(render_genesis(Genesis("TEST", admission, tuple(founders))))
    return path, dirs


async def link(nodes: Sequence[RunningNode], ring: bool = True) -> None:
    """Each node knows the next one only: the rest is learnt through profiles and gossip."""
    for i, rn in enumerate(nodes):
        other = nodes[(i + 1) % len(nodes)]
        if other is not rn:
            await rn.node.peers.upsert(other.peer_url, other.node.public_key, other.config.node.name, rn.node.clock())


def fed(network: Path | None = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = dict(FAST)
    if network is not None:
        out["network"] = str(network)
    out.update(extra)
    return out
