"""The simulated world: nodes on real SQLite files in a folder, their clocks, crashes and restarts.

Each node is a real `Node` (`Node.open(config, net_id, clock, genesis)`) with a small peer
application around it (the guard's and endpoints' shared state: replay window, budgets) and a
`Gossip` whose peer choice runs from the seed. A crash closes the node's database without any of
its shutdown work and throws its memory away (replay window, budgets, caches); a restart opens
the same files and runs what `democite run` runs at start.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from random import Random
from typing import cast

from aiohttp import ClientSession, web

from federation.coop import fund
from federation.network.keyrotation import finish_rotation
from federation.peer.gossip import Gossip
from federation.peer.server import add_peer_routes
from federation.peer.state import BUDGETS, NONCES, SESSION, TRAFFIC, Budgets, Traffic
from federation.sim.net import Crashed, Endpoint, SimNet
from node import config as config_mod
from node import files
from node.api.framework import NODE
from node.genesis import render_genesis
from node.profile import ensure_profile
from node.service import Node
from protocol.httpsig import NonceWindow
from protocol.identity import Identity
from protocol.network import Admission, Founder, Genesis

T0_MS = 1_790_000_000_000  # 2026-09-21: a fixed start, so a run never reads the wall clock
SEED_PREFIX = "ed25519-seed:"


class Role(StrEnum):
    HONEST = "honest"
    EQUIVOCATOR = "equivocator"  # signs two histories of its log and two fund approvals for one slot
    FLOODER = "flooder"  # sends bursts of requests and publishes bursts of records
    GARBAGE = "garbage"  # sends bytes that are not requests, bad signatures, forged records
    SILENT = "silent"  # honest, but cut off for days, then back


@dataclass(slots=True)
class SimNode:
    index: int
    name: str
    url: str
    data: Path
    role: Role
    skew_ms: int = 0
    node: Node | None = None
    gossip: Gossip | None = None
    keys: list[bytes] = field(default_factory=list)  # every key it signed with, oldest first
    published: dict[bytes, tuple[bytes, int]] = field(default_factory=dict)  # acknowledged: id -> (author, seq)
    crashes: int = 0
    ticks: int = 0  # clock reads: a crash point is "the k-th clock read from now"
    crash_at: int | None = None
    crashing: bool = False  # reached its crash point: the world crashes it after the step

    @property
    def up(self) -> bool:
        return self.node is not None

    @property
    def honest(self) -> bool:
        return self.role in (Role.HONEST, Role.SILENT)


class Template:
    """A migrated, empty database, made once per process and copied for each node: migrating
    twenty databases per seed would cost more than the run."""

    def __init__(self, folder: Path, path: Path | None = None) -> None:
        self.folder = folder
        self.path = path  # a template another process made

    async def database(self) -> Path:
        if self.path is None:
            d = self.folder / "template"
            _write_node(d, "Template", "127.0.0.1:9", "", Identity(bytes(32)))
            node = await Node.open(config_mod.load(d))
            self.path = node.database_path
            await node.close()
        return self.path


def _write_node(d: Path, name: str, listen: str, network: str, identity: Identity) -> None:
    """What `democite init` writes, with a key from the seed instead of the system's randomness."""
    files.private_dir(d)
    for fname, text in (
        (config_mod.CONFIG_FILE, config_mod.render_toml(name, listen, network)),
        ("node.key", SEED_PREFIX + identity.seed.hex() + "\n"),
        ("api.token", "sim-token\n"),
    ):
        path = d / fname
        files.private_file(path)
        path.write_text(text)


