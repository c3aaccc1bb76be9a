"""What the areas' records add up to, recomputed from the bundle for people reading the report.

Plain data only (hex keys, integer cents and minutes): the fund's flows per member, each
twinning's state and effort, each pact's progress. The same folds as the nodes and the checkers,
so the report shows what the audit verified, never a figure some node computed.

Consents: every act a record signs for an account (`actor`, `protocol.actor`), counted per
territory, act and role, with the number of distinct accounts behind them, so an evaluator sees
whether a pact's acceptances came from its partners or from one office account. A DAS summary's own
`consents` (acts and distinct accounts per kind and role, counted by its node) are shown as published.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from protocol import twinning
from protocol.actor import UNRECORDED, actor_of
from protocol.audit.checkers_fund import fund_states
from protocol.audit.context import AuditContext
from protocol.fund import FundState, entry_of
from protocol.pacte import Book, CommitmentState, Entry, Pact, fold
from protocol.record import SignedRecord


def summarize(ctx: AuditContext) -> dict[str, Any]:
    records = list(ctx.all_records())

    def of(prefix: str) -> list[SignedRecord]:
        return [r for r in records if r.record.kind.startswith(prefix)]

    return {
        "funds": [_fund(st) for st in fund_states(ctx, of("fund.")).values()],
        "twinnings": _twinnings(of("twin.")),
        "pacts": _pacts(of("pacte.")),
        "das": _das(of("das.summary")),
        "consents": consents(records),
    }


def act_of(kind: str, body: Any) -> str:
    """What was consented to: a commitment's move is named by its new state (acceptance, progress)."""
    if kind == "pacte.transition" and isinstance(body, dict) and isinstance(body.get("to"), str):
        return f"pacte.commitment.{body['to']}"
    return kind


def consents(records: Sequence[SignedRecord]) -> list[dict[str, Any]]:
    """Acts and distinct accounts per (territory, act, role). A commitment's move signed before acts
    named their account counts under the role 'unrecorded' (accounts unknown: None)."""
    acts: dict[tuple[bytes, str, str], list[str | None]] = {}
    for r in records:
        body = r.record.body
        who = actor_of(body)
        if who is None and r.record.kind != "pacte.transition":
            continue
        account, role = who if who is not None else (None, UNRECORDED)
        acts.setdefault((r.author, act_of(r.record.kind, body), role), []).append(account)
    return [
        {"author": author.hex(), "act": act, "role": role, "acts": len(accounts),
         "accounts": None if role == UNRECORDED else len(set(accounts))}
        for (author, act, role), accounts in sorted(acts.items())
    ]


def das_consents(value: Any) -> list[dict[str, Any]]:
    """A das.summary's `consents` map ({kind: {role: {"acts", "accounts"}}}) as rows; anything out of
    that shape (or an older summary without it) gives no row rather than a wrong one."""
    if not isinstance(value, dict):
        return []
    rows = []
    for kind, roles in sorted(value.items(), key=lambda kv: str(kv[0])):
        if not isinstance(kind, str) or not isinstance(roles, dict):
            continue
        for role, n in sorted(roles.items(), key=lambda kv: str(kv[0])):
            if not isinstance(role, str) or not isinstance(n, dict):
                continue
            acts, accounts = n.get("acts"), n.get("accounts")
            if all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in (acts, accounts)):
                rows.append({"act": kind[:64], "role": role[:32], "acts": acts, "accounts": accounts})
    return rows


