"""The coresponsibility fund recomputed from its signed records and the member set of the bundle.

The fold (`protocol.fund.fold`) gives what nodes show; the audit then checks what the fold does
not refuse by itself: records by non-members (silently ignored by nodes), approvals of unknown
requests or of another slot, members approving two requests for one slot, a grant acknowledged as
received without a > 2/3 quorum, and certified grants exceeding what was contributed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from protocol import fund as rules
from protocol.audit.context import AuditContext, Checker
from protocol.audit.findings import Finding, Severity
from protocol.audit.members import final_membership, members_of, territory_entries
from protocol.coop import format_cents
from protocol.record import SignedRecord

NAME = "fund"


def _short(b: bytes) -> str:
    return b.hex()[:16] + "…"


def fund_states(ctx: AuditContext, records: Sequence[SignedRecord]) -> dict[bytes, rules.FundState]:
    """Every fund opened by a member, folded as a node folds it (also used by the report)."""
    members = members_of(ctx)
    entries = territory_entries(ctx, records)
    return {e.id: rules.fold(e, entries, members) for e in entries if e.kind == "fund.create" and e.author in members}


def check_funds(ctx: AuditContext, records: Sequence[SignedRecord]) -> Iterable[Finding]:
    if ctx.partial:
        # the fund lives in every member's log: one territory's log cannot add up to it
        counts: dict[bytes, int] = {}
        for r in records:
            counts[r.author] = counts.get(r.author, 0) + 1
        for author, n in sorted(counts.items()):
            yield Finding(NAME, f"{n} fund record(s) not recomputed: this bundle holds one territory's log only "
                          "(export without --author to audit the fund)", author, severity=Severity.WARN)
        return
    members = members_of(ctx)
    current = final_membership(ctx).current
    states = fund_states(ctx, records)
    by_id = {r.id: r for r in records}
    for r in records:
        kind, body = r.record.kind, r.record.body
        if current(r.author) not in members:
            yield _at(by_id, r.id, "its author is not a member of the network at the end of the bundle (in the open network: no territory profile in the bundle); nodes ignore it")
        elif kind != "fund.create" and body["fund"] not in states:
            yield _at(by_id, r.id, f"it cites fund {_short(body['fund'])} that the bundle does not hold (or that a non-member opened)")
    for st in states.values():
        yield from _check_state(st, by_id)


def _at(by_id: dict[bytes, SignedRecord], rid: bytes, reason: str, severity: Severity = Severity.FAIL) -> Finding:
    r = by_id[rid]
    return Finding(NAME, f"{r.record.kind} record {r.seq}: {reason}", r.author, r.seq, r.id, severity)


def _check_state(st: rules.FundState, by_id: dict[bytes, SignedRecord]) -> Iterable[Finding]:
    for rid, r in by_id.items():
        body = r.record.body
        if r.record.kind != "fund.approve" or body["fund"] != st.id or r.author not in st.members:
            continue
        req = st.requests.get(body["request"])
        if req is None:
            yield _at(by_id, rid, f"it approves request {_short(body['request'])} that this fund does not hold")
        elif req.nonce != body["nonce"]:
            yield _at(by_id, rid, f"it approves request {_short(req.id)} for slot {body['nonce']}, but that request is for slot {req.nonce}")
    for eq in st.equivocations:
        last = max(eq.approvals, key=lambda a: by_id[a].seq)  # the one that broke the promise
        yield _at(by_id, last, f"member {_short(eq.member)} approved {len(eq.requests)} different requests for slot "
                 f"{eq.nonce} of the fund: an honest member approves one request per slot")
    for slot in sorted(set(st.conflicts)):
        yield _at(by_id, st.certified[slot].id, f"slot {slot} of the fund has two certified grants: more than a third of the "
                 "members approved conflicting requests")
    for rid, r in by_id.items():
        body = r.record.body
        if r.record.kind != "fund.ack" or body["fund"] != st.id or r.author not in st.members:
            continue
        req = st.requests.get(body["request"])
        if req is None:
            yield _at(by_id, rid, f"it acknowledges request {_short(body['request'])} that this fund does not hold")
        elif req.author != r.author:
            yield _at(by_id, rid, "only the requester acknowledges receiving its grant")
        elif not st.is_certified(req.id):
            n = len(st.approvers.get(req.id, ()))
            yield _at(by_id, rid, f"it acknowledges receiving {format_cents(req.amount)} {st.currency} for request "
                     f"{_short(req.id)} that was never certified: {n} of {len(st.members)} members approved it, "
                     f"{st.quorum} needed (more than 2/3)")
    granted = 0
    first_gap = st.next_slot()  # bounded by the grants held, not by a signed slot number
    for slot, req in sorted(st.certified.items()):
        if first_gap < slot:
            yield _at(by_id, req.id, f"slot {slot} is certified but slot {first_gap} has no certified grant in the bundle: "
                     "approvals may be missing from it", Severity.WARN)
        granted += req.amount
        if granted > st.total_contributed:
            yield _at(by_id, req.id, f"certified grants reach {format_cents(granted)} {st.currency} at slot {slot}, more than the "
                     f"{format_cents(st.total_contributed)} {st.currency} contributed to the fund")


CHECKERS = (
    Checker("fund.", NAME, check_funds, "the fund's balances recomputed from pledges, contributions and certified grants (> 2/3 approvals)"),
)
