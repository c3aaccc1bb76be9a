"""The coresponsibility fund under Byzantine members and an unreliable network (pure protocol code).

4, 7 or 10 members, fewer than a third of them Byzantine (equivocating, approving everything,
replaying old approvals, sending to only some members); messages are delayed, duplicated and
reordered. Certified grants never exceed contributions, no slot or request is certified twice,
and once every record is delivered all honest members compute the same fund state.
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from protocol import fund as rules
from protocol.coop import Entry, parse_amount
from protocol.errors import ProtocolError
from protocol.fund import quorum
from protocol.identity import Identity
from protocol.network import OPEN_NETWORK_ID
from protocol.record import GENESIS_PREV, Record, SignedRecord, sign_record


class FundNetwork(RuleBasedStateMachine):
    @initialize(n=st.sampled_from([4, 7, 10]), data=st.data())
    def setup(self, n: int, data: st.DataObject) -> None:
        f = data.draw(st.integers(0, (n - 1) // 3), label="byzantine")
        self.members = [bytes([i + 1]) * 32 for i in range(n)]
        self.byzantine = set(self.members[:f])
        self.honest = [m for m in self.members if m not in self.byzantine]
        self.views: dict[bytes, dict[bytes, Entry]] = {m: {} for m in self.members}
        self.inflight: list[tuple[bytes, Entry]] = []
        self.everything: dict[bytes, Entry] = {}
        self.promised: dict[bytes, dict[int, bytes]] = {m: {} for m in self.members}  # the durable approval store
        self.clock = 0
        self.seqs: dict[bytes, int] = {}
        self.fund = self.make(self.members[-1], "fund.create", {"name": "F", "currency": "EUR", "expiry_minutes": 10**7})
        self.broadcast(self.fund)

    # -- helpers ----------------------------------------------------------------------------------

    def make(self, author: bytes, kind: str, body: dict) -> Entry:
        self.clock += 1
        seq = self.seqs[author] = self.seqs.get(author, 0) + 1
        rid = hashlib.sha256(author + seq.to_bytes(8, "big") + kind.encode()).digest()
        e = Entry(rid, author, seq, self.clock, kind, body)
        self.everything[e.id] = e
        return e

    def broadcast(self, e: Entry, to: list[bytes] | None = None) -> None:
        self.views[e.author][e.id] = e  # the author holds its own record at once
        for m in to if to is not None else self.members:
            if m != e.author:
                self.inflight.append((m, e))

    def state(self, m: bytes) -> rules.FundState:
        return rules.fold(self.fund, self.views[m].values(), self.members)

    def requests(self) -> list[Entry]:
        return sorted((e for e in self.everything.values() if e.kind == "fund.request"), key=lambda e: e.id)

    # -- members acting -----------------------------------------------------------------------------

    @rule(who=st.integers(0, 9), amount=st.integers(1, 100))
    def contribute(self, who: int, amount: int) -> None:
        m = self.members[who % len(self.members)]
        self.broadcast(self.make(m, "fund.contribute", {"fund": self.fund.id, "amount": amount}))

    @rule(who=st.integers(0, 9), amount=st.integers(1, 80), nonce=st.integers(1, 4))
    def request(self, who: int, amount: int, nonce: int) -> None:
        m = self.members[who % len(self.members)]
        if m not in self.byzantine:
            try:
                nonce = rules.check_request(self.state(m), m, amount, self.clock)
            except ProtocolError:
                return
        body = {"fund": self.fund.id, "nonce": nonce, "amount": amount, "purpose": "p"}
        self.broadcast(self.make(m, "fund.request", body))

    @rule(who=st.integers(0, 9), pick=st.integers(0, 50))
    def honest_approve(self, who: int, pick: int) -> None:
        m = self.honest[who % len(self.honest)]
        st_ = self.state(m)
        known = sorted(st_.requests)
        if not known:
            return
        rid = known[pick % len(known)]
        nonce = st_.requests[rid].nonce
        try:
            rules.check_approval(st_, m, rid, self.clock, self.promised[m].get(nonce))
        except ProtocolError:
            return
        if self.promised[m].get(nonce) == rid:
            return  # already approved: an honest member never signs twice
        self.promised[m][nonce] = rid  # stored durably before it is sent
        self.broadcast(self.make(m, "fund.approve", {"fund": self.fund.id, "nonce": nonce, "request": rid}))

    @rule(seed=st.integers(0, 2**32), share=st.integers(0, 4))
    def honest_round(self, seed: int, share: int) -> None:
        """Part of the traffic arrives, then every honest member considers every request it knows."""
        self.deliver_many(seed, share)
        for m in self.honest:
            for pick in range(len(self.state(m).requests)):
                self.honest_approve(self.honest.index(m), pick)

    @rule(who=st.integers(0, 9), pick=st.integers(0, 50), wrong_nonce=st.booleans(), subset=st.sets(st.integers(0, 9)))
    def byzantine_approve(self, who: int, pick: int, wrong_nonce: bool, subset: set[int]) -> None:
        """Approve anything, in any slot, equivocating, and tell only some members."""
        if not self.byzantine:
            return
        m = sorted(self.byzantine)[who % len(self.byzantine)]
        reqs = self.requests()
        if not reqs:
            return
        r = reqs[pick % len(reqs)]
        nonce = int(r.body["nonce"]) + (1 if wrong_nonce else 0)
        to = [self.members[i % len(self.members)] for i in subset]
        self.broadcast(self.make(m, "fund.approve", {"fund": self.fund.id, "nonce": nonce, "request": r.id}), to)

    @rule(pick=st.integers(0, 200), to=st.integers(0, 9))
    def replay_old_approval(self, pick: int, to: int) -> None:
        old = [e for e in self.everything.values() if e.kind == "fund.approve"]
        if old:
            self.inflight.append((self.members[to % len(self.members)], sorted(old, key=lambda e: e.id)[pick % len(old)]))

    # -- the network ----------------------------------------------------------------------------------

    @rule(k=st.integers(0, 1000))
    def deliver(self, k: int) -> None:
        if self.inflight:
            dest, e = self.inflight.pop(k % len(self.inflight))
            self.views[dest][e.id] = e

    @rule(seed=st.integers(0, 2**32), share=st.integers(1, 4))
    def deliver_many(self, seed: int, share: int) -> None:
        """Deliver a random part of what is in flight, in a random order; the rest stays delayed."""
        order = sorted(range(len(self.inflight)), key=lambda i: hashlib.sha256(seed.to_bytes(8, "big") + i.to_bytes(8, "big")).digest())
        chosen = set(order[: len(order) * share // 4])
        for i in sorted(chosen, key=order.index):
            dest, e = self.inflight[i]
            self.views[dest][e.id] = e
        self.inflight = [x for i, x in enumerate(self.inflight) if i not in chosen]

    @rule(k=st.integers(0, 1000))
    def duplicate(self, k: int) -> None:
        if self.inflight:
            self.inflight.append(self.inflight[k % len(self.inflight)])

    # -- what must always hold --------------------------------------------------------------------------

    @invariant()
    def grants_never_exceed_contributions(self) -> None:
        if not hasattr(self, "fund"):
            return
        total = rules.fold(self.fund, self.everything.values(), self.members)
        assert total.total_granted <= total.total_contributed
        assert not total.conflicts
        ids = [r.id for r in total.certified.values()]
        assert len(ids) == len(set(ids))
        for m in self.honest:
            view = self.state(m)
            assert view.total_granted <= total.total_contributed
            assert not view.conflicts
            for slot, r in view.certified.items():
                assert total.certified[slot] == r  # a slot a member sees certified is certified for everyone
        for m in self.honest:  # honest members never equivocate
            assert all(e.member != m for e in total.equivocations)

    def teardown(self) -> None:
        if not hasattr(self, "fund"):
            return
        for m in self.members:
            self.views[m].update(self.everything)
        summaries = [self.state(m).summary() for m in self.honest]
        assert all(s == summaries[0] for s in summaries)


FundNetwork.TestCase.settings = settings(
    max_examples=100, stateful_step_count=80, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
test_fund_under_byzantine_members = FundNetwork.TestCase


def test_naive_budget_rule_would_overspend_so_slots_are_ordered() -> None:
    """Three requests of 50 on 100 contributed: members approving any two would certify 150.

    With slots, nobody approves slot 2 before slot 1 is certified, nor slot 3 past the balance.
    """
    ms = [bytes([i + 1]) * 32 for i in range(4)]
    fund = Entry(b"f" * 32, ms[0], 1, 0, "fund.create", {"name": "F", "currency": "EUR", "expiry_minutes": 600})
    recs = [Entry(bytes([i]) * 32, ms[i], 2, 0, "fund.contribute", {"fund": fund.id, "amount": 25}) for i in range(4)]
    reqs = [Entry(bytes([10 + k]) * 32, ms[k], 3, 0, "fund.request", {"fund": fund.id, "nonce": k + 1, "amount": 50, "purpose": "p"}) for k in range(3)]
    st_ = rules.fold(fund, recs + reqs, ms)
    with pytest.raises(ProtocolError, match="slot 1 has no certified grant"):
        rules.check_approval(st_, ms[1], reqs[1].id, 0, None)
    approvals = [Entry(bytes([20 + i]) * 32, ms[i], 4, 0, "fund.approve", {"fund": fund.id, "nonce": 1, "request": reqs[0].id}) for i in range(3)]
    st_ = rules.fold(fund, recs + reqs + approvals, ms)
    assert st_.is_certified(reqs[0].id) and st_.available == 50
    rules.check_approval(st_, ms[1], reqs[1].id, 0, None)
    more = [Entry(bytes([30 + i]) * 32, ms[i], 5, 0, "fund.approve", {"fund": fund.id, "nonce": 2, "request": reqs[1].id}) for i in range(3)]
    st_ = rules.fold(fund, recs + reqs + approvals + more, ms)
    assert st_.available == 0
    with pytest.raises(ProtocolError, match="does not cover"):
        rules.check_approval(st_, ms[1], reqs[2].id, 0, None)
    with pytest.raises(ProtocolError, match="equivocation"):
        rules.check_approval(st_, ms[1], reqs[2].id, 0, reqs[0].id)


def test_a_huge_slot_number_is_refused_without_counting_up_to_it() -> None:
    """A signed request for slot 2^62 must not make the approval rule walk 2^62 slots."""
    ms = [bytes([i + 1]) * 32 for i in range(4)]
    fund = Entry(b"f" * 32, ms[0], 1, 0, "fund.create", {"name": "F", "currency": "EUR", "expiry_minutes": 600})
    far = Entry(b"r" * 32, ms[0], 2, 0, "fund.request", {"fund": fund.id, "nonce": 2**62, "amount": 1, "purpose": "p"})
    st_ = rules.fold(fund, [far], ms)
    with pytest.raises(ProtocolError, match="slot 1 has no certified grant"):
        rules.check_approval(st_, ms[1], far.id, 0, None)


def test_quorum_is_more_than_two_thirds() -> None:
    assert [quorum(n) for n in (1, 2, 3, 4, 6, 7, 9, 10)] == [1, 2, 3, 3, 5, 5, 7, 7]
    assert all(3 * quorum(n) > 2 * n and 3 * (quorum(n) - 1) <= 2 * n for n in range(1, 60))


def test_amounts_are_parsed_without_floats() -> None:
    assert parse_amount("12.5") == 1250 and parse_amount("1500") == 150000 and parse_amount("0,07") == 7
    for bad in ("-3", "1.234", "abc", "0"):
        with pytest.raises(ProtocolError):
            parse_amount(bad)


def _signed(ident: Identity, seq: int, prev: bytes, kind: str, body: dict) -> SignedRecord:
    return sign_record(ident, Record(1, OPEN_NETWORK_ID, ident.public_key, seq, prev, 0, kind, body))


def test_grant_certificate_verifies_from_signatures_alone() -> None:
    ids = [Identity(bytes([i + 1]) * 32) for i in range(4)]
    members = [i.public_key for i in ids]
    fund_id = b"\x07" * 32
    req = _signed(ids[0], 1, GENESIS_PREV, "fund.request", {"fund": fund_id, "nonce": 1, "amount": 500, "purpose": "p"})
    apps = [_signed(i, 1, GENESIS_PREV, "fund.approve", {"fund": fund_id, "nonce": 1, "request": req.id}) for i in ids[1:]]

    def item(s: SignedRecord) -> list[bytes]:
        return [s.raw, s.sig, s.author]

    assert rules.verify_grant(item(req), [item(a) for a in apps], members) == 500
    with pytest.raises(ProtocolError, match="2 member approvals, 3 needed"):
        rules.verify_grant(item(req), [item(a) for a in apps[:2]] + [item(apps[0])], members)
    forged = [apps[0].raw, apps[1].sig, apps[0].author]
    with pytest.raises(ProtocolError, match="does not verify"):
        rules.verify_grant(item(req), [forged, item(apps[1]), item(apps[2])], members)
    other = _signed(ids[3], 2, apps[2].id, "fund.approve", {"fund": fund_id, "nonce": 2, "request": req.id})
    with pytest.raises(ProtocolError, match="another request, fund or slot"):
        rules.verify_grant(item(req), [item(apps[0]), item(apps[1]), item(other)], members)


def test_grant_certificate_follows_key_rotations() -> None:
    ids = [Identity(bytes([i + 1]) * 32) for i in range(4)]
    fund_id = b"\x07" * 32
    req = _signed(ids[0], 1, GENESIS_PREV, "fund.request", {"fund": fund_id, "nonce": 1, "amount": 500, "purpose": "p"})
    apps = [_signed(i, 1, GENESIS_PREV, "fund.approve", {"fund": fund_id, "nonce": 1, "request": req.id}) for i in ids[1:]]
    # member 1 approved, then rotated to a new key: the members are now named by that key
    new = Identity(b"\x55" * 32)
    rot = _signed(ids[1], 2, apps[0].id, "key.rotate", {"new": new.public_key})
    members = [ids[0].public_key, new.public_key, ids[2].public_key, ids[3].public_key]

    def item(s: SignedRecord) -> list[bytes]:
        return [s.raw, s.sig, s.author]

    with pytest.raises(ProtocolError, match="2 member approvals, 3 needed"):
        rules.verify_grant(item(req), [item(a) for a in apps], members)
    assert rules.verify_grant(item(req), [item(a) for a in apps], members, [item(rot)]) == 500
    late = _signed(ids[1], 3, rot.id, "fund.approve", {"fund": fund_id, "nonce": 1, "request": req.id})
    with pytest.raises(ProtocolError, match="after its rotation"):
        rules.verify_grant(item(req), [item(late), item(apps[1]), item(apps[2])], members, [item(rot)])
    with pytest.raises(ProtocolError, match="not a key.rotate"):
        rules.verify_grant(item(req), [item(a) for a in apps], members, [item(apps[0])])