def _das(records: Sequence[SignedRecord]) -> list[dict[str, Any]]:
    """Each territory's DAS summaries as published (aggregates only; a replaced one is marked)."""
    replaced = {r.record.body.get("corrects") for r in records}
    out = []
    for r in sorted(records, key=lambda r: (r.author, r.seq)):
        b = r.record.body

        def val(cell: str, key: str, b: Any = b) -> int | None:
            c = b.get(cell)
            return c.get(key) if isinstance(c, dict) and not c.get("suppressed") else None

        out.append({
            "id": r.id.hex(), "author": r.author.hex(), "period": b.get("period"), "k": b.get("k"), "currency": b.get("currency"),
            "persons": val("persons", "persons"), "given_minutes": val("given", "minutes"),
            "granted_minutes": val("granted", "minutes"), "credited_cents": val("credited", "cents"),
            "categories": sorted(k for k, c in (b.get("by_category") or {}).items() if isinstance(c, dict) and not c.get("suppressed")),
            "statements": b.get("statements"), "replaced": r.id in replaced, "consents": das_consents(b.get("consents")),
        })
    return out


def _fund(st: FundState) -> dict[str, Any]:
    s = st.summary()
    grants = []
    for slot, r in sorted(st.certified.items()):
        grants.append({"slot": slot, "id": r.id.hex(), "requester": r.author.hex(), "amount": r.amount, "purpose": r.purpose[:200],
                       "approvals": len(st.approvers.get(r.id, ())), "paid": r.id in st.acked})
    pending = [{"slot": r.nonce, "id": r.id.hex(), "requester": r.author.hex(), "amount": r.amount, "purpose": r.purpose[:200],
                "approvals": len(st.approvers.get(r.id, ()))} for r in st.pending()]
    return {
        "id": st.id.hex(),
        "name": st.name[:200],
        "currency": st.currency,
        "creator": st.creator.hex(),
        "member_count": len(st.members),
        "quorum": st.quorum,
        "members": [{"key": k.hex(), **v} for k, v in s["members"].items()],
        "total": dict(s["total"]),
        "grants": grants,
        "pending": pending,
        "equivocations": len(st.equivocations),
    }


def _twinnings(records: Sequence[SignedRecord]) -> list[dict[str, Any]]:
    out = []
    for t in twinning.fold_all(entry_of(r) for r in records).values():
        out.append({
            "id": t.id.hex(),
            "title": t.title[:200],
            "proposer": t.proposer.hex(),
            "partners": [p.hex() for p in t.partners],
            "state": t.state.value,
            "until": t.until,
            "answers": {k.hex(): v for k, v in t.answers.items()},
            "milestones": len(t.milestones),
            "minutes": {k.hex(): v for k, v in sorted(t.minutes.items())},
            "total_minutes": sum(t.minutes.values()),
            "closed_by_report": t.closing_report is not None,
            "set_aside": len(t.ignored),
        })
    return out


def _pacts(records: Sequence[SignedRecord]) -> list[dict[str, Any]]:
    by_author: dict[bytes, list[SignedRecord]] = {}
    for r in records:
        by_author.setdefault(r.author, []).append(r)
    out: list[dict[str, Any]] = []
    for author, recs in sorted(by_author.items()):
        book: Book = fold(author, (Entry(r.id, r.record.ts, r.record.kind, r.record.body) for r in sorted(recs, key=lambda r: r.seq)))[0]
        out.extend(_pact(author, p) for p in book.pacts.values())
    return out


def _pact(author: bytes, p: Pact) -> dict[str, Any]:
    states = {s.value: 0 for s in CommitmentState}
    for c in p.commitments.values():
        states[c.state.value] += 1
    certs = {"valid": 0, "renewed": 0, "revoked": 0}
    for cert in p.certificates.values():
        certs[cert.status] = certs.get(cert.status, 0) + 1
    return {
        "id": p.id.hex(),
        "author": author.hex(),
        "title": p.title[:200],
        "years": f"{p.start_year}-{p.years[-1]}",
        "partners": len(p.partners),
        "taskforces": len(p.taskforces),
        "commitments": states,
        "budget_cents": sum(b.cents for tf in p.taskforces.values() for b in tf.budget),
        "evaluations": [{"year": y, "published": e.published} for y, e in sorted(p.evaluations.items())],
        "certificates": certs,
        "local_currency_cents": sum(p.injected_by_year().values()),
    }
