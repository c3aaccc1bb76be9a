"""The coresponsibility fund between member territories: records, the approval rule, status (its admin routes: `federation.coop.routes`).

An approval is decided against the fund state this node knows (`protocol.fund.check_approval`),
written durably to `coop_approvals` and only then signed and published: after a crash the node
still knows which request it promised each slot to, and never signs a conflicting approval.
"""

from __future__ import annotations

from typing import Any

from federation.coop.members import current_members, load_entries
from federation.network.membership import view
from node.errors import Invalid, NotFound
from node.service import Node
from protocol import fund as rules
from protocol.actor import Actor, acted
from protocol.coop import format_cents
from protocol.errors import ProtocolError

KINDS = ["fund.*"]
MINUTES_PER_DAY = 1440


async def states(node: Node) -> dict[bytes, rules.FundState]:
    entries = await load_entries(node, KINDS)
    members = await current_members(node)
    return {e.id: rules.fold(e, entries, members) for e in entries if e.kind == "fund.create" and e.author in members}


async def state(node: Node, fid: bytes | None) -> rules.FundState:
    """One fund by id; without an id, the only fund there is."""
    funds = await states(node)
    if fid is None:
        if len(funds) != 1:
            raise Invalid("no fund known here: create one with `democite fund create`, or sync with its creator" if not funds else f"{len(funds)} funds known here: name one with --fund ID (see `democite fund status`)")
        return next(iter(funds.values()))
    if fid not in funds:
        raise NotFound("no fund with this id here: sync with its creator (`democite sync`), then retry")
    return funds[fid]


async def _publish(node: Node, kind: str, body: dict[str, Any], actor: Actor | None = None) -> bytes:
    return (await node.publish(kind, acted(body, actor))).id


async def create(node: Node, name: str, currency: str, expiry_days: int, actor: Actor | None = None) -> bytes:
    if node.public_key not in await current_members(node):
        raise Invalid("only a member of the network creates a fund")
    if not currency.isalpha() or len(currency) != 3:
        raise Invalid("--currency is a 3-letter code, e.g. EUR")
    if not 1 <= expiry_days <= 3650:
        raise Invalid("--expiry-days is from 1 to 3650")
    members = sorted(await current_members(node))
    return await _publish(
        node,
        "fund.create",
        {"name": name, "currency": currency.upper(), "expiry_minutes": expiry_days * MINUTES_PER_DAY, "members": members},
        actor,
    )


async def money(node: Node, kind: str, fid: bytes | None, amount: int, actor: Actor | None = None) -> bytes:
    st = await state(node, fid)
    if node.public_key not in st.members:
        raise Invalid("only a member of the network pledges or contributes")
    return await _publish(node, kind, {"fund": st.id, "amount": amount}, actor)


async def request_grant(node: Node, fid: bytes | None, amount: int, purpose: str, target: bytes | None,
                        actor: Actor | None = None) -> bytes:
    st = await state(node, fid)
    try:
        slot = rules.check_request(st, node.public_key, amount, node.clock())
    except ProtocolError as exc:
        raise Invalid(exc.message) from None
    if target is not None and await node.logs.record_by_id(target) is None:
        raise Invalid("--for names no record known here: give a twinning or project id (see `democite twin list`)")
    body: dict[str, Any] = {"fund": st.id, "nonce": slot, "amount": amount, "purpose": purpose}
    if target is not None:
        body["for"] = target
    return await _publish(node, "fund.request", body, actor)


async def _find_request(node: Node, rid: bytes) -> rules.FundState:
    for st in (await states(node)).values():
        if rid in st.requests:
            return st
    raise NotFound("no grant request with this id here: sync with the requester (`democite sync`), then retry")


async def approve(node: Node, rid: bytes, actor: Actor | None = None) -> dict[str, Any]:
    """Approve by the honest rule; the decision is stored before the approval is signed."""
    store = node.approvals
    st = await _find_request(node, rid)
    r = st.requests[rid]
    mine = await store.get(st.id, r.nonce)
    try:
        rules.check_approval(st, node.public_key, rid, node.clock(), mine)
    except ProtocolError as exc:
        raise Invalid(exc.message) from None
    held = await store.reserve(st.id, r.nonce, rid, node.clock())
    if held != rid:
        raise Invalid(f"this member already approved another request for slot {r.nonce}; a second approval would be equivocation")
    body = {"fund": st.id, "nonce": r.nonce, "request": rid}
    existing = await _own_approval(node, body)
    aid = existing or await _publish(node, "fund.approve", body, actor)
    await store.mark_published(st.id, r.nonce, aid)
    st = await _find_request(node, rid)
    return {"approval": aid.hex(), "request": rid.hex(), "approvals": len(st.approvers.get(rid, ())), "quorum": st.quorum,
            "certified": st.is_certified(rid)}


