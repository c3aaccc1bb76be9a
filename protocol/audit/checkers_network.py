"""Network checks: each record's author was a member when it wrote it; no record by a retired key.

`membership` replays the network fold across the bundle (`members.replay`) and fails every record
whose author was not a member at that point, unless it was a candidate that the bundle later
admits (a node stores a newcomer's whole log once it is admitted, the records it wrote while
waiting included). `retired_keys` fails every record a key signed after its own `key.rotate`, and
every rotation that breaks the key its predecessor pre-committed to. Both are pure and
deterministic: the same bundle gives the same findings in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from protocol.audit.context import AuditContext, Checker
from protocol.audit.findings import Finding, Severity
from protocol.audit.members import genesis_of, replay
from protocol.membership import Membership, Rotation, Status, fold
from protocol.network import OPEN_GENESIS, network_id
from protocol.record import SignedRecord

MEMBERSHIP = "membership"
RETIRED = "retired_keys"


def _short(b: bytes) -> str:
    return b.hex()[:16] + "…"


def _why_not(m: Membership, author: bytes, was_member: bool) -> str:
    key = m.current(author)
    if was_member:
        return (f"it had been removed ({len(m.removals.get(key, ()))} member(s) asked for it, more than half of "
                "the members then) and is not readmitted")
    if m.status.get(key) is Status.CANDIDATE:
        return (f"it was a candidate with {len(m.endorsements.get(key, ()))} endorsement(s) of the {m.needed()} "
                "it needed, and the bundle never admits it")
    return "no member had endorsed it and it is not a founder of the genesis"


def check_membership(ctx: AuditContext, records: Sequence[SignedRecord]) -> Iterable[Finding]:
    genesis = genesis_of(ctx)
    if genesis is None:
        counts: dict[bytes, int] = {}
        for r in records:
            counts[r.author] = counts.get(r.author, 0) + 1
        why = ("the bundle carries no usable network genesis (see the network check)" if ctx.genesis is None
               else "the bundle's genesis cannot be read as a network genesis")
        for author, n in sorted(counts.items()):
            yield Finding(MEMBERSHIP, f"{n} record(s): membership at each record's time not verified: {why}",
                          author, severity=Severity.WARN)
        return
    if genesis.open:
        return  # the open network admits everyone
    if ctx.net is not None and network_id(genesis.to_map()) != ctx.net:
        return  # the `network` check already fails the bundle; members of another network mean nothing here
    rp = replay(ctx, genesis)
    later, before = rp.admitted_after(), rp.admitted_before()
    for r, i in zip(rp.records, rp.at, strict=True):
        m = rp.snapshots[i]
        if m.accepts(r.author):
            continue
        was_member = r.author in before[i]
        if r.author in later[i] and not was_member:
            continue  # written while a candidate the bundle later admits: nodes store it once admitted
        scope = " (this bundle holds one territory's log: the votes may be in other logs)" if ctx.partial else ""
        yield Finding(MEMBERSHIP, f"record {r.seq} ({r.record.kind}) was written when its author "
                      f"{_short(r.author)} was not a member of network '{genesis.name}': {_why_not(m, r.author, was_member)}; "
                      f"nodes neither store nor relay it{scope}", r.author, r.seq, r.id,
                      Severity.WARN if ctx.partial else Severity.FAIL)


def _rotations(records: Iterable[SignedRecord]) -> dict[tuple[bytes, int], SignedRecord]:
    return {(r.author, r.seq): r for r in records if r.record.kind == "key.rotate"}


def check_retired_keys(ctx: AuditContext, records: Sequence[SignedRecord]) -> Iterable[Finding]:
    rot_records = _rotations(records)
    rotations = [Rotation(a, r.record.body["new"], s, r.record.body.get("next_hash")) for (a, s), r in sorted(rot_records.items())]
    valid = fold(OPEN_GENESIS, (), rotations).retired
    first: dict[bytes, Rotation] = {}
    for rot in rotations:
        first.setdefault(rot.old, rot)  # sorted by (old, seq): a second rotation of one key is a retired-key record
    by_new = {rot.new: rot for rot in first.values()}
    for old, rot in sorted(first.items()):
        if old in valid:
            continue
        prev = by_new[old]
        rec = rot_records[(old, rot.seq)]
        yield Finding(RETIRED, f"the key rotation at seq {rot.seq} hands key {_short(old)} to {_short(rot.new)}, but "
                      f"the rotation that introduced {_short(old)} (territory {_short(prev.old)}, seq {prev.seq}) "
                      f"pre-committed another next key: whoever holds {_short(old)} cannot pass the territory to a "
                      "key of its own; nodes ignore this rotation", old, rot.seq, rec.id)
    for r in records:
        done = valid.get(r.author)
        if done is None or r.seq <= done.seq:
            continue
        rec = rot_records[(r.author, done.seq)]
        yield Finding(RETIRED, f"record {r.seq} ({r.record.kind}) is signed by key {_short(r.author)} after that key "
                      f"was retired by its rotation at seq {done.seq} (record {_short(rec.id)}, new key "
                      f"{_short(done.new)}); records before the rotation stay valid, nodes refuse this one",
                      r.author, r.seq, r.id)


CHECKERS = (
    Checker("", MEMBERSHIP, check_membership, "the author of each record was a member of the network when it wrote it"),
    Checker("", RETIRED, check_retired_keys, "no record is signed by a key after its rotation; rotations keep their pre-commitment"),
)
