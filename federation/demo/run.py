"""`democite demo`: a network of territories on loopback, in one process, for a few seconds.

Each territory gets its own data folder, key and database under a temp folder the demo names,
and all are founders of one network file. They publish and gossip by themselves (push-pull
reconciliation, peers learnt from profiles); an equivocating clone of one territory's key joins
with another history and is caught. Everything is stopped before the command returns.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

from federation.demo.coop import cooperation_round
from federation.demo.data import seed_territory
from federation.network.membership import members
from federation.runtime import RunningNode, running_node
from node import config as config_mod
from node import keys
from node.bootstrap import init_node
from node.commands.util import table
from node.genesis import render_genesis
from protocol.network import Admission, Founder, Genesis

TERRITORIES = [
    ("Commune de Loos-en-Gohelle", "Transition énergétique et chantiers participatifs"),
    ("Quartier de la Villeneuve", "Régie de quartier et jardins partagés"),
    ("Mouans-Sartoux", "Alimentation locale et cantines bio"),
    ("Ungersheim", "Village en transition, monnaie locale"),
    ("Kingersheim", "Maison de la citoyenneté"),
    ("Trièves", "Intercommunalité rurale et mobilités"),
    ("Grande-Synthe", "Ville résiliente, minima social garanti"),
    ("Saillans", "Gouvernance collégiale participative"),
]
NOTES = [
    "Atelier de concertation annuel ouvert à tous",
    "Nouveau chantier participatif au jardin partagé",
    "Bilan trimestriel des Activités Sociétales publié",
    "Appel à projets d'intérêt général",
    "Rencontre inter-territoires du réseau TOGETHER",
    "Pacte 21 : réunion de la task force mobilité",
    "Jumelage proposé avec un territoire du réseau",
]
GOSSIP_INTERVAL_S = 0.5


def say(msg: str) -> None:
    print(msg, flush=True)


def _config_text(name: str, network: Path) -> str:
    return config_mod.render_toml(name, "127.0.0.1:0", str(network)) + f"gossip_interval_s = {GOSSIP_INTERVAL_S}\n"


async def _heads(rn: RunningNode) -> set[tuple[bytes, int]]:
    # a frozen log stops where each node froze it, so it is left out of the comparison
    return {(h.key, h.size) for h in await rn.node.logs.heads() if h.size and not h.frozen}


async def run_demo(n: int, seconds: int, keep: bool = False, seed: int | None = None) -> dict[str, object]:
    rng = random.Random(seed)
    root = Path(tempfile.mkdtemp(prefix="democite-demo-"))
    say(f"Démocité demo: {n} territories on loopback for {seconds} s; data in {root}")
    started = time.monotonic()
    dirs, network = _found_network(root, n)
    async with AsyncExitStack() as stack:
        nodes = await _start_territories(stack, dirs, network)
        evil = await _start_clone(stack, root / "node-1-clone", dirs[0], nodes[0], network)
        await _seed_territories(nodes, rng)
        story = _Story(rng, nodes, evil, started, seconds)
        await story.run()
        fork_counts = await _report(nodes, story)
        say("stopping the nodes...")
    _clean_up(root, keep)
    sys.stdout.flush()
    return {"published": story.published, "forks": max(fork_counts) if fork_counts else 0,
            "converged_after": story.converged_after}


# -- setting the stage -----------------------------------------------------------------------------


def _found_network(root: Path, n: int) -> tuple[list[Path], Path]:
    """A data folder and key per territory, all founders of one network file."""
    dirs, founders = [], []
    for i in range(n):
        name, _desc = TERRITORIES[i % len(TERRITORIES)]
        if i >= len(TERRITORIES):
            name = f"{name} {i // len(TERRITORIES) + 1}"
        d = root / f"node-{i + 1}"
        init_node(d, name, "127.0.0.1:0")
        founders.append(Founder(keys.load_key(d).public_key, name, ""))
        dirs.append(d)
    genesis = Genesis("TOGETHER (demo)", Admission.MAJORITY, tuple(founders), "A demo network on loopback")
    network = root / "together-demo.toml"
    network.write_text(render_genesis(genesis))
    say(f"  network file {network}: {n} founders, network id {genesis.id.hex()[:16]}")
    return dirs, network


async def _start_territories(stack: AsyncExitStack, dirs: list[Path], network: Path) -> list[RunningNode]:
    nodes: list[RunningNode] = []
    for d in dirs:
        (d / "node.toml").write_text(_config_text(config_mod.load(d).node.name, network))
        rn = await stack.enter_async_context(running_node(config_mod.load(d)))
        nodes.append(rn)
        say(f"  started {rn.config.node.name:<30} {rn.node.public_key.hex()[:16]}  {rn.peer_url}")
    # each territory knows one neighbour; the others are learnt from the profiles it gossips
    for i, rn in enumerate(nodes):
        other = nodes[(i + 1) % len(nodes)]
        await rn.node.peers.upsert(other.peer_url, other.node.public_key, other.config.node.name, rn.node.clock())
    return nodes


async def _start_clone(stack: AsyncExitStack, evil_dir: Path, victim_dir: Path, victim: RunningNode,
                       network: Path) -> RunningNode:
    """The equivocating territory: a copy of the victim's key with its own, different history."""
    evil_dir.mkdir()
    shutil.copy(victim_dir / "node.key", evil_dir / "node.key")
    shutil.copy(victim_dir / "api.token", evil_dir / "api.token")
    (evil_dir / "node.toml").write_text(_config_text(victim.config.node.name, network))
    evil = await stack.enter_async_context(running_node(config_mod.load(evil_dir)))
    await evil.node.publish("note", {"text": "Une autre histoire, montrée à un seul voisin"})
    say(f"  started an equivocating clone of {victim.config.node.name}'s key at {evil.peer_url}")
    return evil


