"""Pactes 21 recomputed from each territory's `pacte.*` records, not taken from any node's tables.

Each record is applied to the fold (`protocol.pacte`) in log order, exactly as nodes do; a record
the fold refuses (illegal transition, non-partner, frozen evaluation, bad credential...) is a
finding. An evaluation's counted figures (met, missed, planned budget) are compared with what the
fold says at that point of the log, since the node wrote them from that same state.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from protocol.audit.context import AuditContext, Checker
from protocol.audit.findings import Finding
from protocol.errors import ProtocolError
from protocol.pacte import Book, CommitmentState, Entry, apply
from protocol.pacte_bodies import TaskForceResult
from protocol.record import SignedRecord

NAME = "pacte"


def _by_author(records: Sequence[SignedRecord]) -> dict[bytes, list[SignedRecord]]:
    out: dict[bytes, list[SignedRecord]] = {}
    for r in records:
        out.setdefault(r.author, []).append(r)
    for recs in out.values():
        recs.sort(key=lambda r: r.seq)
    return out


def check_pacts(ctx: AuditContext, records: Sequence[SignedRecord]) -> Iterable[Finding]:
    for author, recs in _by_author(records).items():
        book = Book(author)
        for r in recs:
            entry = Entry(r.id, r.record.ts, r.record.kind, r.record.body)
            if r.record.kind == "pacte.evaluation":
                yield from _evaluation_figures(book, r)
            try:
                apply(book, entry)
            except ProtocolError as exc:
                yield Finding(NAME, f"{r.record.kind} record {r.seq} breaks the pact rules: {exc.message}", author, r.seq, r.id)


def _evaluation_figures(book: Book, r: SignedRecord) -> Iterable[Finding]:
    body = r.record.body
    pact = book.pacts.get(body["pacte"])
    if pact is None:
        return  # the fold names the missing pact
    for m in body["taskforces"]:
        try:
            line = TaskForceResult.from_map(m)
        except ProtocolError:
            return  # the fold names the malformed line
        if line.taskforce not in pact.taskforces:
            return
        states = [c.state for c in pact.commitments.values() if c.taskforce == line.taskforce]
        planned = pact.planned_cents(line.taskforce, body["year"]) if body["year"] in pact.years else 0
        met, missed = states.count(CommitmentState.MET), states.count(CommitmentState.MISSED)
        if (line.met, line.missed, line.planned_cents) != (met, missed, planned):
            yield Finding(
                NAME,
                f"evaluation record {r.seq} ({body['year']}) claims for task force {line.taskforce.hex()[:16]}… "
                f"{line.met} met, {line.missed} missed, {line.planned_cents} cents planned; the pact's records "
                f"give {met} met, {missed} missed, {planned} cents planned",
                r.author, r.seq, r.id,
            )


CHECKERS = (
    Checker("pacte.", NAME, check_pacts, "each pact's state recomputed from its records (task forces, commitments, evaluations)"),
)
