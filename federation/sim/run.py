"""One run: a world of N nodes, K steps of faults and acts drawn from the seed, then the heal and
the rounds until every honest node agrees; invariants checked along the way and at the end."""

from __future__ import annotations

import hashlib
import os
import tempfile
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from random import Random
from typing import Any

from federation.sim import acts, hostile
from federation.sim import invariants as inv
from federation.sim.net import Crashed, SimNet
from federation.sim.profiles import PROFILES, Profile
from federation.sim.world import Role, SimNode, Template, World

HEAL_ROUNDS_MAX = 40  # rounds after the last heal before a run is declared not converging
ROUND_MS = 30_000  # the default gossip interval
CHECK_EVERY = 50  # steps between two checks of the safety invariants during the run
SKEW_WINDOW_MS = 20_000  # clocks after the heal: within the 60 s request window of each other


@dataclass(slots=True)
class Outcome:
    seed: int
    nodes: int
    steps: int
    profile: str
    events: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)
    rounds_after_heal: int = 0
    records: int = 0
    digest: str = ""
    state: dict[str, int] = field(default_factory=dict)  # what the honest nodes agree on at the end

    @property
    def fault_count(self) -> int:
        return sum(self.faults.values())

    def to_json(self) -> dict[str, Any]:
        return {"seed": self.seed, "nodes": self.nodes, "steps": self.steps, "profile": self.profile,
                "events": dict(sorted(self.events.items())), "faults": dict(sorted(self.faults.items())),
                "violations": self.violations, "rounds_after_heal": self.rounds_after_heal,
                "records": self.records, "digest": self.digest, "state": self.state}


