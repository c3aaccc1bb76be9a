"""Hostile members: a real node each, plus what an honest node never does.

- the equivocator signs a second history of its own log and pushes it to one honest node, and
  files two fund requests for one slot and approves both;
- the flooder publishes bursts of records and sends bursts of requests;
- the garbage sender sends bytes that are not msgpack, bad request signatures, records signed by
  the wrong key and fork proofs that do not verify.
The silent member is honest; the network cuts it off (`SimNet.cut`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable
from random import Random

from federation.errors import FederationError
from federation.peer.client import PeerClient
from federation.sim.invariants import Ledger
from federation.sim.world import Role, SimNode, World
from node.errors import NodeError
from protocol import encoding
from protocol.errors import ProtocolError
from protocol.httpsig import sign_request
from protocol.identity import Identity
from protocol.record import GENESIS_PREV, Record, sign_record

FLOOD_REQUESTS = 40
FLOOD_RECORDS = 15
MAX_FORK_TRIES = 8


class Hostile:
    def __init__(self, world: World, rng: Random, events: Counter[str], ledger: Ledger) -> None:
        self.world = world
        self.rng = rng
        self.events = events
        self.ledger = ledger
        self.active = True
        self.double_due = False  # set by the run's plan
        self.fork_due = False
        self.fork_tries = 0

    def calm(self) -> None:
        self.active = False

    async def round(self, sn: SimNode) -> None:
        await self.world.gossip_round(sn)

    async def act(self, step: int) -> None:
        """A random hostile act: a flood or garbage (the equivocator's acts are scheduled)."""
        hostile = [sn for sn in self.world.nodes if sn.up and sn.role in (Role.FLOODER, Role.GARBAGE)]
        if not self.active or not hostile:
            return
        sn = self.rng.choice(hostile)
        await self._guard(self.flood(sn, step) if sn.role is Role.FLOODER else self.garbage(sn, step))

    async def due(self, step: int) -> None:
        """The equivocator's scheduled acts, tried at every step until done (it may be down, or
        cut off from every honest node): the double approval first, since once its log forks
        nothing it signs is accepted any more."""
        sn = next((sn for sn in self.world.nodes if sn.role is Role.EQUIVOCATOR and sn.up), None)
        if sn is None or not self.active:
            return
        if self.double_due:
            if await self._guard(self.double_approval(sn, step)):
                self.double_due = False
        elif self.fork_due and self.fork_tries < MAX_FORK_TRIES:
            self.fork_tries += 1
            if await self._guard(self.fork(sn, step)):
                self.fork_due = False

    async def _guard(self, act: Awaitable[bool | None]) -> bool:
        try:
            return bool(await act)
        except (FederationError, NodeError, ProtocolError):
            self.events["hostile_refused"] += 1
            return False

    def _victim(self, sn: SimNode) -> SimNode | None:
        up = [o for o in self.world.nodes if o.up and o.honest and self.world.net.linked(sn.url, o.url)]
        return self.rng.choice(up) if up else None

    def _client(self, sn: SimNode, url: str, identity: Identity | None = None) -> PeerClient:
        assert sn.node is not None
        f = sn.node.config.federation
        return PeerClient(self.world.net.transport(sn.url), identity or sn.node.identity, url, sn.node.clock,
                          f.peer_timeout_s, f.max_body_bytes)

    async def fork(self, sn: SimNode, step: int) -> bool:
        """Publish the next record, and push another record at the same place to one honest node."""
        node, victim = sn.node, self._victim(sn)
        assert node is not None
        if victim is None:
            return False
        me = node.public_key
        head = await node.logs.head(me)
        if head is None or head.frozen:
            return False
        other = sign_record(node.identity, Record(1, node.net_id, me, head.size + 1, head.last_id or GENESIS_PREV,
                                                  node.clock(), "note", {"text": f"another history {step}"}))
        await node.publish("note", {"text": f"one history {step}"})
        prefix = await node.logs.page(me, 1, head.size, 1 << 22)
        answer = await self._client(sn, victim.url).push(me, [[r.raw, r.sig] for r in prefix] + [[other.raw, other.sig]])
        self.world.net.counts["equivocation"] += 1
        if answer.get("accepted") or answer.get("fork"):
            self.ledger.equivocations.add(me)
            return True
        return False

    async def double_approval(self, sn: SimNode, step: int) -> bool:
        """Two requests for one slot of the fund, both approved by their author (an equivocation
        the fund's fold names; it must never make two grants of one slot)."""
        from federation.coop import fund

        node = sn.node
        assert node is not None
        funds = await fund.states(node)
        if not funds:
            return False
        st = next(iter(funds.values()))
        slot = st.next_slot()
        for i in range(2):
            rid = (await node.publish("fund.request", {"fund": st.id, "nonce": slot, "amount": 1000 + i, "purpose": f"x{step}"})).id
            await node.publish("fund.approve", {"fund": st.id, "nonce": slot, "request": rid})
        self.world.net.counts["double_approval"] += 1
        return True

    async def flood(self, sn: SimNode, step: int) -> None:
        node, victim = sn.node, self._victim(sn)
        assert node is not None
        for i in range(FLOOD_RECORDS):
            await node.publish("note", {"text": f"flood {step} {i}"})
        if victim is None:
            return
        client = self._client(sn, victim.url)
        for _ in range(FLOOD_REQUESTS):
            try:
                await client.heads()
            except FederationError:
                pass
        self.world.net.counts["flood"] += 1

    async def garbage(self, sn: SimNode, step: int) -> None:
        node, victim = sn.node, self._victim(sn)
        assert node is not None
        if victim is None:
            return
        kind = self.rng.randrange(4)
        url = victim.url + "/fed/v1/push"
        if kind == 0:  # signed, but the body is not msgpack
            body = self.rng.randbytes(self.rng.randint(1, 200))
            headers = sign_request(node.identity, "POST", "/fed/v1/push", body, node.clock(), self.rng.randbytes(16))
        elif kind == 1:  # a signature over other bytes
            body = encoding.encode({"author": node.public_key, "records": []})
            headers = sign_request(node.identity, "POST", "/fed/v1/push", b"other", node.clock(), self.rng.randbytes(16))
        elif kind == 2:  # an honest member's record, signed by the garbage sender
            target = self.rng.choice(self.world.honest())
            forged = sign_record(node.identity, Record(1, node.net_id, node.public_key, 1, GENESIS_PREV, node.clock(), "note", {"text": "x"}))
            body = encoding.encode({"author": target.keys[-1], "records": [[forged.raw, forged.sig]]})
            headers = sign_request(node.identity, "POST", "/fed/v1/push", body, node.clock(), self.rng.randbytes(16))
        else:  # random bytes where the record's bytes go
            body = encoding.encode({"author": node.public_key, "records": [[self.rng.randbytes(80), self.rng.randbytes(64)]]})
            headers = sign_request(node.identity, "POST", "/fed/v1/push", body, node.clock(), self.rng.randbytes(16))
        self.world.net.counts["garbage"] += 1
        try:
            answer = await self.world.net.deliver(sn.url, url, body, headers)
            self.events[f"garbage_{answer.status}"] += 1
        except OSError:
            self.events["garbage_lost"] += 1
