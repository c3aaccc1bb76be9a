"""`democite demo`: a small network of territories on loopback, in one process, for a few seconds.

Each territory gets its own data folder, key and database under a temp folder the demo names;
they publish, sync with each other, and one equivocating clone of a territory's key is caught.
Everything is stopped before the command returns.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path

from federation.peering import sync_round
from federation.runtime import RunningNode, running_node
from node import config as config_mod
from node.bootstrap import init_node
from node.cliutil import table

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
]


def say(msg: str) -> None:
    print(msg, flush=True)


async def run_demo(n: int, seconds: int, keep: bool = False, seed: int | None = None) -> dict[str, object]:
    rng = random.Random(seed)
    root = Path(tempfile.mkdtemp(prefix="democite-demo-"))
    say(f"Démocité demo: {n} territories on loopback for {seconds} s; data in {root}")
    started = time.monotonic()
    async with AsyncExitStack() as stack:
        nodes: list[RunningNode] = []
        for i in range(n):
            name, desc = TERRITORIES[i % len(TERRITORIES)]
            if i >= len(TERRITORIES):
                name = f"{name} {i // len(TERRITORIES) + 1}"
            d = root / f"node-{i + 1}"
            init_node(d, name, "127.0.0.1:0")
            rn = await stack.enter_async_context(running_node(config_mod.load(d)))
            nodes.append(rn)
            say(f"  started {name:<30} {rn.node.public_key.hex()[:16]}  {rn.peer_url}")
        for rn in nodes:
            for other in nodes:
                if other is not rn:
                    await rn.node.peers.upsert(other.peer_url, other.node.public_key, other.config.node.name, rn.node.clock())
        # the equivocating territory: a copy of node 1's key with its own, different history
        evil_dir = root / "node-1-clone"
        evil_dir.mkdir()
        shutil.copy(root / "node-1" / "node.key", evil_dir / "node.key")
        shutil.copy(root / "node-1" / "api.token", evil_dir / "api.token")
        (evil_dir / "node.toml").write_text(config_mod.render_toml(nodes[0].config.node.name, "127.0.0.1:0"))
        evil = await stack.enter_async_context(running_node(config_mod.load(evil_dir)))
        say(f"  started an equivocating clone of {nodes[0].config.node.name}'s key at {evil.peer_url}")
        await evil.node.publish("note", {"text": "Une autre histoire"})
        published = 0
        deadline = started + seconds
        rounds = 0
        caught_at: float | None = None
        while time.monotonic() < deadline:
            rounds += 1
            for rn in nodes:
                own = await rn.node.logs.head(rn.node.public_key)
                if own is not None and own.frozen:
                    continue  # its key was cloned: the network froze it, so it stops publishing
                if rng.random() < 0.5:
                    await rn.node.publish("note", {"text": rng.choice(NOTES)})
                    published += 1
            victims = rng.sample(nodes[1:], k=1) if len(nodes) > 1 else []
            for v in victims:
                await v.node.peers.upsert(evil.peer_url, evil.node.public_key, "clone", v.node.clock())
            await asyncio.gather(*(sync_round(rn.node, rn.session, traffic=rn.traffic) for rn in nodes))
            forks = [len(await rn.node.logs.forks()) for rn in nodes]
            if caught_at is None and all(forks):
                caught_at = time.monotonic() - started
                say(f"  [{time.monotonic() - started:5.1f}s] fork proven: every territory froze the equivocating key")
            say(f"  [{time.monotonic() - started:5.1f}s] round {rounds}: {published} records published, forks known {sum(forks)}")
            await asyncio.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
        rows: list[list[object]] = []
        fork_counts: list[int] = []
        total_bytes = 0
        for rn in nodes:
            s = await rn.node.logs.heads()
            forks_n = len(await rn.node.logs.forks())
            fork_counts.append(forks_n)
            total_bytes += rn.traffic.sent + rn.traffic.received
            rows.append([rn.config.node.name, rn.node.public_key.hex()[:12], sum(h.size for h in s), len(s), forks_n, rn.traffic.sent + rn.traffic.received])
        say("")
        say(table(rows, ["territory", "key", "records held", "logs", "forks detected", "bytes exchanged"]))
        say("")
        say(f"forks detected: {max(fork_counts)} (equivocating key caught and frozen)" if any(fork_counts) else "forks detected: 0")
        say(f"bytes exchanged: {total_bytes}; rounds: {rounds}")
    if not keep:
        shutil.rmtree(root, ignore_errors=True)
        say(f"all nodes stopped; removed {root}")
    else:
        say(f"all nodes stopped; data kept in {root}")
    sys.stdout.flush()
    return {"rounds": rounds, "published": published}
