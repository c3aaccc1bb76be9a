"""The audit: parse a bundle, check every log, fork proof and disclosure, then run the area checkers.

`audit(data)` never raises on bad input: everything wrong becomes a finding naming the territory,
the record, the check and the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from protocol.audit import registry
from protocol.audit.bundle import Frame, parse
from protocol.audit.context import AuditContext, Checker, Disclosure, DisclosureCheck, Hook
from protocol.audit.findings import Check, Finding, Report, Severity
from protocol.audit.logs import CheckpointFrame, LogInput, LogResult, audit_log
from protocol.audit.summary import summarize
from protocol.checkpoint import SignedCheckpoint
from protocol.errors import ProtocolError
from protocol.fork import ForkProof, open_fork_proof
from protocol.network import network_id
from protocol.record import SignedRecord


def audit(
    data: bytes,
    checkers: Sequence[Checker] = registry.CHECKERS,
    disclosures: Mapping[str, DisclosureCheck] = registry.DISCLOSURES,
    hooks: Sequence[Hook] = registry.HOOKS,
    strict: bool = False,
) -> Report:
    report = Report(bytes_read=len(data), strict=strict)
    parsed = parse(data)
    report.count(Check.FORMAT, max(len(parsed.frames), 1))
    report.count(Check.INTEGRITY)
    for e in parsed.errors:
        report.fail(Check.FORMAT, e)
    for e in parsed.integrity:
        report.fail(Check.INTEGRITY, e)
    header = parsed.header or {}
    net = _read_header(report, header)
    genesis = _check_genesis(report, header, net)
    frames = _sort_frames(report, parsed.frames)
    results: dict[bytes, LogResult] = {}
    for author, declared in frames.declared.items():
        results[author] = audit_log(report, net, LogInput(author, declared, frames.items[author], frames.checkpoints[author]))
        report.records += report.territories[author].size
    forks = _check_forks(report, net, frames.fork_wires, results)
    _excuse_proven_histories(report, forks)
    logs: dict[bytes, Sequence[SignedRecord]] = {a: r.records for a, r in results.items()}
    checkpoints: dict[bytes, Sequence[SignedCheckpoint]] = {a: r.checkpoints for a, r in results.items()}
    ctx = AuditContext(net, genesis, logs, checkpoints, forks, frames.disclosures, report.scope or "all")
    _run_checkers(report, ctx, checkers, hooks)
    _run_disclosures(report, ctx, disclosures)
    _collect(report, "summary", lambda: _summarize(report, ctx))
    return report


def _read_header(report: Report, header: Mapping[str, Any]) -> bytes | None:
    """Copy what the header says about the bundle into the report; return its network id."""
    net = header.get("net") if isinstance(header.get("net"), bytes) else None
    exporter = header.get("exporter")
    report.net = net
    report.exporter = exporter if isinstance(exporter, bytes) else None
    created = header.get("created")
    report.created = created if isinstance(created, int) else 0
    scope = header.get("scope")
    report.scope = scope[:100] if isinstance(scope, str) else ""
    return net


@dataclass(slots=True)
class _Frames:
    """The bundle's frames sorted by territory, in the order they came."""

    declared: dict[bytes, int] = field(default_factory=dict)  # log frames: the size each log claims
    items: dict[bytes, list[Any]] = field(default_factory=dict)
    checkpoints: dict[bytes, list[CheckpointFrame]] = field(default_factory=dict)
    fork_wires: list[Any] = field(default_factory=list)
    disclosures: list[Disclosure] = field(default_factory=list)


def _sort_frames(report: Report, frames: Sequence[Frame]) -> _Frames:
    out = _Frames()
    for f in frames:
        v = f.value
        t = v["t"]
        if t == "header":
            continue
        if t == "fork":
            out.fork_wires.append(v["proof"])
            continue
        author = v.get("territory") if t == "disclosure" else v.get("author")
        if not (isinstance(author, bytes) and len(author) == 32):
            report.fail(Check.FORMAT, f"'{t}' frame at byte {f.offset} names no valid territory key")
        elif t == "log":
            if author in out.declared or not isinstance(v["size"], int):
                report.fail(Check.FORMAT, f"log frame at byte {f.offset} is repeated or has no size", author)
            out.declared[author] = v["size"] if isinstance(v["size"], int) else 0
            out.items.setdefault(author, [])
            out.checkpoints.setdefault(author, [])
        elif author not in out.declared:
            report.fail(Check.FORMAT, f"'{t}' frame at byte {f.offset} comes before its log frame", author)
        else:
            _add_frame(report, out, f, author)
    return out


def _add_frame(report: Report, out: _Frames, f: Frame, author: bytes) -> None:
    """A records, checkpoint or disclosure frame of a log already declared."""
    v, t = f.value, f.value["t"]
    if t == "records":
        if isinstance(v["items"], list):
            out.items[author].extend(v["items"])
        else:
            report.fail(Check.FORMAT, f"records frame at byte {f.offset} holds no list", author)
    elif t == "checkpoint":
        out.checkpoints[author].append(CheckpointFrame(v["cp"], v["cosigs"], v["proof"]))
    elif t == "disclosure":
        if isinstance(v["scheme"], str):
            out.disclosures.append(Disclosure(v["scheme"], author, v["data"]))
        else:
            report.fail(Check.FORMAT, f"disclosure frame at byte {f.offset} has no scheme", author)


