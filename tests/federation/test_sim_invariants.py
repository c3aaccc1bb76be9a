"""The simulation's invariants see a broken world: a checker that never fails proves nothing."""

from __future__ import annotations

from federation.sim import invariants as inv
from federation.sim.profiles import PROFILES
from federation.sim.run import Runner, roles_for
from federation.sim.world import Template


async def _world(tmp_path) -> Runner:
    r = Runner(5, 4, 10, PROFILES["none"], tmp_path / "w", Template(tmp_path))
    await r.world.create(roles_for(4, r.profile))
    await r.converge()
    assert await inv.agreement(r.world, r.ledger) == []
    return r


async def test_a_node_that_lacks_a_log_and_a_lost_record_are_seen(tmp_path) -> None:
    r = await _world(tmp_path)
    try:
        a = r.world.nodes[0]
        assert a.node is not None
        rec = await a.node.publish("note", {"text": "pas encore partagé"})
        assert any("different honest logs" in v for v in await inv.agreement(r.world, r.ledger))
        # a record the run saw acknowledged but the node does not hold
        r.world.nodes[1].published[rec.id] = (rec.record.author, rec.seq)
        assert any("lost its own acknowledged record" in v for v in await inv.durable(r.world, r.ledger, r.world.nodes[1]))
        # a log held before a crash, now shorter than it was
        r.ledger.held[2] = {a.keys[0]: (rec.seq, b"\x00" * 32)}
        assert any("lost records of log" in v for v in await inv.durable(r.world, r.ledger, r.world.nodes[2]))
    finally:
        await r.world.stop_all()


async def test_an_equivocation_without_a_proof_is_seen(tmp_path) -> None:
    r = await _world(tmp_path)
    try:
        r.ledger.equivocations.add(r.world.nodes[3].keys[0])
        assert any("holds no proof" in v for v in await inv.agreement(r.world, r.ledger))
    finally:
        await r.world.stop_all()
