"""The coresponsibility fund: a deterministic fold over fund records and the honest approval rule.

Grants are numbered slots: request `nonce` k asks for slot k of the fund. A member signs at most
one approval per (fund, nonce); a request approved by more than 2/3 of the members is a certified
grant. An honest member approves slot k only when it knows the certified grants of every earlier
slot and the contributions it knows cover them plus this request. Two quorums of more than 2/3
share more than 1/3 of the members, so while fewer than 1/3 misbehave each slot has at most one
certified grant, and every certified slot k had an honest approver that counted slots 1..k-1:
the certified grants never exceed the contributions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from protocol.coop import Entry, canonical, format_cents
from protocol.errors import ErrorCode, ProofError, ProtocolError, RecordError
from protocol.record import SignedRecord, open_record

MS_PER_MINUTE = 60_000


def quorum(members: int) -> int:
    """The smallest count that is more than two thirds of `members`."""
    return members * 2 // 3 + 1


@dataclass(frozen=True, slots=True)
class Request:
    id: bytes
    author: bytes
    nonce: int
    amount: int
    purpose: str
    target: bytes | None
    ts: int


@dataclass(frozen=True, slots=True)
class Equivocation:
    member: bytes
    nonce: int
    approvals: tuple[bytes, ...]  # ids of the conflicting approval records
    requests: tuple[bytes, ...]


@dataclass(slots=True)
class FundState:
    id: bytes
    name: str
    currency: str
    expiry_minutes: int
    creator: bytes
    members: frozenset[bytes]
    pledged: dict[bytes, int] = field(default_factory=dict)
    contributed: dict[bytes, int] = field(default_factory=dict)
    requests: dict[bytes, Request] = field(default_factory=dict)
    approvers: dict[bytes, set[bytes]] = field(default_factory=dict)  # request id -> approving members
    approval_ids: dict[bytes, dict[bytes, bytes]] = field(default_factory=dict)  # request id -> member -> record id
    certified: dict[int, Request] = field(default_factory=dict)  # slot -> its certified grant
    acked: set[bytes] = field(default_factory=set)
    equivocations: list[Equivocation] = field(default_factory=list)
    conflicts: list[int] = field(default_factory=list)  # slots with two certified requests (> 1/3 misbehaved)

    @property
    def quorum(self) -> int:
        return quorum(len(self.members))

    @property
    def total_contributed(self) -> int:
        return sum(self.contributed.values())

    @property
    def total_granted(self) -> int:
        return sum(r.amount for r in self.certified.values())

    @property
    def total_paid(self) -> int:
        return sum(r.amount for r in self.certified.values() if r.id in self.acked)

    @property
    def available(self) -> int:
        return self.total_contributed - self.total_granted

    def is_certified(self, request_id: bytes) -> bool:
        r = self.requests.get(request_id)
        return r is not None and self.certified.get(r.nonce) == r

    def next_slot(self) -> int:
        k = 1
        while k in self.certified:
            k += 1
        return k

    def pending(self) -> list[Request]:
        return sorted((r for r in self.requests.values() if not self.is_certified(r.id)), key=lambda r: (r.nonce, r.id))

    def expired(self, r: Request, now_ms: int) -> bool:
        return now_ms > r.ts + self.expiry_minutes * MS_PER_MINUTE

    def summary(self) -> dict[str, Any]:
        """Figures per member and in total (cents), comparable across nodes."""
        granted: dict[bytes, int] = {}
        paid: dict[bytes, int] = {}
        for r in self.certified.values():
            granted[r.author] = granted.get(r.author, 0) + r.amount
            if r.id in self.acked:
                paid[r.author] = paid.get(r.author, 0) + r.amount
        per = {
            m: {
                "pledged": self.pledged.get(m, 0),
                "contributed": self.contributed.get(m, 0),
                "granted": granted.get(m, 0),
                "paid": paid.get(m, 0),
            }
            for m in sorted(self.members | set(self.pledged) | set(self.contributed))
        }
        return {
            "members": per,
            "total": {
                "pledged": sum(self.pledged.values()),
                "contributed": self.total_contributed,
                "granted": self.total_granted,
                "paid": self.total_paid,
                "available": self.available,
            },
            "certified": {k: r.id for k, r in sorted(self.certified.items())},
            "pending": [(r.id, r.nonce, sorted(self.approvers.get(r.id, set()))) for r in self.pending()],
            "equivocations": [(e.member, e.nonce, e.approvals) for e in self.equivocations],
        }


def fold(fund: Entry, entries: Iterable[Entry], members: Iterable[bytes]) -> FundState:
    """The fund's state from its creation record, the records citing it and the member set.

    A pure function of the set of records: duplicates and arrival order change nothing.
    """
    if fund.kind != "fund.create":
        raise RecordError("this record is not a fund")
    b = fund.body
    # a fund names its members when it is created: admitting or removing a member later never
    # changes a quorum that was reached, nor drops a contribution already made
    declared = b.get("members")
    ms = frozenset(declared) if isinstance(declared, list) and declared else frozenset(members)
    st = FundState(fund.id, str(b["name"]), str(b["currency"]), int(b["expiry_minutes"]), fund.author, ms)
    mine = [e for e in canonical(entries) if e.kind.startswith("fund.") and e.ref("fund") == fund.id and e.author in st.members]
    _fold_money_and_requests(st, mine)
    _fold_approvals(st, mine)
    _certify(st)
    for e in mine:
        if e.kind == "fund.ack":
            r = st.requests.get(e.ref("request"))
            if r is not None and r.author == e.author and st.is_certified(r.id):
                st.acked.add(r.id)
    return st


def _fold_money_and_requests(st: FundState, mine: Sequence[Entry]) -> None:
    for e in mine:
        if e.kind == "fund.pledge":
            st.pledged[e.author] = st.pledged.get(e.author, 0) + int(e.body["amount"])
        elif e.kind == "fund.contribute":
            st.contributed[e.author] = st.contributed.get(e.author, 0) + int(e.body["amount"])
        elif e.kind == "fund.request":
            target = e.body.get("for")
            st.requests[e.id] = Request(
                e.id, e.author, int(e.body["nonce"]), int(e.body["amount"]), str(e.body["purpose"]),
                target if isinstance(target, bytes) else None, e.ts,
            )


def _fold_approvals(st: FundState, mine: Sequence[Entry]) -> None:
    """Approvals that match their request's slot count; two requests approved for one slot are an equivocation."""
    by_slot: dict[tuple[bytes, int], dict[bytes, bytes]] = {}  # (member, nonce) -> request -> approval id
    for e in mine:
        if e.kind != "fund.approve":
            continue
        nonce, rid = int(e.body["nonce"]), e.ref("request")
        by_slot.setdefault((e.author, nonce), {}).setdefault(rid, e.id)
        r = st.requests.get(rid)
        if r is not None and r.nonce == nonce:
            st.approvers.setdefault(rid, set()).add(e.author)
            st.approval_ids.setdefault(rid, {}).setdefault(e.author, e.id)
    for (member, nonce), seen in sorted(by_slot.items()):
        if len(seen) > 1:
            st.equivocations.append(Equivocation(member, nonce, tuple(seen[r] for r in sorted(seen)), tuple(sorted(seen))))


