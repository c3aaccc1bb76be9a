"""Checks on one territory's log: signatures, encoding, chain, completeness, checkpoints, witnesses.

Every record is verified on its exact bytes before anything in it is believed. Chain fields are
still read from records that fail their schema, so one bad record does not hide the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from protocol import encoding, merkle
from protocol.audit.findings import Check, Event, Report, TerritoryReport
from protocol.checkpoint import SignedCheckpoint, open_checkpoint, open_cosignature
from protocol.errors import ProtocolError
from protocol.identity import SIG_BYTES, Domain, verify
from protocol.merkle import verify_consistency
from protocol.record import GENESIS_PREV, ID_BYTES, MAX_RECORD_BYTES, Record, SignedRecord, record_id


@dataclass(frozen=True, slots=True)
class CheckpointFrame:
    wire: Any
    cosigs: Any
    proof: Any


@dataclass(frozen=True, slots=True)
class LogInput:
    author: bytes
    declared: int
    items: Sequence[Any]
    checkpoints: Sequence[CheckpointFrame]


@dataclass(frozen=True, slots=True)
class LogResult:
    records: list[SignedRecord]  # verified, schema-valid, in seq order
    checkpoints: list[SignedCheckpoint]


def _short(b: bytes) -> str:
    return b.hex()[:16]


def audit_log(report: Report, net: bytes | None, log: LogInput) -> LogResult:
    author = log.author
    t = report.territory(author)
    t.declared = log.declared
    ids: dict[int, bytes] = {}
    prevs: dict[int, bytes] = {}
    good: dict[int, SignedRecord] = {}
    last_seq = 0
    for item in log.items:
        rec = _audit_record(report, t, net, author, item, ids, prevs)
        if rec is None:
            continue
        seq, signed = rec
        if seq <= last_seq:
            report.fail(Check.CHAIN, f"record {seq} comes after record {last_seq}: records are out of order", author, seq)
        last_seq = max(last_seq, seq)
        if signed is not None:
            good[seq] = signed
    _check_links(report, t, author, ids, prevs)
    prefix = _check_complete(report, t, author, ids, log.declared)
    leaves = [ids[s] for s in range(1, prefix + 1)]
    cps = _check_checkpoints(report, t, net, author, log.checkpoints, leaves, max(ids, default=0))
    records = [good[s] for s in sorted(good)]
    for r in records:
        if r.record.kind == "territory.profile" and isinstance(r.record.body.get("name"), str):
            t.name = r.record.body["name"][:200]
    t.size = len(ids)
    return LogResult(records, cps)


def _audit_record(
    report: Report, t: TerritoryReport, net: bytes | None, author: bytes, item: Any,
    ids: dict[int, bytes], prevs: dict[int, bytes],
) -> tuple[int, SignedRecord | None] | None:
    """Check one [raw, sig] item and place it in `ids`/`prevs`: its seq, and the record if every check passed."""
    if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], bytes) and isinstance(item[1], bytes)):
        report.fail(Check.ENCODING, "a record in the bundle is not [raw bytes, signature]", author)
        return None
    raw, sig = item
    rid = record_id(raw)
    m: Any = None
    enc_error = ""
    try:
        m = encoding.decode(raw, MAX_RECORD_BYTES)
    except ProtocolError as exc:
        enc_error = exc.message
    seq = m.get("seq") if isinstance(m, dict) else None
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        seq = None
    ok = _signature_ok(report, t, author, seq, rid, sig)
    t.count(Check.ENCODING)
    if enc_error:
        report.fail(Check.ENCODING, f"the record's bytes are not a canonical record: {enc_error}", author, seq, rid)
        t.timeline.append(Event(seq or 0, 0, "?", False))
        return None
    if seq is None:
        report.fail(Check.SCHEMA, "the record has no valid 'seq': its place in the log is unknown", author, None, rid)
        return None
    signed = _check_fields(report, t, net, author, seq, m, raw, sig, rid)
    ok = ok and signed is not None
    if not _place(report, author, seq, rid, m.get("prev"), ids, prevs):
        return None
    ts = m.get("ts") if isinstance(m.get("ts"), int) else 0
    kind = m.get("kind") if isinstance(m.get("kind"), str) else "?"
    t.timeline.append(Event(seq, ts, kind[:64], ok))
    return seq, (signed if ok else None)


def _signature_ok(report: Report, t: TerritoryReport, author: bytes, seq: int | None, rid: bytes, sig: bytes) -> bool:
    t.count(Check.SIGNATURE)
    try:
        if len(sig) != SIG_BYTES:
            raise ProtocolError("a record signature is 64 bytes")
        verify(author, Domain.RECORD, rid, sig)
    except ProtocolError:
        report.fail(Check.SIGNATURE, "the signature does not verify on the record's exact bytes: the record or its "
                    "signature was changed, or another key signed it", author, seq, rid)
        return False
    return True


def _check_fields(
    report: Report, t: TerritoryReport, net: bytes | None, author: bytes, seq: int, m: dict[str, Any],
    raw: bytes, sig: bytes, rid: bytes,
) -> SignedRecord | None:
    """Schema, author and network of a decoded record: the record when all three hold (each failure is reported)."""
    t.count(Check.SCHEMA)
    signed: SignedRecord | None = None
    ok = True
    try:
        signed = SignedRecord(raw, sig, rid, Record.from_map(m))
    except ProtocolError as exc:
        ok = False
        report.fail(Check.SCHEMA, f"record {seq} is not a valid record: {exc.message}", author, seq, rid)
    claimed = m.get("author")
    if claimed != author:
        ok = False
        report.fail(Check.CHAIN, f"record {seq} names another author ({_short(claimed) if isinstance(claimed, bytes) else '?'}) "
                    "than the log it is in: a record from another log", author, seq, rid)
    if net is not None:
        t.count(Check.NETWORK)
        if m.get("net") != net:
            ok = False
            report.fail(Check.NETWORK, f"record {seq} belongs to another network than the bundle's", author, seq, rid)
    return signed if ok else None


def _place(report: Report, author: bytes, seq: int, rid: bytes, prev: Any,
           ids: dict[int, bytes], prevs: dict[int, bytes]) -> bool:
    """Note the record's id and 'prev' at its seq; False when the seq is taken (a duplicate or another history)."""
    if seq in ids:
        if ids[seq] == rid:
            report.fail(Check.HISTORY, f"record {seq} appears twice in the bundle", author, seq, rid)
        else:
            report.fail(Check.HISTORY, f"two different records at seq {seq} ({_short(ids[seq])}… and {_short(rid)}…): "
                        "the history was rewritten or the author forked", author, seq, rid)
        return False
    ids[seq] = rid
    prevs[seq] = prev if isinstance(prev, bytes) and len(prev) == ID_BYTES else b""
    return True