async def _seed_territories(nodes: list[RunningNode], rng: random.Random) -> None:
    say("  each territory records a quarter of Societal Activity and a Pacte 21:")
    for rn in nodes:
        seeded = await seed_territory(rn.node, rng)
        body = seeded["summary"]["body"]
        say(f"    {rn.config.node.name}: {seeded['minutes'] // 60} h given, statements issued, "
            f"das.summary {body['period']} published (cells under k={body['k']} suppressed), a pact with a commitment")
        rn.gossip.notify_published()


# -- the story: publications, the clone caught, cooperation, convergence -----------------------------


@dataclass
class _Story:
    """The running network and what the report tells of it, moved on one tick at a time."""

    rng: random.Random
    nodes: list[RunningNode]
    evil: RunningNode
    started: float
    seconds: int
    published: int = 0
    caught_at: float | None = None
    converged_after: float | None = None
    last_publish: float = field(init=False)
    clone_added: bool = False
    coop_done: bool = False

    def __post_init__(self) -> None:
        self.last_publish = self.started

    @property
    def publish_until(self) -> float:
        return self.started + self.seconds * 0.6

    def at(self) -> str:
        return f"[{time.monotonic() - self.started:5.1f}s]"

    async def run(self) -> None:
        deadline = self.started + self.seconds
        clone_joins = self.started + min(3.0, self.seconds * 0.2)
        tick = 0
        while time.monotonic() < deadline:
            tick += 1
            now = time.monotonic()
            if now < self.publish_until:
                await self._publish_some()
            if not self.clone_added and now >= clone_joins:
                await self._clone_shows_itself()
            if not self.coop_done and now >= self.publish_until and self.caught_at is not None:
                # after the fork is known everywhere, so the cloned territory is not asked to sign
                self.coop_done = True
                say(f"{self.at()} cooperation between territories: a peer review round, a twinning project, a fund grant")
                await cooperation_round(self.nodes)
            await self._watch(tick, now >= self.publish_until)
            await asyncio.sleep(min(0.5, max(0.0, deadline - time.monotonic())))

    async def _publish_some(self) -> None:
        for rn in self.nodes:
            own = await rn.node.logs.head(rn.node.public_key)
            if own is not None and own.frozen:
                continue  # its key was cloned: the network froze it, so it stops publishing
            if self.rng.random() < 0.4:
                await rn.node.publish("note", {"text": self.rng.choice(NOTES)})
                rn.gossip.notify_published()
                self.published += 1
                self.last_publish = time.monotonic()

    async def _clone_shows_itself(self) -> None:
        nodes = self.nodes
        victim = self.rng.choice(nodes[1:]) if len(nodes) > 1 else nodes[0]
        await victim.node.peers.upsert(self.evil.peer_url, self.evil.node.public_key, "clone", victim.node.clock())
        say(f"{self.at()} the clone shows its other history to {victim.config.node.name}")
        self.clone_added = True

    async def _watch(self, tick: int, done_publishing: bool) -> None:
        """Note when the fork is known everywhere and when the territories converge; a progress line now and then."""
        forks = [len(await rn.node.logs.forks()) for rn in self.nodes]
        if self.caught_at is None and all(forks):
            self.caught_at = time.monotonic() - self.started
            say(f"{self.at()} fork proven: every territory froze {self.nodes[0].config.node.name}'s key")
        heads = [await _heads(rn) for rn in self.nodes]
        same = all(h == heads[0] for h in heads)
        if same and done_publishing and self.converged_after is None:
            self.converged_after = time.monotonic() - self.last_publish
            say(f"{self.at()} converged: every territory holds the same {sum(s for _, s in heads[0])} records of "
                f"unfrozen logs ({self.converged_after:.1f} s after the last publication)")
        if tick % 4 == 0 or (same and self.converged_after is not None and tick % 8 == 0):
            self._progress(forks, heads)

    def _progress(self, forks: list[int], heads: list[set[tuple[bytes, int]]]) -> None:
        held = [sum(s for _, s in h) for h in heads]
        say(f"{self.at()} published {self.published}, records held min {min(held)} max {max(held)}, "
            f"territories knowing the fork {sum(1 for f in forks if f)}/{len(self.nodes)}")