class World:
    def __init__(self, seed: int, size: int, folder: Path, net: SimNet, template: Template) -> None:
        self.seed = seed
        self.rng = net.rng
        self.folder = folder
        self.net = net
        self.template = template
        self.now_ms = T0_MS
        self.nodes: list[SimNode] = []
        self.genesis: Genesis | None = None
        self.size = size

    def clock_of(self, sn: SimNode) -> Callable[[], int]:
        def clock() -> int:
            sn.ticks += 1
            if sn.crash_at is not None and sn.ticks >= sn.crash_at:
                sn.crash_at, sn.crashing = None, True
                self.net.endpoints[sn.url].app = None  # nothing reaches it any more
                raise Crashed()
            return self.now_ms + sn.skew_ms

        return clock

    async def create(self, roles: list[Role]) -> None:
        founders = []
        for i, role in enumerate(roles):
            ident = Identity(self.rng.randbytes(32))
            name = f"Territoire {i:02d}"
            url = f"http://127.0.0.1:{20000 + i}"
            sn = SimNode(i, name, url, self.folder / f"n{i:02d}", role, keys=[ident.public_key])
            _write_node(sn.data, name, f"127.0.0.1:{20000 + i}", str(self.folder / "network.toml"), ident)
            self.nodes.append(sn)
            founders.append(Founder(ident.public_key, name, url))
            self.net.endpoints[url] = Endpoint(url, f"127.0.{i // 200}.{i % 200 + 1}")
        self.genesis = Genesis("SIM", Admission.MAJORITY, tuple(founders))
        (self.folder / "network.toml").write_text(render_genesis(self.genesis))
        db = await self.template.database()
        for sn in self.nodes:
            shutil.copyfile(db, sn.data / db.name)
        for sn in self.nodes:
            await self.start(sn)

    async def start(self, sn: SimNode) -> None:
        """Open the node from its files and run what a node runs at start."""
        assert self.genesis is not None
        node = await Node.open(config_mod.load(sn.data), self.genesis.id, self.clock_of(sn), self.genesis)
        sn.node = node
        await finish_rotation(node)  # a crash between a key.rotate record and the key swap
        if node.public_key not in sn.keys:
            sn.keys.append(node.public_key)
        await ensure_profile(node)
        await fund.resume(node)  # approvals decided before a crash, signed now
        app = web.Application()
        app[NODE] = node
        app[NONCES] = NonceWindow(window_ms=node.config.federation.request_skew_s * 1000)
        app[BUDGETS] = Budgets()
        app[TRAFFIC] = Traffic()
        # the gossip hands the session to PeerClient, which takes a Transport in its place
        app[SESSION] = cast(ClientSession, self.net.transport(sn.url))
        add_peer_routes(app)
        app.router.freeze()
        sn.gossip = Gossip(app, self.genesis, _rng=Random(self.rng.getrandbits(64)))
        for f in self.genesis.founders:
            if f.key != node.public_key and f.url != sn.url and await node.peers.get(f.url) is None:
                await node.peers.upsert(f.url, f.key, f.name, node.clock())
        self.net.endpoints[sn.url].app = app

    async def swap(self, sn: SimNode) -> None:
        """The second half of a key rotation, in the running node."""
        assert sn.node is not None
        await finish_rotation(sn.node)
        await ensure_profile(sn.node)
        if sn.node.public_key not in sn.keys:
            sn.keys.append(sn.node.public_key)

    async def crash(self, sn: SimNode) -> None:
        """kill -9: no shutdown work, memory gone; what the database committed stays."""
        if sn.node is None:
            return
        self.net.endpoints[sn.url].app = None
        node, sn.node, sn.gossip = sn.node, None, None
        sn.crashes += 1
        sn.crash_at, sn.crashing = None, False
        await node.close()

    async def stop_all(self) -> None:
        for sn in self.nodes:
            await self.crash(sn)

    async def gossip_round(self, sn: SimNode) -> None:
        """One gossip round of the real code, its exchanges one after the other (never at once)."""
        g, node = sn.gossip, sn.node
        assert g is not None and node is not None
        await g.learn_peers()
        for peer in g.choose(await node.peers.all(), node.config.federation.fanout):
            await g.exchange_with(peer)

    def honest(self) -> list[SimNode]:
        return [sn for sn in self.nodes if sn.honest]