async def _own_approval(node: Node, body: dict[str, Any]) -> bytes | None:
    for r in await node.logs.records(node.public_key, ["fund.approve"], limit=1_000_000):
        if {k: v for k, v in r.body.items() if k != "actor"} == body:  # whoever approved it, it is this member's approval
            return r.id
    return None


async def resume(node: Node) -> int:
    """Publish approvals decided before a crash but not yet signed."""
    store = node.approvals
    n = 0
    for fid, nonce, rid in await store.unpublished():
        body = {"fund": fid, "nonce": nonce, "request": rid}
        # decided before a crash: the deciding account is not kept, so the approval names none
        aid = await _own_approval(node, body) or await _publish(node, "fund.approve", body)
        await store.mark_published(fid, nonce, aid)
        n += 1
    return n


async def ack(node: Node, rid: bytes, actor: Actor | None = None) -> bytes:
    st = await _find_request(node, rid)
    if st.requests[rid].author != node.public_key:
        raise Invalid("only the territory that requested a grant acknowledges receiving it")
    if not st.is_certified(rid):
        raise Invalid(f"this request is not certified yet ({len(st.approvers.get(rid, ()))} of {st.quorum} approvals)")
    if rid in st.acked:
        raise Invalid("this grant was already acknowledged")
    return await _publish(node, "fund.ack", {"fund": st.id, "request": rid}, actor)


async def certificate(node: Node, rid: bytes) -> dict[str, Any]:
    """The grant's certificate: the request and approval records with their signatures, checked here."""
    st = await _find_request(node, rid)
    if not st.is_certified(rid):
        raise Invalid("this request is not certified: no certificate yet")
    recs = [await node.logs.record_by_id(rid)] + [await node.logs.record_by_id(a) for a in st.approval_ids[rid].values()]
    items = [[r.raw, r.sig, r.author] for r in recs if r is not None]
    # a record signed before its author rotated counts for the territory: the key.rotate records
    # linking its key to the current one travel with the certificate
    membership = await view(node)
    rotations = []
    for author in {r.author for r in recs if r is not None}:
        seen: set[bytes] = set()
        while (rot := membership.retired.get(author)) is not None and author not in seen:
            seen.add(author)
            rec = await node.logs.record_at(author, rot.seq)
            if rec is not None:
                rotations.append([rec.raw, rec.sig, rec.author])
            author = rot.new
    try:
        amount = rules.verify_grant(items[0], items[1:], st.members, rotations)
    except ProtocolError as exc:
        raise Invalid(f"this grant's certificate does not verify here: {exc.message}") from None
    return {"request": rid.hex(), "amount": amount, "members": sorted(m.hex() for m in st.members),
            "records": [[x.hex() for x in item] for item in items],
            "rotations": [[x.hex() for x in item] for item in rotations]}


def to_json(st: rules.FundState, who: dict[bytes, str], now_ms: int) -> dict[str, Any]:
    s = st.summary()

    def req(r: rules.Request) -> dict[str, Any]:
        return {"id": r.id.hex(), "by": r.author.hex(), "by_name": who.get(r.author, ""), "slot": r.nonce, "amount": r.amount,
                "amount_text": format_cents(r.amount), "purpose": r.purpose, "for": r.target.hex() if r.target else None,
                "approvals": sorted(a.hex() for a in st.approvers.get(r.id, ())), "expired": st.expired(r, now_ms),
                "acknowledged": r.id in st.acked}

    return {
        "id": st.id.hex(), "name": st.name, "currency": st.currency, "quorum": st.quorum, "members_count": len(st.members),
        "creator": st.creator.hex(), "expiry_minutes": st.expiry_minutes,
        "members": {k.hex(): {**v, "name": who.get(k, "")} for k, v in s["members"].items()},
        "total": s["total"],
        "grants": [req(r) for _, r in sorted(st.certified.items())],
        "pending": [req(r) for r in st.pending()],
        "equivocations": [{"member": e.member.hex(), "slot": e.nonce, "approvals": [a.hex() for a in e.approvals]} for e in st.equivocations],
    }