# -- the report --------------------------------------------------------------------------------------


async def _report(nodes: list[RunningNode], story: _Story) -> list[int]:
    """The table of territories and the closing figures; returns the forks each territory detected."""
    rows: list[list[object]] = []
    fork_counts: list[int] = []
    total_bytes = 0
    for rn in nodes:
        row, forks_n, traffic = await _territory_row(rn, nodes)
        fork_counts.append(forks_n)
        total_bytes += traffic
        rows.append(row)
    say("")
    say(table(rows, ["territory", "key", "members", "records held", "logs", "witnesses of last checkpoint", "forks detected",
                     "gossip rounds", "bytes exchanged"]))
    say("")
    say(f"forks detected: {max(fork_counts)} (the equivocating clone was caught and its key frozen)"
        if any(fork_counts) else "forks detected: 0")
    say("convergence time: " + (f"{story.converged_after:.1f} s after the last publication"
                                if story.converged_after is not None else "not reached before the end"))
    say(f"records published: {story.published}; bytes exchanged: {total_bytes}")
    return fork_counts


async def _territory_row(rn: RunningNode, nodes: list[RunningNode]) -> tuple[list[object], int, int]:
    """One territory's line of the table, with its forks detected and bytes exchanged."""
    cp = await rn.node.logs.latest_checkpoint(rn.node.public_key)
    witnesses: set[bytes] = set()
    for other in nodes:
        if cp is not None:
            witnesses.update(w for w, _, _ in await other.node.logs.cosignatures(cp.id))
    hs = await rn.node.logs.heads()
    forks_n = len(await rn.node.logs.forks())
    traffic = rn.traffic.sent + rn.traffic.received
    row: list[object] = [
        rn.config.node.name, rn.node.public_key.hex()[:12], len(await members(rn.node)),
        sum(h.size for h in hs), len([h for h in hs if h.size]), len(witnesses),
        forks_n, rn.gossip.rounds, traffic,
    ]
    return row, forks_n, traffic


def _clean_up(root: Path, keep: bool) -> None:
    if not keep:
        shutil.rmtree(root, ignore_errors=True)
        say(f"all nodes stopped; removed {root}")
    else:
        say(f"all nodes stopped; data kept in {root}")
        say(f"to audit what a territory holds: democite run --data {root}/node-2 &  then  "
            f"democite export --data {root}/node-2 -o demo.dmc && democite audit demo.dmc")