def _check_links(report: Report, t: TerritoryReport, author: bytes, ids: dict[int, bytes], prevs: dict[int, bytes]) -> None:
    for seq in sorted(ids):
        t.count(Check.CHAIN)
        prev = prevs[seq]
        if seq == 1:
            if prev != GENESIS_PREV:
                report.fail(Check.CHAIN, "record 1 must have the all-zero 'prev'", author, 1, ids[1])
            continue
        before = ids.get(seq - 1)
        if before is not None and prev != before:
            report.fail(
                Check.CHAIN,
                f"record {seq} does not chain: its 'prev' is not the id of record {seq - 1} in the bundle "
                f"({_short(prev)}… vs {_short(before)}…): record {seq - 1} was rewritten (same seq, new content) "
                f"or record {seq} comes from another history",
                author, seq, ids[seq],
            )


def _check_complete(report: Report, t: TerritoryReport, author: bytes, ids: dict[int, bytes], declared: int) -> int:
    """Report gaps and size mismatches; return the length of the gap-free prefix 1..n."""
    top = max(ids, default=0)
    t.count(Check.COMPLETENESS)
    # walk the seqs held, not the integers up to the largest: a bundle can claim seq 2^62 in a
    # record whose signature failed, and stepping one by one to it would never end
    prefix = 0
    expected = 1
    for seq in sorted(ids):
        if seq > expected:
            what = f"record {expected} is" if seq - 1 == expected else f"records {expected}-{seq - 1} are"
            report.fail(Check.COMPLETENESS, f"{what} missing: the log jumps from record {expected - 1} to record {seq}",
                        author, expected)
        elif prefix == seq - 1:
            prefix = seq
        expected = seq + 1
    if declared != top:
        report.fail(Check.COMPLETENESS, f"the exporter declared {declared} records for this log, the bundle holds "
                    f"records up to {top}", author)
    return prefix


def roots_at(leaves: Sequence[bytes], sizes: Sequence[int]) -> dict[int, bytes]:
    """RFC 6962 roots at each size in one pass: a stack of perfect subtrees, folded right to left."""
    wanted = sorted(set(s for s in sizes if 0 < s <= len(leaves)))
    out: dict[int, bytes] = {0: merkle.EMPTY_ROOT} if 0 in sizes else {}
    stack: list[tuple[int, bytes]] = []  # (height, hash)
    n = 0
    for size in wanted:
        while n < size:
            h = merkle.leaf_hash(leaves[n])
            height = 0
            while stack and stack[-1][0] == height:
                h = merkle.node_hash(stack.pop()[1], h)
                height += 1
            stack.append((height, h))
            n += 1
        root = stack[-1][1]
        for _, left in reversed(stack[:-1]):
            root = merkle.node_hash(left, root)
        out[size] = root
    return out


