"""The audit engine on bundles built in memory: clean passes, each tampering is named precisely."""

from __future__ import annotations

import hypothesis.strategies as st
from hypothesis import given, settings

from protocol import encoding, merkle
from protocol.audit.build import LogSpec, build_bundle
from protocol.audit.bundle import MAGIC, BundleWriter, parse
from protocol.audit.context import Checker, Hook
from protocol.audit.engine import audit
from protocol.audit.findings import Finding, Report, Severity
from protocol.audit.logs import roots_at
from protocol.checkpoint import Checkpoint, sign_checkpoint
from protocol.fork import make_fork_proof
from protocol.network import OPEN_NETWORK_GENESIS, OPEN_NETWORK_ID
from protocol.record import Record, SignedRecord, sign_record
from tests.protocol.audit_logs import T0, checkpoints, ident, signed_log, spec

A, B, W = ident("a"), ident("b"), ident("witness")


def bundle(*logs: LogSpec, forks=(), genesis=OPEN_NETWORK_GENESIS) -> bytes:
    return build_bundle(A, OPEN_NETWORK_ID, T0, list(logs), genesis, forks)


def fails(report: Report) -> list[tuple[str, bytes | None, int | None]]:
    return [(f.check, f.territory, f.seq) for f in report.findings if f.severity is Severity.FAIL]


def test_clean_bundle_passes_every_check() -> None:
    data = bundle(spec(A, signed_log(A, 12), W), spec(B, signed_log(B, 5)))
    r = audit(data)
    assert r.ok, [f.to_json() for f in r.findings]
    assert r.records == 17 and set(r.territories) == {A.public_key, B.public_key}
    ta = r.territories[A.public_key]
    assert ta.checked["signature"] == 12 and ta.checked["witness"] == 1
    assert ta.checked["consistency"] == 5  # checkpoints 1, 2, 4, 8 and 12 kept, each checked against the one before
    assert r.to_json()["verdict"] == "pass"


def test_removed_middle_record_is_named() -> None:
    recs = signed_log(A, 10)
    s = spec(A, recs)
    data = bundle(LogSpec(A.public_key, recs[:4] + recs[5:], s.checkpoints))
    r = audit(data)
    assert not r.ok
    assert ("completeness", A.public_key, 5) in fails(r)
    assert any(f.check == "completeness" and "record 5 is missing" in f.reason for f in r.findings)


def test_rewritten_history_same_seq_new_content() -> None:
    recs = signed_log(A, 8)
    cps = checkpoints(A, recs)
    forged = sign_record(A, Record(1, OPEN_NETWORK_ID, A.public_key, 4, recs[2].id, T0, "note", {"text": "rewritten"}))
    data = bundle(LogSpec(A.public_key, recs[:3] + [forged] + recs[4:], cps))
    r = audit(data)
    got = fails(r)
    assert ("chain", A.public_key, 5) in got  # record 5 no longer chains to the new record 4
    assert ("checkpoint", A.public_key, 4) in got  # the root signed at size 4 no longer matches
    assert not any(c == "signature" for c, _, _ in got)  # every signature is still valid


def test_inconsistent_checkpoint() -> None:
    recs = signed_log(A, 8)
    cps = checkpoints(A, recs)
    other = signed_log(A, 8)[:4] + signed_log(A, 4, start=5, prev=b"\x07" * 32)
    # the author signs a checkpoint at size 8 over another history than the one at size 4
    bad = sign_checkpoint(A, Checkpoint(OPEN_NETWORK_ID, A.public_key, 8, merkle.root_of([x.id for x in other]), T0))
    data = bundle(LogSpec(A.public_key, recs, [*cps[:7], bad]))
    r = audit(data)
    got = fails(r)
    assert ("consistency", A.public_key, 8) in got and ("checkpoint", A.public_key, 8) in got


