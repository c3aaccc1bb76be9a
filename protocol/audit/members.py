"""Membership as the bundle's records make it: the network fold replayed at each record, and the member set.

`replay(ctx)` walks every verified record of the bundle in one deterministic order (each log in seq
order, logs merged by the record's `ts`, then author key, then seq) and gives the membership in
force when each record was written: the genesis founders, then `member.endorse` / `member.remove`
votes and `key.rotate` rotations folded with `protocol.membership.fold`, a vote taking effect at
the record that completes its majority. `members_of(ctx)` is the member set the fund is
recomputed against: the membership at the end of the bundle, or in the open network every
territory with a profile (as `federation.coop.members.current_members` on a node).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from protocol.audit.context import AuditContext
from protocol.coop import Entry, as_territories
from protocol.errors import ErrorCode, ProtocolError
from protocol.fund import entry_of
from protocol.membership import Membership, Rotation, Vote, fold
from protocol.network import OPEN_GENESIS, OPEN_NETWORK_GENESIS, OPEN_NETWORK_ID, Admission, Founder, Genesis
from protocol.record import SignedRecord

VOTE_KINDS = frozenset({"member.endorse", "member.remove", "key.rotate"})


def genesis_from_map(m: Mapping[str, Any]) -> Genesis:
    """The genesis a bundle carries (its canonical map, `Genesis.to_map`), read back and re-checked."""
    if dict(m) == OPEN_NETWORK_GENESIS:
        return OPEN_GENESIS
    try:
        founders = tuple(Founder(f["key"], f["name"], f["url"]) for f in m["founders"])
        g = Genesis(m["name"], Admission(m["admission"]), founders, m["description"])
    except (KeyError, TypeError, ValueError):
        raise ProtocolError("the bundle's genesis is not a network genesis map (v, name, admission, description, "
                            "founders with key, name and url)", ErrorCode.BAD_FIELD) from None
    if g.to_map() != dict(m):
        raise ProtocolError("the bundle's genesis is not in canonical form (founders sorted by key, no extra field)",
                            ErrorCode.BAD_FIELD)
    return g


def genesis_of(ctx: AuditContext) -> Genesis | None:
    """The network's genesis; None when the bundle carries none (or an unreadable one) on a closed network."""
    if ctx.genesis is None:
        return OPEN_GENESIS if ctx.net == OPEN_NETWORK_ID else None
    try:
        return genesis_from_map(ctx.genesis)
    except ProtocolError:
        return None


def ordered(ctx: AuditContext) -> list[SignedRecord]:
    """Every verified record, each log in seq order, logs interleaved by (ts, author, seq)."""
    logs = [ctx.logs[a] for a in sorted(ctx.logs)]
    return list(heapq.merge(*logs, key=lambda r: (r.record.ts, r.author, r.seq)))


def _vote(r: SignedRecord) -> tuple[Vote | None, Rotation | None]:
    body = r.record.body
    if r.record.kind == "member.endorse":
        return Vote(r.author, body["candidate"], r.seq, True), None
    if r.record.kind == "member.remove":
        return Vote(r.author, body["member"], r.seq, False), None
    return None, Rotation(r.author, body["new"], r.seq, body.get("next_hash"))


@dataclass(frozen=True, slots=True)
class Replay:
    """`records[i]` was written under `snapshots[at[i]]`; snapshot k+1 follows the k-th vote or rotation."""

    records: Sequence[SignedRecord]
    at: Sequence[int]
    snapshots: Sequence[Membership]

    def admitted_after(self) -> list[frozenset[bytes]]:
        """For each snapshot, every key (retired ones included) that is a member in it or a later one."""
        out = _accumulate(reversed(self.snapshots))
        out.reverse()
        return out

    def admitted_before(self) -> list[frozenset[bytes]]:
        """For each snapshot, every key that was a member in an earlier one."""
        return [frozenset(), *_accumulate(self.snapshots)[:-1]]


def _accumulate(snapshots: Iterable[Membership]) -> list[frozenset[bytes]]:
    out: list[frozenset[bytes]] = []
    acc: frozenset[bytes] = frozenset()
    for m in snapshots:
        acc = acc | m.members | frozenset(k for k in m.retired if m.current(k) in m.members)
        out.append(acc)
    return out


def replay(ctx: AuditContext, genesis: Genesis) -> Replay:
    votes: list[Vote] = []
    rotations: list[Rotation] = []
    snapshots = [fold(genesis, votes, rotations)]
    records = ordered(ctx)
    at: list[int] = []
    for r in records:
        at.append(len(snapshots) - 1)  # judged by the membership before its own vote applies
        if r.record.kind in VOTE_KINDS:
            vote, rotation = _vote(r)
            if vote is not None:
                votes.append(vote)
            if rotation is not None:
                rotations.append(rotation)
            snapshots.append(fold(genesis, votes, rotations))
    return Replay(records, at, snapshots)


def final_membership(ctx: AuditContext) -> Membership:
    """The fold over every vote and rotation of the bundle (the end of the replay, in one fold)."""
    genesis = genesis_of(ctx)
    parsed = [_vote(r) for r in ctx.all_records() if r.record.kind in VOTE_KINDS]
    votes = [v for v, _ in parsed if v is not None]
    return fold(genesis if genesis is not None else OPEN_GENESIS, votes, [rot for _, rot in parsed if rot is not None])


def members_of(ctx: AuditContext) -> frozenset[bytes]:
    m = final_membership(ctx)
    genesis = genesis_of(ctx)
    if genesis is None or genesis.open:
        # open network (or one whose genesis the bundle lacks: the `membership` check says so)
        return frozenset(m.current(r.author) for r in ctx.all_records() if r.record.kind == "territory.profile")
    return m.members


def territory_entries(ctx: AuditContext, records: Iterable[SignedRecord]) -> list[Entry]:
    """Cooperation entries as the nodes fold them: by territory, through key rotations."""
    m = final_membership(ctx)
    return as_territories((entry_of(r) for r in records), m.current, m.lineage_seq)
