"""Network checks of the audit: genesis against the network id, membership at each record's time, retired keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from protocol.audit.build import LogSpec, build_bundle
from protocol.audit.context import AuditContext
from protocol.audit.engine import audit
from protocol.audit.findings import Report, Severity
from protocol.audit.members import members_of
from protocol.checkpoint import Checkpoint, sign_checkpoint
from protocol.identity import Identity
from protocol.membership import key_commitment
from protocol.merkle import root_of
from protocol.network import Admission, Founder, Genesis
from protocol.record import GENESIS_PREV, Record, SignedRecord, sign_record
from tests.conftest import run_cli
from tests.protocol.audit_logs import T0, ident

A, B, C = ident("Commune A"), ident("Quartier B"), ident("Village C")
A2, A3, THIEF = ident("Commune A, clé 2"), ident("Commune A, clé 3"), ident("voleur")
GENESIS = Genesis("TOGETHER", Admission.MAJORITY, (Founder(A.public_key, "Commune A", ""), Founder(B.public_key, "Quartier B", "")))
NET = GENESIS.id


class Log:
    """One territory's log on the closed network; `at` is the record's minute, to order logs by time."""

    def __init__(self, who: Identity, net: bytes = NET) -> None:
        self.who, self.net = who, net
        self.records: list[SignedRecord] = []

    def add(self, at: int, kind: str, body: dict[str, Any] | None = None) -> SignedRecord:
        seq = len(self.records) + 1
        prev = self.records[-1].id if self.records else GENESIS_PREV
        if body is None:
            body = {"name": "T", "addresses": []} if kind == "territory.profile" else {"text": f"note {seq}"}
        r = sign_record(self.who, Record(1, self.net, self.who.public_key, seq, prev, T0 + at * 60_000, kind, body))
        self.records.append(r)
        return r

    def spec(self) -> LogSpec:
        ids = [r.id for r in self.records]
        cps = [sign_checkpoint(self.who, Checkpoint(self.net, self.who.public_key, n, root_of(ids[:n]), T0 + n))
               for n in range(1, len(ids) + 1)]
        return LogSpec(self.who.public_key, self.records, cps)


def bundle(*logs: Log, genesis: dict[str, Any] | None = None, net: bytes = NET) -> bytes:
    return build_bundle(A, net, T0, [lg.spec() for lg in logs], GENESIS.to_map() if genesis is None else genesis)


def fails(r: Report) -> list[tuple[str, bytes | None, int | None, bytes | None]]:
    return [(f.check, f.territory, f.seq, f.record_id) for f in r.findings if f.severity is Severity.FAIL]


def founders() -> tuple[Log, Log]:
    a, b = Log(A), Log(B)
    a.add(1, "territory.profile")
    b.add(1, "territory.profile")
    return a, b


async def audit_cli(tmp_path: Path, data: bytes) -> tuple[int, dict[str, Any]]:
    path = tmp_path / "b.dmc"
    path.write_bytes(data)
    rc, out, err = await run_cli("audit", str(path), "--json")
    assert "Traceback" not in err
    return rc, json.loads(out)


def test_clean_closed_network_with_an_admitted_newcomer_passes() -> None:
    a, b = founders()
    c = Log(C)
    c.add(2, "territory.profile")  # written while a candidate: stored once C is admitted
    a.add(3, "member.endorse", {"candidate": C.public_key})
    b.add(4, "member.endorse", {"candidate": C.public_key})
    c.add(5, "note")
    r = audit(bundle(a, b, c))
    assert r.ok, r.findings
    assert r.territories[C.public_key].checked["membership"] == 2
    assert not r.findings


async def test_record_by_a_non_member_in_a_closed_network(tmp_path: Path) -> None:
    a, b = founders()
    c = Log(C)
    c.add(2, "territory.profile")
    a.add(3, "member.endorse", {"candidate": C.public_key})  # 1 of the 2 endorsements it needs
    note = c.add(4, "note")
    r = audit(bundle(a, b, c))
    assert fails(r) == [("membership", C.public_key, 1, c.records[0].id), ("membership", C.public_key, 2, note.id)]
    reason = r.findings[-1].reason
    assert "record 2 (note)" in reason and "not a member of network 'TOGETHER'" in reason
    assert "candidate with 1 endorsement(s) of the 2 it needed" in reason
    rc, js = await audit_cli(tmp_path, bundle(a, b, c))
    assert rc == 1 and js["verdict"] == "fail"
    assert [(f["check"], f["territory"], f["seq"]) for f in js["findings"]] == [
        ("membership", C.public_key.hex(), 1), ("membership", C.public_key.hex(), 2)]


def test_removed_member_after_removal_and_fund_members() -> None:
    a, b = founders()
    c = Log(C)
    c.add(2, "territory.profile")
    a.add(3, "member.endorse", {"candidate": C.public_key})
    b.add(4, "member.endorse", {"candidate": C.public_key})
    c.add(5, "note")  # C is a member here
    a.add(6, "member.remove", {"member": C.public_key})
    b.add(7, "member.remove", {"member": C.public_key})  # the second of three: more than half
    late = c.add(8, "note")
    r = audit(bundle(a, b, c))
    assert fails(r) == [("membership", C.public_key, 3, late.id)]
    assert "it had been removed (2 member(s) asked for it" in r.findings[0].reason
    # the fund is recomputed against the membership at the end of the bundle, not the profiles
    ctx = AuditContext(NET, GENESIS.to_map(), {lg.who.public_key: lg.records for lg in (a, b, c)}, {}, [], [])
    assert members_of(ctx) == {A.public_key, B.public_key}


async def test_record_from_a_retired_key(tmp_path: Path) -> None:
    a, b = founders()
    a.add(2, "note")
    rot = a.add(3, "key.rotate", {"new": A2.public_key, "next_hash": key_commitment(A3.public_key)})
    late = a.add(4, "note")  # signed by the retired key after its rotation
    a2 = Log(A2)
    a2.add(3, "territory.profile")
    a2.add(5, "note")
    r = audit(bundle(a, b, a2))
    assert fails(r) == [("retired_keys", A.public_key, 4, late.id)]
    reason = r.findings[0].reason
    assert f"retired by its rotation at seq 3 (record {rot.id.hex()[:16]}…" in reason and "record 4 (note)" in reason
    assert r.territories[A2.public_key].checked["membership"] == 2  # the new key inherits the membership
    rc, js = await audit_cli(tmp_path, bundle(a, b, a2))
    assert rc == 1 and [(f["check"], f["seq"], f["record"]) for f in js["findings"]] == [("retired_keys", 4, late.id.hex())]
    # without the late record the rotation is clean: records before it stay valid
    a.records.pop()
    assert audit(bundle(a, b, a2)).ok


def test_rotation_breaking_its_pre_commitment() -> None:
    a, b = founders()
    a.add(2, "key.rotate", {"new": A2.public_key, "next_hash": key_commitment(A3.public_key)})
    a2 = Log(A2)
    a2.add(2, "territory.profile")
    bad = a2.add(3, "key.rotate", {"new": THIEF.public_key})  # not A3, the committed next key
    r = audit(bundle(a, b, a2))
    assert fails(r) == [("retired_keys", A2.public_key, 2, bad.id)]
    assert "pre-committed another next key" in r.findings[0].reason and "seq 2" in r.findings[0].reason


async def test_genesis_not_matching_the_network_id(tmp_path: Path) -> None:
    other = Genesis("TOGETHER", Admission.MAJORITY, (Founder(A.public_key, "Commune A", ""),))  # B left out
    a, b = founders()
    data = bundle(a, b, genesis=other.to_map())
    r = audit(data)
    assert fails(r) == [("network", None, None, None)]
    assert f"hashes to network {other.id.hex()[:16]}…, not to the bundle's network {NET.hex()[:16]}…" in r.findings[0].reason
    # without a usable genesis, membership is said to be unverified rather than passed
    assert {(f.check, f.severity) for f in r.findings} == {("network", Severity.FAIL), ("membership", Severity.WARN)}
    rc, js = await audit_cli(tmp_path, data)
    assert rc == 1 and js["bundle"]["network"]["verdict"] == "fail"
    # a record signed for another network, in a bundle whose genesis is right
    stray = Log(C, net=other.id)
    stray.add(1, "territory.profile")
    r = audit(bundle(a, b, stray))
    assert ("network", C.public_key, 1, stray.records[0].id) in fails(r)


def test_replay_is_deterministic() -> None:
    a, b = founders()
    c = Log(C)
    c.add(2, "note")
    c.add(2, "note")
    data = bundle(a, b, c)
    assert [f.to_json() for f in audit(data).findings] == [f.to_json() for f in audit(data).findings]


def test_one_territory_bundle_warns_instead_of_failing() -> None:
    a, b = founders()
    c = Log(C)
    c.add(2, "territory.profile")
    a.add(3, "member.endorse", {"candidate": C.public_key})
    b.add(4, "member.endorse", {"candidate": C.public_key})
    c.add(5, "note")
    # C's log alone: the endorsements are in A's and B's logs, so the audit cannot see the admission
    data = build_bundle(A, NET, T0, [c.spec()], GENESIS.to_map(), scope="author:" + C.public_key.hex())
    r = audit(data)
    assert r.ok and [(f.check, f.severity, f.seq) for f in r.findings] == [
        ("membership", Severity.WARN, 1), ("membership", Severity.WARN, 2)]
    assert "the votes may be in other logs" in r.findings[0].reason
