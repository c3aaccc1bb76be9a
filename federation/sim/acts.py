"""What honest members do while faults happen: notes, peer reviews, twinnings, the fund, a key
rotation and a member removal, each through the same functions the admin routes call.

A refusal by the real code (not synced yet, slot taken, already answered) is an ordinary outcome
and only counted; an acknowledged publication is recorded in the node's `published` ledger.
"""

from __future__ import annotations

import datetime
import logging
from collections import Counter
from random import Random

from federation.coop import fund, review, twinning
from federation.sim.world import Role, SimNode, World
from node.errors import NodeError
from node.service import Node
from protocol.errors import ProtocolError
from protocol.identity import Identity
from protocol.membership import key_commitment
from protocol.twinning import State as TwinState

FRAMEWORK = "democite21"
log = logging.getLogger("democite.sim")
ANSWERS = frozenset({"review", "twin_accept", "approve"})  # acts that answer what reached a member


class Coop:
    def __init__(self, world: World, rng: Random, events: Counter[str]) -> None:
        self.world = world
        self.rng = rng
        self.events = events
        self.removing: SimNode | None = None

    def _actor(self) -> SimNode | None:
        up = [sn for sn in self.world.nodes if sn.up and sn.role is Role.HONEST]
        return self.rng.choice(up) if up else None

    async def _own(self, sn: SimNode) -> None:
        """Every record of its own log the node holds is acknowledged (committed before it returned)."""
        node = sn.node
        assert node is not None
        head = await node.logs.head(node.public_key)
        known = {seq for author, seq in sn.published.values() if author == node.public_key}
        for seq in range(1, (head.size if head else 0) + 1):
            if seq not in known:
                rec = await node.logs.record_at(node.public_key, seq)
                if rec is not None:
                    sn.published[rec.id] = (node.public_key, seq)

    async def publish_note(self, step: int) -> None:
        sn = self._actor()
        if sn is None or sn.node is None:
            return
        rec = await sn.node.publish("note", {"text": f"note {step}"})
        sn.published[rec.id] = (rec.record.author, rec.seq)
        self.events["note"] += 1

    async def act(self, step: int) -> None:
        """One cooperation act. Answers (a review, an acceptance, an approval) go to a member
        that has something waiting, as people answer what reached them."""
        kinds = ["review_request", "review", "twin_propose", "twin_accept", "contribute", "request", "approve", "approve"]
        what = self.rng.choice(kinds)
        actors = [sn for sn in self.world.nodes if sn.up and sn.role is Role.HONEST]
        self.rng.shuffle(actors)
        if what not in ANSWERS:
            actors = actors[:1]
        outcome = f"{what}_nothing_to_do"
        for sn in actors:
            assert sn.node is not None
            await self.vote_removal(sn)
            try:
                if await getattr(self, "_" + what)(sn, sn.node, step):
                    outcome = what
            except (NodeError, ProtocolError) as exc:
                outcome = f"{what}_refused"  # by the real rules, as a person would be
                log.debug("%s refused: %s", what, exc.message)
            await self._own(sn)
            if outcome != f"{what}_nothing_to_do":
                break
        self.events[outcome] += 1

    def _other(self, sn: SimNode) -> SimNode:
        return self.rng.choice([o for o in self.world.nodes if o is not sn and o.honest])

    async def _key_of(self, sn: SimNode, other: SimNode) -> bytes:
        assert sn.node is not None
        return (await sn.node.membership()).current(other.keys[0])

    async def _review_request(self, sn: SimNode, node: Node, step: int) -> bool:
        rec = await node.publish("note", {"text": f"to review {step}"})
        await review.request_review(node, rec.id, [await self._key_of(sn, self._other(sn))], FRAMEWORK)
        return True

    async def _review(self, sn: SimNode, node: Node, step: int) -> bool:
        asked = (await review.overview(node))["requests_to_me"]
        if not asked:
            return False
        req = self.rng.choice(asked)
        fw = review.framework(node, FRAMEWORK)
        scores = {c.key: self.rng.randint(c.min, c.max) for c in fw.criteria}
        await review.publish_review(node, bytes.fromhex(req["target"]), FRAMEWORK, scores, self.rng.choice(fw.verdicts))
        return True

    async def _twin_propose(self, sn: SimNode, node: Node, step: int) -> bool:
        today = datetime.datetime.fromtimestamp(node.clock() / 1000, datetime.UTC).date()
        until = today.replace(year=today.year + 1).isoformat()
        await twinning.propose(node, [await self._key_of(sn, self._other(sn))], f"Jumelage {step}", "Objectifs", until)
        return True

    async def _twin_accept(self, sn: SimNode, node: Node, step: int) -> bool:
        me = node.public_key
        waiting = [t for t in (await twinning.all_twinnings(node)).values()
                   if t.state is TwinState.PROPOSED and me in t.partners and me not in t.answers]
        if not waiting:
            return False
        await twinning.act(node, self.rng.choice(waiting).id, "twin.accept", {})
        return True

    async def create_fund(self) -> None:
        """The first honest territory up creates the fund."""
        sn = next((sn for sn in self.world.nodes if sn.role is Role.HONEST and sn.up), None)
        if sn is not None and sn.node is not None:
            await fund.create(sn.node, "Fonds commun", "EUR", 365)
            await self._own(sn)
            self.events["fund_create"] += 1

    async def _contribute(self, sn: SimNode, node: Node, step: int) -> bool:
        kind = self.rng.choice(("fund.pledge", "fund.contribute"))
        await fund.money(node, kind, None, self.rng.randint(1, 50) * 1000)
        return True

    async def _request(self, sn: SimNode, node: Node, step: int) -> bool:
        st = await fund.state(node, None)
        if st.available <= 0:
            return False
        await fund.request_grant(node, None, self.rng.randint(1, st.available), f"projet {step}", None)
        return True

    async def _approve(self, sn: SimNode, node: Node, step: int) -> bool:
        st = await fund.state(node, None)
        mine = node.public_key
        pending = [r for r in st.pending() if mine not in st.approvers.get(r.id, set()) and not st.expired(r, node.clock())]
        if not pending:
            return False
        await fund.resume(node)
        await fund.approve(node, pending[0].id)
        return True

    async def rotate(self) -> None:
        """An honest member rotates its key: staged keys from the seed, the `key.rotate` record,
        then the swap by `finish_rotation` (the path a crash between the two takes at start)."""
        sn = self._actor()
        if sn is None or sn.node is None:
            return
        node = sn.node
        new, after = Identity(self.rng.randbytes(32)), Identity(self.rng.randbytes(32))
        d = node.config.data_dir
        for fname, ident in (("node.key.new", new), ("node.key.next.new", after)):
            (d / fname).write_text("ed25519-seed:" + ident.seed.hex() + "\n")
            (d / fname).chmod(0o600)
        await node.publish("key.rotate", {"new": new.public_key, "next_hash": key_commitment(after.public_key)})
        await self._own(sn)
        if self.rng.random() < 0.5:
            self.events["crash_before_swap"] += 1
            await self.world.crash(sn)
            await self.world.start(sn)  # finish_rotation at start swaps the key
        else:
            await self.world.swap(sn)
        self.events["rotation"] += 1

    async def remove_garbage(self) -> None:
        """From now on every honest member asks for the removal of the garbage sender (those
        down or cut off when it starts, as soon as they act again)."""
        self.removing = next((sn for sn in self.world.nodes if sn.role is Role.GARBAGE), None)
        for sn in self.world.nodes:
            await self.vote_removal(sn)

    async def vote_removal(self, sn: SimNode) -> None:
        target = self.removing
        if target is None or not sn.honest or sn.node is None:
            return
        m = await sn.node.membership()
        key = m.current(target.keys[0])
        if key in m.members and m.current(sn.node.public_key) not in m.removals.get(key, frozenset()):
            await sn.node.publish("member.remove", {"member": key, "reason": "sends garbage"})
            await self._own(sn)
            self.events["removal_vote"] += 1
