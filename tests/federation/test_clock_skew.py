"""Clock skew between territories, measured for real: every peer answer carries its node's clock
(`X-Democite-Time`), the caller keeps the difference per peer, `/api/peers` shows it and
`democite doctor` warns before peers start refusing requests (and fails once they do)."""

from __future__ import annotations

from contextlib import AsyncExitStack

from federation.runtime import running_node
from node import config as config_mod
from node.bootstrap import init_node
from node.service import wall_clock_ms
from tests.conftest import call_api, run_cli


async def _skewed_peer(stack: AsyncExitStack, tmp_path, name: str, offset_ms: int):
    init_node(tmp_path / name, name, "127.0.0.1:0")
    return await stack.enter_async_context(
        running_node(config_mod.load(tmp_path / name), clock=lambda: wall_clock_ms() + offset_ms, gossip=False)
    )


async def test_a_peer_clock_ahead_is_measured_and_doctor_says_so(make_node, tmp_path) -> None:
    a = await make_node("A")
    async with AsyncExitStack() as stack:
        ahead = await _skewed_peer(stack, tmp_path, "ahead", 40_000)  # within the 60 s peers accept
        await a.node.peers.upsert(ahead.peer_url, ahead.node.public_key, "Ahead", a.node.clock())
        status, _ = await call_api(a, "POST", "/api/sync", {})
        assert status == 200
        status, peers = await call_api(a, "GET", "/api/peers")
        skew = next(p["clock_skew_ms"] for p in peers["peers"] if p["url"] == ahead.peer_url)
        assert 38_000 <= skew <= 42_000, skew
        rc, out, _ = await run_cli("doctor", "--data", str(a.config.data_dir))
        line = next(ln for ln in out.splitlines() if ln.split()[1:2] == ["clock"])
        assert line.startswith("WARN") and any(f"+{s}." in line for s in (39, 40, 41)), line


async def test_a_peer_clock_beyond_the_limit_fails_doctor(make_node, tmp_path) -> None:
    a = await make_node("A")
    async with AsyncExitStack() as stack:
        far = await _skewed_peer(stack, tmp_path, "far", 90_000)  # our requests look stale to it
        await a.node.peers.upsert(far.peer_url, far.node.public_key, "Far", a.node.clock())
        await call_api(a, "POST", "/api/sync", {})
        rc, out, _ = await run_cli("doctor", "--data", str(a.config.data_dir))
        assert rc == 1
        line = next(ln for ln in out.splitlines() if ln.split()[1:2] == ["clock"])
        assert line.startswith("FAIL") and "beyond the 60 s" in line, line
