"""The invariants a run checks, during it (after every restart, every few steps) and at its end.

Each returns human-readable violations (an empty list when it holds). docs/simulation.md says
what each one means and why it must hold.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from federation.coop import fund, twinning
from federation.sim.world import SimNode, World
from node.service import Node
from protocol import fund as fund_rules
from protocol.checkpoint import open_checkpoint, open_cosignature
from protocol.errors import ProtocolError
from protocol.twinning import State as TwinState


@dataclass(slots=True)
class Ledger:
    """What the run saw acknowledged: a node's own publications, and the logs a node held when it
    crashed (each stored in a committed transaction)."""

    held: dict[int, dict[bytes, tuple[int, bytes]]] = field(default_factory=dict)  # node -> author -> (size, root)
    equivocations: set[bytes] = field(default_factory=set)  # authors whose two histories both reached honest nodes


async def snapshot(node: Node) -> dict[bytes, tuple[int, bytes]]:
    return {h.key: (h.size, h.root or b"") for h in await node.logs.heads() if h.size}


async def durable(world: World, ledger: Ledger, sn: SimNode) -> list[str]:
    """No acknowledged record is lost: what a node published or held is still there, unchanged."""
    node = sn.node
    if node is None:
        return []
    out = []
    for rid, (author, seq) in sn.published.items():
        rec = await node.logs.record_at(author, seq)
        if rec is None or rec.id != rid:
            out.append(f"node {sn.index} lost its own acknowledged record {author.hex()[:8]}#{seq}")
    for author, (size, root) in ledger.held.get(sn.index, {}).items():
        head = await node.logs.head(author)
        if head is None or head.size < size or await node.root_at(author, size) != root:
            out.append(f"node {sn.index} lost records of log {author.hex()[:8]} it held before a crash (size {size})")
    return out


def honest_authors(world: World) -> set[bytes]:
    return {k for sn in world.honest() for k in sn.keys}


async def agreement(world: World, ledger: Ledger) -> list[str]:
    """After the last heal: every honest node holds every honest log (the same heads), the same
    membership, a proof of every equivocation with its author frozen, and no proof against an
    honest key."""
    authors = honest_authors(world)
    views = []
    for sn in world.honest():
        node = sn.node
        if node is None:
            return [f"honest node {sn.index} is down at the end"]
        heads = {k: v for k, v in (await snapshot(node)).items() if k in authors}
        m = await node.membership()
        frozen = {h.key for h in await node.logs.heads() if h.frozen}
        forks = await node.logs.fork_authors()
        views.append((sn, heads, (m.members, tuple(sorted((k, r.new) for k, r in m.retired.items()))), frozen, forks))
    out = []
    first = views[0]
    for sn, heads, members, frozen, forks in views:
        if heads != first[1]:
            out.append(f"node {sn.index} and node {first[0].index} hold different honest logs")
        if members != first[2]:
            out.append(f"node {sn.index} and node {first[0].index} see different memberships")
        for author in sorted(forks & authors):
            out.append(f"node {sn.index} holds a fork proof about honest key {author.hex()[:8]}")
        for author in ledger.equivocations:
            if author not in forks or author not in frozen:
                out.append(f"node {sn.index} holds no proof of {author.hex()[:8]}'s equivocation or did not freeze it")
    return out


async def converged(world: World, ledger: Ledger) -> bool:
    return not await agreement(world, ledger)


async def fund_safety(sn: SimNode) -> list[str]:
    """The fund never grants more than it holds; no grant is certified without a quorum of more
    than two thirds of the members."""
    node = sn.node
    if node is None:
        return []
    out = []
    for st in (await fund.states(node)).values():
        if st.total_granted > st.total_contributed:
            out.append(f"node {sn.index}: fund {st.id.hex()[:8]} granted {st.total_granted} of {st.total_contributed} contributed")
        for slot, r in st.certified.items():
            approvers = st.approvers.get(r.id, set()) & st.members
            if 3 * len(approvers) <= 2 * len(st.members):
                out.append(f"node {sn.index}: grant {r.id.hex()[:8]} (slot {slot}) certified by {len(approvers)} of {len(st.members)}")
        if st.conflicts:
            out.append(f"node {sn.index}: fund {st.id.hex()[:8]} certified two grants for slot(s) {st.conflicts}")
        assert fund_rules.quorum(len(st.members)) * 3 > 2 * len(st.members)
    return out


async def twinning_safety(sn: SimNode) -> list[str]:
    """A twinning is active only with the signatures of its proposer and of every partner."""
    node = sn.node
    if node is None:
        return []
    out = []
    membership = await node.membership()
    for tid, t in (await twinning.all_twinnings(node)).items():
        if t.state is not TwinState.ACTIVE:
            continue
        proposal = await node.logs.record_by_id(tid)
        accepted = {
            membership.current(r.author)
            for r in await node.logs.records(None, ["twin.accept"], limit=1_000_000)
            if r.body.get("proposal") == tid
        }
        if proposal is None or not {membership.current(p) for p in t.partners} <= accepted:
            out.append(f"node {sn.index}: twinning {tid.hex()[:8]} is active without every party's signature")
    return out


async def witness_safety(world: World) -> list[str]:
    """Honest witnesses cosign only checkpoints consistent with the log they hold, and never two
    different trees of one log at one size."""
    out = []
    signed: dict[tuple[bytes, bytes, int], bytes] = {}  # (witness, author, size) -> root
    honest_keys = {k: sn for sn in world.honest() for k in sn.keys}
    for sn in world.nodes:
        node = sn.node
        if node is None:
            continue
        for author in [h.key for h in await node.logs.heads() if h.size]:
            cp = await node.logs.latest_checkpoint(author)
            if cp is None:
                continue
            try:
                scp = open_checkpoint(cp.raw, cp.sig, author)
            except ProtocolError:
                out.append(f"node {sn.index} keeps an invalid checkpoint of {author.hex()[:8]}")
                continue
            for w, ts, sig in await node.logs.cosignatures(cp.id):
                try:
                    open_cosignature(scp.id, [w, ts, sig])
                except ProtocolError:
                    out.append(f"node {sn.index} keeps an invalid cosignature on {author.hex()[:8]}'s checkpoint")
                    continue
                witness = honest_keys.get(w)
                if witness is None:
                    continue
                prior = signed.setdefault((w, author, cp.size), cp.root)
                if prior != cp.root:
                    out.append(f"honest witness {witness.index} cosigned two trees of {author.hex()[:8]} at size {cp.size}")
                out += await _consistent_with_witness(witness, author, cp.size, cp.root)
    return out


async def _consistent_with_witness(witness: SimNode, author: bytes, size: int, root: bytes) -> list[str]:
    node = witness.node
    if node is None:
        return []
    head = await node.logs.head(author)
    if head is None or head.size < size:
        return []  # the witness cosigned a tree it held then: a crash loses nothing it committed (durable)
    if await node.root_at(author, size) != root:
        return [f"honest witness {witness.index} cosigned a checkpoint of {author.hex()[:8]} its own copy contradicts"]
    return []


async def safety(world: World) -> list[str]:
    out: list[str] = []
    for sn in world.nodes:
        if sn.honest:
            out += await fund_safety(sn)
            out += await twinning_safety(sn)
    return out + await witness_safety(world)


async def end_state(node: Node, ledger: Ledger) -> dict[str, int]:
    """Figures of one honest node's final state (all honest nodes agree on them), for the summary."""
    m = await node.membership()
    funds = list((await fund.states(node)).values())
    twins = await twinning.all_twinnings(node)
    return {
        "members": len(m.members),
        "rotations": len(m.retired),
        "equivocations": len(ledger.equivocations),
        "fork_proofs": len(await node.logs.fork_authors()),
        "contributed": sum(st.total_contributed for st in funds),
        "granted": sum(st.total_granted for st in funds),
        "grants": sum(len(st.certified) for st in funds),
        "double_approvals": sum(len(st.equivocations) for st in funds),
        "twinnings_active": sum(1 for t in twins.values() if t.state is TwinState.ACTIVE),
        "reviews": await node.logs.count_matching(None, ["review"]),
    }


def first(items: Iterable[str], n: int = 5) -> list[str]:
    return list(items)[:n]