def _certify(st: FundState) -> None:
    """A request approved by a quorum is its slot's certified grant; a second one in a slot is a conflict."""
    q = st.quorum
    for r in sorted(st.requests.values(), key=lambda r: (r.nonce, r.id)):
        if len(st.approvers.get(r.id, ())) >= q:
            if r.nonce in st.certified:
                st.conflicts.append(r.nonce)  # only possible when more than a third equivocated
            else:
                st.certified[r.nonce] = r


def check_approval(st: FundState, me: bytes, request_id: bytes, now_ms: int, mine: bytes | None) -> None:
    """The honest member's rule: raise naming the reason when `me` must not approve this request.

    `mine` is the request this member already approved for the same slot, from its durable store.
    """
    if me not in st.members:
        raise RecordError("only a member of the network approves fund requests", ErrorCode.NOT_ALLOWED)
    r = st.requests.get(request_id)
    if r is None:
        raise RecordError("no such request in this fund here: sync with the requester first")
    if mine is not None and mine != request_id:
        raise RecordError(
            f"this member already approved another request for slot {r.nonce}; a second approval would be equivocation",
            ErrorCode.NOT_ALLOWED,
        )
    if mine == request_id or st.is_certified(request_id):
        return  # approving again repeats the same approval; it adds no new promise
    if r.nonce in st.certified:
        raise RecordError(f"slot {r.nonce} already went to another request", ErrorCode.NOT_ALLOWED)
    if st.expired(r, now_ms):
        raise RecordError("this request expired: the requester can make a new one", ErrorCode.NOT_ALLOWED)
    # next_slot() is bounded by the grants held; a range up to a signed nonce (2^62) would not be
    first_gap = st.next_slot()
    if first_gap < r.nonce:
        raise RecordError(
            f"slot {first_gap} has no certified grant known here: approve slots in order (sync, then retry)",
            ErrorCode.NOT_ALLOWED,
        )
    if r.amount > st.available:
        raise RecordError(
            f"the balance known here ({format_cents(st.available)} {st.currency}) does not cover this request "
            f"({format_cents(r.amount)} {st.currency})", ErrorCode.NOT_ALLOWED
        )


