"""Bugs the simulation found in the real code, each with a direct test and the seed that showed it
(replayed by the command, with its fixed hash seed, exactly as a person would replay it)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from federation.peer.peering import BACKOFF_MAX_MS
from tests.federation.netutil import fed

ROOT = Path(__file__).resolve().parents[2]


def _replay(seed: int, nodes: int, steps: int, faults: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONHASHSEED"}
    r = subprocess.run([sys.executable, "-m", "federation.sim", "--seed", str(seed), "--nodes", str(nodes), "--steps",
                        str(steps), "--faults", faults], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


async def test_a_node_whose_peers_are_all_backed_off_still_calls_those_due_soonest(make_node) -> None:
    """Seed 59 (5 nodes, 60 steps, all faults): a node cut off long enough had every peer in
    back-off; back on the network it called no one for up to ten minutes, and fork proofs (which
    travel by pull only) reached it 20 rounds after the heal."""
    rn = await make_node("A", federation=fed())
    node = rn.node
    now = node.clock()
    for i, delay in enumerate((300_000, 120_000, 500_000)):
        url = f"http://127.0.0.1:{9001 + i}"
        await node.peers.upsert(url, bytes([i + 1]) * 32, f"P{i}", now)
        await node.peers.record_failure(url, "down", now + delay, 1)
    chosen = rn.gossip.choose(await node.peers.all(), 2)
    assert [p.url for p in chosen] == ["http://127.0.0.1:9002", "http://127.0.0.1:9001"]  # the fanout due soonest


async def test_a_back_off_set_by_a_clock_running_ahead_is_not_waited_out(make_node) -> None:
    """A back-off longer than any the code sets was set by a clock that has since gone back."""
    rn = await make_node("A", federation=fed())
    node = rn.node
    now = node.clock()
    await node.peers.upsert("http://127.0.0.1:9001", bytes([1]) * 32, "P", now)
    await node.peers.upsert("http://127.0.0.1:9002", bytes([2]) * 32, "Q", now)
    await node.peers.record_failure("http://127.0.0.1:9001", "down", now + 3 * BACKOFF_MAX_MS, 1)
    await node.peers.record_failure("http://127.0.0.1:9002", "down", now + BACKOFF_MAX_MS // 2, 1)
    chosen = rn.gossip.choose(await node.peers.all(), 3)
    assert [p.url for p in chosen] == ["http://127.0.0.1:9001"]


def test_seed_59_converges_soon_after_the_heal() -> None:
    out = _replay(59, 5, 60, "all")
    m = re.search(r"converged (\d+) rounds after the last heal", out)
    assert m is not None and int(m.group(1)) <= 8, out
