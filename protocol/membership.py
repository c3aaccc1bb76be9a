"""Membership as a pure fold over votes: who is a member, a candidate, removed, or retired.

Each author's latest vote about a subject counts (`member.endorse` for, `member.remove` against).
A subject becomes a member when more than half of the current members endorse it, and stops
being one when more than half ask for its removal; the fold repeats until nothing changes (at
most once per subject), so every node holding the same records computes the same members.
A `key.rotate` record hands its author's membership to the new key and retires the old one; it
may pre-commit the next key (KERI-style), which the next rotation must then name.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from protocol.errors import ErrorCode, TransitionError
from protocol.network import Genesis


class Status(StrEnum):
    CANDIDATE = "candidate"
    MEMBER = "member"
    REMOVED = "removed"


class Event(StrEnum):
    ADMIT = "admit"
    REMOVE = "remove"


TRANSITIONS: Mapping[tuple[Status, Event], Status] = MappingProxyType({
    (Status.CANDIDATE, Event.ADMIT): Status.MEMBER,
    (Status.REMOVED, Event.ADMIT): Status.MEMBER,
    (Status.MEMBER, Event.REMOVE): Status.REMOVED,
})


def step(state: Status, event: Event) -> Status:
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise TransitionError(f"a {state} cannot be {event}ed", ErrorCode.ILLEGAL_TRANSITION) from None


@dataclass(frozen=True, slots=True)
class Vote:
    voter: bytes
    subject: bytes
    seq: int  # position in the voter's log: a later vote replaces an earlier one
    endorse: bool


@dataclass(frozen=True, slots=True)
class Rotation:
    old: bytes
    new: bytes
    seq: int  # the rotation record's seq in the old key's log: nothing after it is accepted
    next_hash: bytes | None = None  # SHA-256 of the key the next rotation must name (pre-commitment)


def key_commitment(key: bytes) -> bytes:
    return hashlib.sha256(b"democite/v1/next-key\x00" + key).digest()


def _valid_rotations(rotations: Iterable[Rotation], founders: frozenset[bytes] = frozenset()) -> dict[bytes, Rotation]:
    """The first rotation of each key, dropping one that breaks its predecessor's pre-commitment.

    A key that was itself introduced by a rotation with `next_hash` can only rotate to the key
    committed there: a thief of the current key cannot hand the territory to a key of its own.
    """
    first: dict[bytes, Rotation] = {}
    for r in sorted(rotations, key=lambda r: (r.old, r.seq)):
        first.setdefault(r.old, r)  # a second rotation of one key is void
    by_new = {r.new: r for r in first.values()}
    named = Counter(r.new for r in first.values())
    return {
        old: r
        for old, r in first.items()
        if ((p := by_new.get(old)) is None or p.next_hash is None or key_commitment(r.new) == p.next_hash)
        # a rotation may not take over a key already in use: a founder's, or one another
        # rotation names too (two territories would merge and the member count would drop)
        and r.new not in founders
        and named[r.new] == 1
    }


@dataclass(frozen=True, slots=True)
class Membership:
    open: bool
    founders: frozenset[bytes]
    status: dict[bytes, Status] = field(default_factory=dict)
    endorsements: dict[bytes, frozenset[bytes]] = field(default_factory=dict)
    removals: dict[bytes, frozenset[bytes]] = field(default_factory=dict)
    retired: dict[bytes, Rotation] = field(default_factory=dict)

    @property
    def members(self) -> frozenset[bytes]:
        return frozenset(k for k, s in self.status.items() if s is Status.MEMBER)

    @property
    def candidates(self) -> frozenset[bytes]:
        return frozenset(k for k, s in self.status.items() if s is Status.CANDIDATE)

    def current(self, key: bytes) -> bytes:
        """The key a territory signs with now, following rotations."""
        seen = set()
        while key in self.retired and key not in seen:
            seen.add(key)
            key = self.retired[key].new
        return key

    def lineage_seq(self, key: bytes, seq: int) -> int:
        """A rotated territory's records as one sequence: a later key's seq counts after the
        rotation record that introduced it, so order across keys follows the territory's history."""
        by_new = {r.new: r for r in self.retired.values()}
        seen: set[bytes] = set()
        while key in by_new and key not in seen:
            seen.add(key)
            rot = by_new[key]
            seq += rot.seq
            key = rot.old
        return seq

    def accepts(self, author: bytes) -> bool:
        """Records by `author` are stored and relayed (a retired key's log up to its rotation)."""
        return self.open or self.current(author) in self.members

    def accepts_record(self, author: bytes, seq: int) -> bool:
        rot = self.retired.get(author)
        if rot is not None and seq > rot.seq:
            return False
        return self.accepts(author)

    def needed(self) -> int:
        """Endorsements a candidate needs now: more than half of the members."""
        return len(self.members) // 2 + 1


def fold(genesis: Genesis, votes: Iterable[Vote], rotations: Iterable[Rotation] = ()) -> Membership:
    retired = _valid_rotations(rotations, frozenset(f.key for f in genesis.founders))

    def canon(key: bytes) -> bytes:
        seen = set()
        while key in retired and key not in seen:
            seen.add(key)
            key = retired[key].new
        return key

    latest: dict[tuple[bytes, bytes], Vote] = {}
    for v in votes:
        k = (canon(v.voter), canon(v.subject))
        if k[0] == k[1]:
            continue  # nobody votes for or against itself
        old = latest.get(k)
        # a vote by the current key outranks one by a retired key; then the later one wins
        if old is None or (v.voter == k[0], v.seq) > (old.voter == k[0], old.seq):
            latest[k] = v
    founders = frozenset(canon(f.key) for f in genesis.founders)
    status: dict[bytes, Status] = {k: Status.MEMBER for k in founders}
    for _voter, subject in latest:
        status.setdefault(subject, Status.CANDIDATE)

    def count(members: set[bytes], subj: bytes, endorse: bool) -> int:
        return sum(1 for m in members if (x := latest.get((m, subj))) is not None and x.endorse is endorse)

    subjects = sorted(status)
    for _ in range(len(subjects) + 1):
        members = {k for k, s in status.items() if s is Status.MEMBER}
        changed = False
        for subj in subjects:
            pro, con = count(members, subj, True), count(members, subj, False)
            state = status[subj]
            if state is not Status.MEMBER and 2 * pro > len(members):
                status[subj] = step(state, Event.ADMIT)
                changed = True
            elif state is Status.MEMBER and 2 * con > len(members):
                status[subj] = step(state, Event.REMOVE)
                changed = True
        if not changed:
            break
    endorsements = {s: frozenset(v for (v, t), x in latest.items() if t == s and x.endorse) for s in status}
    removals = {s: frozenset(v for (v, t), x in latest.items() if t == s and not x.endorse) for s in status}
    return Membership(genesis.open, founders, status, endorsements, removals, retired)