def roles_for(size: int, profile: Profile) -> list[Role]:
    """The last nodes get the hostile roles and the silent one. Hostile members stay fewer than
    half, so the honest ones can remove one; only the equivocator signs conflicting approvals,
    fewer than a third of the members, so the fund's two-thirds quorum still means something."""
    roles = [Role.HONEST] * size
    special: list[Role] = []
    if profile.hostile:
        special += [Role.EQUIVOCATOR, Role.GARBAGE, Role.FLOODER][: min(3, max(1, (size - 2) // 2))]
    if profile.silent:
        special.append(Role.SILENT)
    for i, role in enumerate(special):
        roles[size - 1 - i] = role
    return roles


@dataclass(slots=True)
class Plan:
    """When the scheduled faults happen, drawn from the seed before the run."""

    partitions: list[tuple[int, int]] = field(default_factory=list)  # (start step, heal step)
    silent: tuple[int, int] | None = None
    rotation: int = -1
    removal: int = -1
    fund: int = -1  # the first territory creates the fund
    double: int = -1  # the equivocator's double approval is due
    fork: int = -1  # its second history is due
    drift: int = -1  # a step where one clock jumps out of the request window (set right at the heal)


def plan_for(rng: Random, steps: int, profile: Profile) -> Plan:
    p = Plan()
    if profile.partitions and steps >= 20:
        a = rng.randrange(steps // 10, steps // 2)
        p.partitions.append((a, a + rng.randrange(steps // 10, steps // 3)))
        b = rng.randrange(steps // 2, steps - steps // 10)
        p.partitions.append((b, rng.randrange(b + 1, steps + 1)))
    if profile.silent and steps >= 10:
        s = rng.randrange(0, steps // 3)
        p.silent = (s, rng.randrange(steps // 2, steps))
    if profile.rotation:
        p.rotation = rng.randrange(steps // 4, max(steps // 4 + 1, 3 * steps // 4))
    if profile.removal:
        p.removal = rng.randrange(steps // 5, max(steps // 5 + 1, steps // 2))
    p.fund = rng.randrange(0, max(1, steps // 10))
    if profile.hostile:
        p.double = rng.randrange(p.fund + 1, max(p.fund + 2, steps // 3))
        p.fork = rng.randrange(max(p.double + 1, steps // 3), max(p.double + 2, 2 * steps // 3))
    if profile.skew_ms:
        p.drift = rng.randrange(0, max(1, steps))
    return p


class Runner:
    def __init__(self, seed: int, size: int, steps: int, profile: Profile, folder: Path, template: Template) -> None:
        self.rng = Random(seed)
        self.profile = profile
        self.net = SimNet(self.rng, profile)
        self.world = World(seed, size, folder, self.net, template)
        self.ledger = inv.Ledger()
        self.out = Outcome(seed, size, steps, profile.name)
        self.steps = steps
        self.crash_next: list[str] = []
        self.net.on_crash = self.crash_next.append
        self.coop = acts.Coop(self.world, self.rng, self.out.events)
        self.hostile = hostile.Hostile(self.world, self.rng, self.out.events, self.ledger)

    async def run(self) -> Outcome:
        w = self.world
        await w.create(roles_for(w.size, self.profile))
        self.net.liars = {sn.url for sn in w.nodes if sn.role is Role.GARBAGE}
        if self.profile.skew_ms:
            for sn in w.nodes:
                sn.skew_ms = self.rng.randint(-self.profile.skew_ms, self.profile.skew_ms)
        plan = plan_for(self.rng, self.steps, self.profile)
        phase = "setup"
        try:
            for step in range(self.steps):
                phase = f"step {step}"
                await self.step(step, plan)
            phase = "the heal"
            await self.heal()
            phase = "the rounds after the heal"
            await self.converge()
            phase = "the final checks"
            await self.final_checks()
        except Exception as exc:  # the real code failed where it must not: a bug the seed replays
            where = traceback.extract_tb(exc.__traceback__)[-1]
            self.out.violations.append(
                f"uncaught {type(exc).__name__} during {phase} at {Path(where.filename).name}:{where.lineno}: {str(exc)[:200]}")
        finally:
            await w.stop_all()
        self.out.faults.update(self.net.counts)
        return self.out

    async def step(self, step: int, plan: Plan) -> None:
        w, rng = self.world, self.rng
        self.net.step = step
        w.now_ms += rng.randint(1_000, 10_000)
        await self.net.flush()
        try:
            await self.scheduled(step, plan)
            await self.event(step)
        except Crashed:
            pass  # a node reached its crash point in the middle of the event
        for sn in w.nodes:
            if sn.crashing:
                self.net.counts["crash_point"] += 1
                await self.crash(sn)
        for url in self.crash_next:
            await self.crash(next(sn for sn in w.nodes if sn.url == url))
        self.crash_next.clear()
        if step % CHECK_EVERY == CHECK_EVERY - 1:
            self.out.violations += await inv.safety(w)
            for sn in w.honest():
                self.out.violations += await inv.durable(w, self.ledger, sn)

    async def event(self, step: int) -> None:
        """One event drawn from the seed: a gossip round, an act, a hostile act, a crash or a restart."""
        w, rng = self.world, self.rng
        r = rng.random()
        up = [sn for sn in w.nodes if sn.up]
        if r < 0.55 and up:
            sn = rng.choice(up)
            self.out.events["gossip_round"] += 1
            await w.gossip_round(sn)
        elif r < 0.72:
            await self.coop.act(step)
        elif r < 0.82:
            await self.hostile.act(step)
        elif r < 0.92 and self.profile.crashes:
            await self.crash_or_restart()
        else:
            await self.coop.publish_note(step)

    async def scheduled(self, step: int, plan: Plan) -> None:
        w, rng = self.world, self.rng
        for start, end in plan.partitions:
            if step == start:
                groups = rng.randint(2, 3)
                self.net.groups = {sn.url: rng.randrange(groups) for sn in w.nodes}
                self.net.counts["partition"] += 1
            if step == end:
                self.net.groups = {}
        if plan.silent is not None:
            silent = [sn.url for sn in w.nodes if sn.role is Role.SILENT]
            if step == plan.silent[0]:
                self.net.cut.update(silent)
                self.net.counts["silent"] += len(silent)
                w.now_ms += 3 * 86_400_000  # days pass while it is away
            if step == plan.silent[1]:
                self.net.cut.difference_update(silent)
        if step == plan.rotation:
            await self.coop.rotate()
        if step == plan.fund:
            await self.coop.create_fund()
        self.hostile.double_due |= step == plan.double
        self.hostile.fork_due |= step == plan.fork
        await self.hostile.due(step)
        if step == plan.removal:
            await self.coop.remove_garbage()
        if step == plan.drift:
            sn = rng.choice(w.nodes)
            sn.skew_ms = rng.choice((-1, 1)) * rng.randint(61_000, 600_000)  # out of the window
            self.net.counts["clock_drift"] += 1

    async def crash_or_restart(self) -> None:
        w, rng = self.world, self.rng
        down = [sn for sn in w.nodes if not sn.up]
        if down and (rng.random() < 0.5 or len(down) * 3 >= len(w.nodes)):
            sn = rng.choice(down)
            await w.start(sn)
            self.out.events["restart"] += 1
            self.out.violations += await inv.durable(w, self.ledger, sn)
        else:
            sn = rng.choice([sn for sn in w.nodes if sn.up])
            if rng.random() < 0.5:
                await self.crash(sn)
            else:  # it will crash at its k-th clock read from now: in the middle of some work
                sn.crash_at = sn.ticks + rng.randint(1, 40)

    async def crash(self, sn: SimNode) -> None:
        if sn.node is None:
            return
        self.ledger.held[sn.index] = await inv.snapshot(sn.node)
        await self.world.crash(sn)
        self.net.counts["crash"] += 1

    async def heal(self) -> None:
        """The last heal: the network whole and reliable, every node up, clocks back in the window."""
        w = self.world
        self.net.groups, self.net.faulty = {}, False
        self.net.cut.clear()
        self.net.step += 1_000_000
        await self.net.flush()
        for sn in w.nodes:
            sn.crash_at = None
            if abs(sn.skew_ms) > SKEW_WINDOW_MS // 2:
                sn.skew_ms = self.rng.randint(-SKEW_WINDOW_MS // 2, SKEW_WINDOW_MS // 2)
            if not sn.up:
                await w.start(sn)
                self.out.violations += await inv.durable(w, self.ledger, sn)
            await self.coop.vote_removal(sn)
        self.hostile.calm()

    async def converge(self) -> None:
        w = self.world
        for rounds in range(1, HEAL_ROUNDS_MAX + 1):
            w.now_ms += ROUND_MS
            order = list(w.nodes)
            self.rng.shuffle(order)
            for sn in order:
                await w.gossip_round(sn)
            if await inv.converged(w, self.ledger):
                self.out.rounds_after_heal = rounds
                return
        self.out.rounds_after_heal = HEAL_ROUNDS_MAX + 1
        self.out.violations += inv.first(await inv.agreement(w, self.ledger))

    async def final_checks(self) -> None:
        w = self.world
        for sn in w.nodes:
            if sn.honest:
                self.out.violations += await inv.durable(w, self.ledger, sn)
        self.out.violations += await inv.safety(w)
        node = w.honest()[0].node
        assert node is not None
        snap = await inv.snapshot(node)
        keys = sorted(snap)
        self.out.digest = hashlib.sha256(b"".join(keys) + b"".join(snap[k][1] for k in keys)).hexdigest()[:16]
        self.out.records = sum(size for size, _ in snap.values())
        self.out.state = await inv.end_state(node, self.ledger)


def scratch() -> str | None:
    """Where worlds live: a memory-backed folder when the system has one (the files are real
    SQLite files; only their fsyncs cost nothing), else the system's temporary folder."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


async def run_one(seed: int, size: int, steps: int, profile: str, template: Template | None = None,
                  folder: Path | None = None) -> Outcome:
    """Run one world in a fresh folder (removed after), with a template database made once."""
    with tempfile.TemporaryDirectory(prefix="democite-sim-", dir=folder or scratch()) as tmp:
        tpl = template or Template(Path(tmp))
        return await Runner(seed, size, steps, PROFILES[profile], Path(tmp) / f"s{seed}", tpl).run()
