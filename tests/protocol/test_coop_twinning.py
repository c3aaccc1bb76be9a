"""Twinning fold: never active without every acceptance, foreign acceptances refused, order-free."""

from __future__ import annotations

import hashlib
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol import twinning
from protocol.coop import Entry
from protocol.errors import ProtocolError
from protocol.twinning import State

A, B, C, D = (bytes([i]) * 32 for i in range(1, 5))


def entry(author: bytes, kind: str, body: dict) -> Entry:
    """A unique entry; its seq is drawn at random since folds must not depend on arrival order."""
    rid = hashlib.sha256(author + kind.encode() + repr(sorted(body.items())).encode() + os.urandom(16)).digest()
    n = int.from_bytes(rid[:4], "big") + 1
    return Entry(rid, author, n, n, kind, body)


def propose(author: bytes = A, partners: tuple[bytes, ...] = (B,)) -> Entry:
    return entry(author, "twin.propose", {"partners": list(partners), "title": "Eau", "objectives": "partager", "until": "2027-12-31"})


def test_never_active_without_acceptance() -> None:
    p = propose()
    others = [entry(A, "twin.milestone", {"proposal": p.id, "title": "x"}), entry(A, "twin.accept", {"proposal": p.id})]
    t = twinning.fold(p, others)
    assert t.state is State.PROPOSED and not t.milestones and len(t.ignored) == 2
    t = twinning.fold(p, [*others, entry(B, "twin.accept", {"proposal": p.id})])
    assert t.state is State.ACTIVE


def test_acceptance_citing_a_proposal_naming_someone_else_is_refused() -> None:
    p = propose(A, (B,))
    t = twinning.fold(p, [entry(C, "twin.accept", {"proposal": p.id})])
    assert t.state is State.PROPOSED and t.ignored[0]["author"] == C
    with pytest.raises(ProtocolError, match="only its proposer and named partners"):
        twinning.check_action(t, C, "twin.accept", {})


def test_multi_party_needs_every_partner_and_one_decline_ends_it() -> None:
    p = propose(A, (B, C, D))
    acc = [entry(k, "twin.accept", {"proposal": p.id}) for k in (B, C)]
    assert twinning.fold(p, acc).state is State.PROPOSED
    assert twinning.fold(p, [*acc, entry(D, "twin.accept", {"proposal": p.id})]).state is State.ACTIVE
    assert twinning.fold(p, [*acc, entry(D, "twin.decline", {"proposal": p.id})]).state is State.DECLINED


def test_close_needs_every_party_signature_and_illegal_moves_name_state_and_event() -> None:
    p = propose(A, (B, C))
    recs = [entry(k, "twin.accept", {"proposal": p.id}) for k in (B, C)]
    rep = entry(A, "twin.report", {"proposal": p.id, "text": "bilan"})
    recs += [rep, entry(B, "twin.cosign", {"proposal": p.id, "report": rep.id}), entry(B, "twin.hours", {"proposal": p.id, "minutes": 90, "period": "2026"})]
    t = twinning.fold(p, recs)
    assert t.state is State.ACTIVE and t.minutes == {B: 90}
    t = twinning.fold(p, [*recs, entry(C, "twin.cosign", {"proposal": p.id, "report": rep.id})])
    assert t.state is State.CLOSED and t.closing_report == rep.id
    with pytest.raises(ProtocolError, match="closed cannot take the event 'milestone'"):
        twinning.check_action(t, A, "twin.milestone", {"title": "late"})


def test_self_twinning_and_bad_dates_refused() -> None:
    with pytest.raises(ProtocolError, match="itself"):
        twinning.check_proposal(A, {"partners": [A], "until": "2027-01-01"})
    with pytest.raises(ProtocolError, match="YYYY-MM-DD"):
        twinning.check_proposal(A, {"partners": [B], "until": "31/12/2027"})


@settings(max_examples=60, deadline=None)
@given(st.randoms(use_true_random=False), st.lists(st.sampled_from(["accept", "decline", "milestone", "report", "cosign", "dup"]), max_size=12))
def test_state_is_the_same_whatever_the_order(rnd, script) -> None:
    p = propose(A, (B, C))
    recs: list[Entry] = []
    for i, step in enumerate(script):
        who = (B, C, A)[i % 3]
        if step in ("accept", "decline"):
            recs.append(entry(who, f"twin.{step}", {"proposal": p.id}))
        elif step == "milestone":
            recs.append(entry(who, "twin.milestone", {"proposal": p.id, "title": f"m{i}"}))
        elif step == "report":
            recs.append(entry(who, "twin.report", {"proposal": p.id, "text": f"r{i}"}))
        elif step == "cosign" and any(r.kind == "twin.report" for r in recs):
            report = next(r for r in recs if r.kind == "twin.report")
            recs.append(entry(who, "twin.cosign", {"proposal": p.id, "report": report.id}))
        elif step == "dup" and recs:
            recs.append(recs[-1])
    t1 = twinning.fold(p, recs)
    shuffled = list(recs)
    rnd.shuffle(shuffled)
    t2 = twinning.fold(p, shuffled)
    assert (t1.state, t1.answers, len(t1.milestones), t1.closing_report) == (t2.state, t2.answers, len(t2.milestones), t2.closing_report)
    if t1.state in (State.ACTIVE, State.CLOSED):
        assert set(t1.answers) == {B, C} and set(t1.answers.values()) == {"accepted"}


def test_withdraw_by_the_proposer_only_and_only_while_proposed() -> None:
    p = propose(A, (B, C))
    w = entry(A, "twin.withdraw", {"proposal": p.id, "reason": "erreur de clé"})
    t = twinning.fold(p, [w])
    assert t.state is State.WITHDRAWN and t.history[-1]["event"] == "withdraw"
    t = twinning.fold(p, [entry(B, "twin.withdraw", {"proposal": p.id})])
    assert t.state is State.PROPOSED and "only the proposer withdraws" in t.ignored[0]["reason"]
    # one partner of two accepted: still withdrawable (answers apply in canonical order, A's first here)
    t = twinning.fold(p, [entry(B, "twin.accept", {"proposal": p.id}), w])
    assert t.state is State.WITHDRAWN and t.ignored[0]["kind"] == "twin.accept"
    both = [entry(k, "twin.accept", {"proposal": p.id}) for k in (B, C)]
    with pytest.raises(ProtocolError, match="withdrawn cannot take the event 'accept'"):
        twinning.check_action(twinning.fold(p, [w]), B, "twin.accept", {})
    with pytest.raises(ProtocolError, match="active cannot take the event 'withdraw'"):
        twinning.check_action(twinning.fold(p, both), A, "twin.withdraw", {})