def _summarize(report: Report, ctx: AuditContext) -> list[Finding]:
    report.derived = summarize(ctx)
    return []


def _check_genesis(report: Report, header: Mapping[str, Any], net: bytes | None) -> Mapping[str, Any] | None:
    report.count(Check.NETWORK)
    if not header:
        return None
    if net is None or len(net) != 32:
        report.fail(Check.NETWORK, "the bundle's header names no valid network id")
        return None
    genesis = header.get("genesis")
    if genesis is None:
        report.warn(Check.NETWORK, "the bundle carries no network genesis: the network id is taken on trust")
        return None
    if not isinstance(genesis, dict):
        report.fail(Check.NETWORK, "the bundle's genesis is not a map")
        return None
    try:
        actual = network_id(genesis)
    except ProtocolError as exc:
        report.fail(Check.NETWORK, f"the bundle's genesis cannot be hashed: {exc.message}")
        return None
    if actual != net:
        report.fail(Check.NETWORK, f"the genesis in the bundle hashes to network {actual.hex()[:16]}…, not to the "
                    f"bundle's network {net.hex()[:16]}…: it is another network's genesis or it was changed")
        return None
    return genesis


def _check_forks(report: Report, net: bytes | None, wires: Sequence[Any], logs: Mapping[bytes, LogResult]) -> list[ForkProof]:
    """A valid proof is the network doing its job: a warning that freezes the author, not a failure.

    A forged or damaged proof, or one from another network, fails: it accuses a territory falsely.
    """
    out: list[ForkProof] = []
    for w in wires:
        report.count(Check.FORK)
        try:
            proof = open_fork_proof(w)
        except ProtocolError as exc:
            who = w.get("author") if isinstance(w, dict) and isinstance(w.get("author"), bytes) else None
            report.fail(Check.FORK, f"a fork proof in the bundle is forged or damaged: {exc.message}", who)
            continue
        t = report.territory(proof.author)
        t.count(Check.FORK)
        if net is not None and (proof.a.record.net != net or proof.b.record.net != net):
            report.fail(Check.FORK, f"a fork proof at seq {proof.seq} holds records of another network than the bundle's",
                        proof.author, proof.seq)
            continue
        out.append(proof)
        t.frozen = True
        held = {r.seq: r.id for r in logs[proof.author].records} if proof.author in logs else {}
        side = held.get(proof.seq)
        which = ("one side is the record in this log" if side in (proof.a.id, proof.b.id)
                 else "neither side is the record in this log")
        report.warn(Check.FORK, f"equivocation proven, author frozen: the proof checks (both records carry this "
                    f"territory's valid signature at seq {proof.seq}: {proof.a.id.hex()[:16]}… and "
                    f"{proof.b.id.hex()[:16]}…); {which}", proof.author, proof.seq, proof.b.id)
    return out


def _excuse_proven_histories(report: Report, forks: Sequence[ForkProof]) -> None:
    """Two records at one seq are a failure unless a verified proof in the bundle names exactly them."""
    proven = {(p.author, p.seq): {p.a.id, p.b.id} for p in forks}
    for i, f in enumerate(report.findings):
        ids = proven.get((f.territory or b"", f.seq or 0))
        if f.check == Check.HISTORY and f.severity is Severity.FAIL and ids is not None and f.record_id in ids:
            report.findings[i] = replace(f, severity=Severity.WARN,
                                         reason=f.reason + "; the fork proof in the bundle covers it (author frozen)")


def _run_checkers(report: Report, ctx: AuditContext, checkers: Sequence[Checker], hooks: Sequence[Hook]) -> None:
    records = list(ctx.all_records())
    for c in checkers:
        chosen = [r for r in records if c.selects(r.record.kind)]
        if not chosen:
            continue
        for r in chosen:
            report.territory(r.author).count(c.name)
        _collect(report, c.name, lambda c=c, chosen=chosen: c.run(ctx, chosen))
    names = {c.name for c in checkers}
    for h in hooks:
        if h.name in names:
            continue
        counts: dict[bytes, int] = {}
        for r in records:
            if r.record.kind.startswith(h.prefix):
                counts[r.author] = counts.get(r.author, 0) + 1
        for author, n in sorted(counts.items()):
            report.warn(h.name, f"{n} record(s) not verified for {h.doc}: no checker is registered in this version", author)


def _run_disclosures(report: Report, ctx: AuditContext, checks: Mapping[str, DisclosureCheck]) -> None:
    for d in ctx.disclosures:
        report.territory(d.territory).count(Check.DISCLOSURE)
        fn = checks.get(d.scheme)
        if fn is None:
            report.warn(Check.DISCLOSURE, f"a '{d.scheme[:40]}' disclosure is not verified: no checker for this scheme",
                        d.territory)
            continue
        _collect(report, Check.DISCLOSURE, lambda fn=fn, d=d: fn(ctx, d))


def _collect(report: Report, name: str, run: Any) -> None:
    # a checker that breaks on hostile content is a finding against the content, not a crash
    try:
        for f in run():
            report.add(f)
    except (ProtocolError, KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        report.add(Finding(name, f"checker '{name}' could not complete: {type(exc).__name__}", severity=Severity.FAIL))