def test_forged_fork_proof_fails_and_real_fork_warns() -> None:
    recs = signed_log(A, 3)
    twin = sign_record(A, Record(1, OPEN_NETWORK_ID, A.public_key, 3, recs[1].id, T0, "note", {"text": "other"}))
    real = make_fork_proof(recs[2], twin).to_wire()
    forged = dict(real)
    forged["b"] = [real["b"][0], bytes(64)]
    r = audit(bundle(spec(A, recs), forks=[real, forged]))
    forks = [f for f in r.findings if f.check == "fork"]
    assert any("forged" in f.reason and f.severity is Severity.FAIL for f in forks)
    proven = [f for f in forks if f.severity is Severity.WARN]
    assert [(f.territory, f.seq) for f in proven] == [(A.public_key, 3)]
    assert "equivocation proven, author frozen" in proven[0].reason and "the proof checks" in proven[0].reason
    assert r.territories[A.public_key].frozen
    # the valid proof alone: evidence the network worked, a warning that fails only in strict mode
    r = audit(bundle(spec(A, recs), forks=[real]))
    assert r.ok and r.to_json()["territories"][0]["frozen"] is True
    strict = audit(bundle(spec(A, recs), forks=[real]), strict=True)
    assert not strict.ok and strict.to_json()["territories"][0]["verdict"] == "fail"
    # a forged proof against a territory without a log in the bundle still gets its own section
    lone = dict(forged, author=B.public_key)
    r = audit(bundle(spec(A, recs), forks=[lone]))
    assert r.to_json()["territories"][-1 if B.public_key > A.public_key else 0]["verdict"] == "fail"


def test_two_histories_in_the_log_pass_only_with_their_proof() -> None:
    recs = signed_log(A, 4)
    twin = sign_record(A, Record(1, OPEN_NETWORK_ID, A.public_key, 4, recs[2].id, T0, "note", {"text": "other face"}))
    both = LogSpec(A.public_key, [*recs, twin], checkpoints(A, recs))
    assert ("history", A.public_key, 4) in fails(audit(bundle(both)))
    r = audit(bundle(both, forks=[make_fork_proof(recs[3], twin).to_wire()]))
    # (build_bundle declares 5 records for this log, so only 'completeness' still fails)
    assert {c for c, _, _ in fails(r)} == {"completeness"}, [f.to_json() for f in r.findings]
    assert any(f.check == "history" and f.severity is Severity.WARN and "fork proof" in f.reason for f in r.findings)
    # a proof about another seq does not excuse the two records at seq 4
    other = sign_record(A, Record(1, OPEN_NETWORK_ID, A.public_key, 2, recs[0].id, T0, "note", {"text": "x"}))
    r = audit(bundle(both, forks=[make_fork_proof(recs[1], other).to_wire()]))
    assert ("history", A.public_key, 4) in fails(r)


def test_fork_evidence_checker_is_registered() -> None:
    recs = signed_log(A, 1)
    ev = sign_record(A, Record(1, OPEN_NETWORK_ID, A.public_key, 2, recs[0].id, T0, "evidence.fork",
                               {"author": B.public_key, "seq": 1, "ids": [bytes(32), b"\x01" * 32]}))
    r = audit(bundle(spec(A, [*recs, ev])))
    assert ("fork_evidence", A.public_key, 2) in fails(r)


def test_wrong_genesis_and_wrong_network() -> None:
    r = audit(bundle(spec(A, signed_log(A, 2)), genesis={"name": "another", "v": 1}))
    assert ("network", None, None) in fails(r)
    other_net = b"\x05" * 32
    recs = signed_log(A, 2, net=other_net)
    r = audit(bundle(LogSpec(A.public_key, recs, [])))
    assert ("network", A.public_key, 1) in fails(r)


def test_record_from_another_log_and_bad_cosignature() -> None:
    mine = signed_log(A, 3)
    theirs = signed_log(B, 3)
    s = spec(A, mine, W)
    r = audit(bundle(LogSpec(A.public_key, [*mine[:2], theirs[2]], s.checkpoints, s.cosigs)))
    got = fails(r)
    assert ("signature", A.public_key, 3) in got  # B's key signed it, not A's
    bad_cos = {k: [type(c)(c.witness, c.checkpoint_id, c.ts + 1, c.sig) for c in v] for k, v in s.cosigs.items()}
    r = audit(bundle(LogSpec(A.public_key, mine, s.checkpoints, bad_cos)))
    assert ("witness", A.public_key, 3) in fails(r)