def _check_checkpoints(
    report: Report, t: TerritoryReport, net: bytes | None, author: bytes, frames: Sequence[CheckpointFrame],
    leaves: Sequence[bytes], top: int,
) -> list[SignedCheckpoint]:
    opened: list[tuple[SignedCheckpoint, CheckpointFrame]] = []
    for f in frames:
        t.count(Check.CHECKPOINT)
        try:
            w = f.wire
            if not (isinstance(w, list) and len(w) == 2):
                raise ProtocolError("a checkpoint is [raw, sig]")
            scp = open_checkpoint(w[0], w[1], author)
        except ProtocolError as exc:
            report.fail(Check.CHECKPOINT, f"a checkpoint does not verify: {exc.message}", author)
            continue
        if net is not None and scp.checkpoint.net != net:
            report.fail(Check.NETWORK, f"checkpoint at size {scp.checkpoint.size} belongs to another network", author)
        opened.append((scp, f))
    roots = roots_at(leaves, [s.checkpoint.size for s, _ in opened])
    prev: SignedCheckpoint | None = None
    last_good = 0
    for scp, f in opened:
        cp = scp.checkpoint
        if cp.size in roots:
            if roots[cp.size] == cp.root:
                last_good = cp.size
            else:
                report.fail(Check.CHECKPOINT,
                            f"the records 1-{cp.size} in the bundle do not hash to the root the author signed at size "
                            f"{cp.size}: one of records {last_good + 1}-{cp.size} was changed, removed or replaced",
                            author, cp.size)
        elif cp.size > top:
            report.fail(Check.CHECKPOINT, f"the author signed a checkpoint at size {cp.size} but the bundle holds records "
                        f"up to {top} only: records were left out", author, cp.size)
        else:
            report.fail(Check.CHECKPOINT, f"checkpoint at size {cp.size} cannot be checked: records before it are "
                        "missing", author, cp.size)
        _check_consistency(report, t, author, prev, scp, f.proof)
        _check_cosigs(report, t, author, scp, f.cosigs)
        prev = scp
    covered = max((s.checkpoint.size for s, _ in opened), default=0)
    if top > covered:
        report.warn(Check.CHECKPOINT, f"records {covered + 1}-{top} are not covered by a signed checkpoint in the bundle", author)
    return [s for s, _ in opened]


def _check_consistency(report: Report, t: TerritoryReport, author: bytes, prev: SignedCheckpoint | None,
                       scp: SignedCheckpoint, proof: Any) -> None:
    cp = scp.checkpoint
    if not (isinstance(proof, list) and all(isinstance(h, bytes) and len(h) == 32 for h in proof)):
        report.fail(Check.CONSISTENCY, f"the consistency proof for checkpoint {cp.size} is not a list of hashes", author, cp.size)
        return
    t.count(Check.CONSISTENCY)
    if prev is None:
        if proof:
            report.fail(Check.CONSISTENCY, f"the first checkpoint ({cp.size}) carries a proof from nothing", author, cp.size)
        return
    old = prev.checkpoint
    if cp.size <= old.size:
        if cp.size == old.size and cp.root != old.root:
            report.fail(Check.CONSISTENCY, f"two checkpoints at size {cp.size} with different roots: the author "
                        "signed two histories", author, cp.size)
        else:
            report.fail(Check.CONSISTENCY, f"checkpoint {cp.size} follows checkpoint {old.size}: checkpoints must grow",
                        author, cp.size)
        return
    try:
        verify_consistency(old.size, cp.size, old.root, cp.root, proof)
    except ProtocolError as exc:
        report.fail(Check.CONSISTENCY, f"checkpoint at size {cp.size} is not consistent with the checkpoint at size "
                    f"{old.size} (RFC 6962 proof: {exc.message})", author, cp.size)


def _check_cosigs(report: Report, t: TerritoryReport, author: bytes, scp: SignedCheckpoint, cosigs: Any) -> None:
    if not isinstance(cosigs, list):
        report.fail(Check.WITNESS, f"the cosignatures of checkpoint {scp.checkpoint.size} are not a list", author)
        return
    for w in cosigs:
        t.count(Check.WITNESS)
        try:
            c = open_cosignature(scp.id, w)
        except ProtocolError as exc:
            who = _short(w[0]) if isinstance(w, list) and w and isinstance(w[0], bytes) else "?"
            report.fail(Check.WITNESS, f"witness {who}…'s cosignature of checkpoint {scp.checkpoint.size} does not "
                        f"verify: {exc.message}", author, scp.checkpoint.size)
            continue
        if c.witness == author:
            report.warn(Check.WITNESS, f"checkpoint {scp.checkpoint.size} is cosigned by its own author: that proves nothing",
                        author)