def check_request(st: FundState, me: bytes, amount: int, now_ms: int) -> int:
    """The slot a new request by `me` should take; raise if the request could not be approved."""
    if me not in st.members:
        raise RecordError("only a member of the network requests grants", ErrorCode.NOT_ALLOWED)
    if amount > st.available:
        raise RecordError(f"the fund's available balance is {format_cents(st.available)} {st.currency}: ask for at most that", ErrorCode.NOT_ALLOWED)
    slot = st.next_slot()
    busy = [r for r in st.requests.values() if r.nonce == slot and not st.expired(r, now_ms)]
    if busy:
        raise RecordError(
            f"slot {slot} is taken by pending request {busy[0].id.hex()[:16]}: wait until it is certified or expires",
            ErrorCode.NOT_ALLOWED,
        )
    return slot


def verify_grant(
    request: Sequence[bytes], approvals: Sequence[Sequence[bytes]], members: Iterable[bytes],
    rotations: Sequence[Sequence[bytes]] = (),
) -> int:
    """Check a grant certificate from signatures alone; return the amount in cents.

    `request` is [raw, sig, author] of the fund.request record, `approvals` the same for each
    fund.approve record. Raises ProofError unless more than 2/3 of `members` approved it.
    `rotations` ([raw, sig, author] of key.rotate records) let a record signed before a key
    rotation count for the territory, whose key in `members` is the current one.
    """
    ms = frozenset(members)
    try:
        successor = _successors(rotations)

        def current(key: bytes, seq: int) -> bytes:
            seen: set[bytes] = set()
            while key in successor and key not in seen:
                seen.add(key)
                new, at = successor[key]
                if seq >= at:
                    raise ProofError("a record of the certificate was signed by a key after its rotation")
                key, seq = new, 0
            return key

        req = _open(request)
        if req.record.kind != "fund.request":
            raise ProofError("the certificate's first record is not a fund request")
        fund, nonce = req.record.body["fund"], req.record.body["nonce"]
        who: set[bytes] = set()
        for a in approvals:
            rec = _open(a)
            body = rec.record.body
            if rec.record.kind != "fund.approve" or body["request"] != req.id or body["fund"] != fund or body["nonce"] != nonce:
                raise ProofError("an approval of the certificate cites another request, fund or slot")
            if (who_now := current(rec.author, rec.seq)) in ms:
                who.add(who_now)
        requester = current(req.author, req.seq)
    except ProofError:
        raise
    except (ProtocolError, KeyError, IndexError, TypeError) as exc:
        raise ProofError(f"the certificate holds a record that does not verify: {exc}") from None
    if requester not in ms:
        raise ProofError("the requester is not a member")
    if len(who) < quorum(len(ms)):
        raise ProofError(f"{len(who)} member approvals, {quorum(len(ms))} needed (more than 2/3 of {len(ms)})")
    return int(req.record.body["amount"])


def _successors(rotations: Sequence[Sequence[bytes]]) -> dict[bytes, tuple[bytes, int]]:
    """old key -> (new key, seq of the rotation in the old key's log), from verified key.rotate records."""
    out: dict[bytes, tuple[bytes, int]] = {}
    for item in rotations:
        rec = _open(item)
        if rec.record.kind != "key.rotate":
            raise ProofError("a rotation of the certificate is not a key.rotate record")
        new = rec.record.body["new"]
        if out.get(rec.author, (new, rec.seq)) != (new, rec.seq):
            raise ProofError("the certificate holds two rotations of one key")
        out[rec.author] = (new, rec.seq)
    return out


def _open(item: Sequence[bytes]) -> SignedRecord:
    raw, sig, author = item[0], item[1], item[2]
    return open_record(raw, sig, author)


def entry_of(rec: SignedRecord) -> Entry:
    return Entry(rec.id, rec.author, rec.seq, rec.record.ts, rec.record.kind, rec.record.body)