def test_garbage_and_truncation_never_raise() -> None:
    data = bundle(spec(A, signed_log(A, 3)))
    for bad in (b"", b"hello", MAGIC, data[: len(data) // 2], data + b"\x00", MAGIC + encoding.encode([1, 2])):
        r = audit(bad)
        assert not r.ok


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_any_flipped_bit_fails(data: st.DataObject) -> None:
    clean = _CLEAN
    pos = data.draw(st.integers(0, len(clean) - 1))
    bit = data.draw(st.integers(0, 7))
    b = bytearray(clean)
    b[pos] ^= 1 << bit
    assert not audit(bytes(b)).ok


_CLEAN = bundle(spec(A, signed_log(A, 6), W), spec(B, signed_log(B, 2, kind="territory.profile")))


def test_registered_checkers_hooks_and_disclosures() -> None:

    w_spec = spec(A, signed_log(A, 4))
    # add a disclosure frame to a clean bundle, resealed by the exporter itself
    frames = [f.value for f in parse(bundle(w_spec)).frames]
    w = BundleWriter()
    h = frames[0]
    parts = [w.start(h["net"], h["exporter"], h["created"], h["genesis"], h["scope"])]
    parts += [w.frame(f) for f in frames[1:]]
    parts.append(w.disclosure("test.count", A.public_key, {"count": 5}))
    data = b"".join([*parts, w.end(A)])

    seen: list[int] = []

    def count_notes(ctx, records):
        seen.extend(r.seq for r in records)
        if len(records) != 3:
            yield Finding("notes", f"expected 3 notes, found {len(records)}", records[0].author, records[-1].seq)

    def check_count(ctx, d):
        if d.data["count"] != len(ctx.logs[d.territory]):
            yield Finding("disclosure", "the disclosed count does not match the log", d.territory)

    r = audit(data, checkers=(Checker("note", "notes", count_notes, "three notes"),), disclosures={"test.count": check_count},
              hooks=(Hook("note", "notes", "covered"), Hook("not", "future", "a future check")))
    assert seen == [1, 2, 3, 4]
    got = fails(r)
    assert ("notes", A.public_key, 4) in got and ("disclosure", A.public_key, None) in got
    warns = [(f.check, f.territory) for f in r.findings if f.severity is Severity.WARN]
    assert warns == [("future", A.public_key)]  # the 'notes' hook is covered by a registered checker
    assert r.territories[A.public_key].checked["notes"] == 4
    # the default registry has no checker for this scheme: a warning, never a silent pass
    default = audit(data)
    assert default.ok and any(f.check == "disclosure" and f.severity is Severity.WARN for f in default.findings)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 300), st.lists(st.integers(0, 300), max_size=8))
def test_roots_at_matches_rfc6962_root(n: int, sizes: list[int]) -> None:
    leaves = [bytes([i % 256, i // 256]) * 16 for i in range(n)]
    got = roots_at(leaves, sizes)
    for s in sizes:
        if 0 < s <= n:
            assert got[s] == merkle.root_of(leaves[:s])


def test_two_records_at_one_seq_and_out_of_order() -> None:
    recs = signed_log(A, 5)
    twin = sign_record(A, Record(1, OPEN_NETWORK_ID, A.public_key, 3, recs[1].id, T0, "note", {"text": "twin"}))
    r = audit(bundle(LogSpec(A.public_key, [*recs[:3], twin, *recs[3:]], checkpoints(A, recs))))
    assert ("history", A.public_key, 3) in fails(r)
    r = audit(bundle(LogSpec(A.public_key, [recs[0], recs[2], recs[1], *recs[3:]], checkpoints(A, recs))))
    assert ("chain", A.public_key, 2) in fails(r)
    assert r.territories[A.public_key].checked["signature"] == 5


def test_a_huge_seq_in_a_record_whose_signature_fails_is_bounded() -> None:
    """A 2^62 seq must not make the completeness check step one by one up to it (it never ended)."""
    import signal

    recs = signed_log(A, 3)
    far = sign_record(A, Record(1, OPEN_NETWORK_ID, A.public_key, 2**62, recs[2].id, T0, "note", {"text": "x"}))
    forged = SignedRecord(far.raw, bytes(64), far.id, far.record)  # the signature does not verify
    data = bundle(LogSpec(A.public_key, recs + [forged], checkpoints(A, recs)))
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError("the audit spins on a huge seq")))
    signal.alarm(20)
    try:
        r = audit(data)
    finally:
        signal.alarm(0)
    assert not r.ok
    assert ("signature", A.public_key, 2**62) in fails(r)
    assert any(f.check == "completeness" and "records 4-" in f.reason for f in r.findings)
