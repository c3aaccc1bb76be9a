"""The audit recomputes pacts, twinnings, the fund and reviews from records signed by real keys."""

from __future__ import annotations

from protocol.audit.build import build_bundle
from protocol.audit.engine import audit
from protocol.audit.findings import Report, Severity
from protocol.network import OPEN_NETWORK_GENESIS, OPEN_NETWORK_ID
from tests.protocol.audit_logs import T0, Chain, ident


def run(*chains: Chain) -> Report:
    return audit(build_bundle(chains[0].who, OPEN_NETWORK_ID, T0, [c.spec() for c in chains], OPEN_NETWORK_GENESIS))


def fails(report: Report, check: str) -> list[tuple[bytes | None, int | None, str]]:
    return [(f.territory, f.seq, f.reason) for f in report.findings if f.severity is Severity.FAIL and f.check == check]


def only_fails(report: Report) -> set[str]:
    return {f.check for f in report.findings if f.severity is Severity.FAIL}


def pact(c: Chain) -> tuple[bytes, bytes]:
    p = c.add("pacte.create", {"title": "Pacte 21", "horizon": 3, "start_year": 2026})
    c.add("pacte.partner", {"pacte": p.id, "org": "Régie", "org_kind": "association", "since": "2026-01-10"})
    tf = c.add("pacte.taskforce", {"pacte": p.id, "mission": "Jardins", "criteria": [],
                                   "budget": [{"year": 2026, "source": "commune", "cents": 500_00}], "members": ["Régie"]})
    com = c.add("pacte.commitment", {"taskforce": tf.id, "partner": "Régie", "deliverable": "3 jardins", "due": "2026-12-31"})
    return p.id, com.id


def test_clean_areas_audit_clean() -> None:
    a, b, c, d = Chain(ident("a"), "A"), Chain(ident("b"), "B"), Chain(ident("c"), "C"), Chain(ident("d"), "D")
    pid, com = pact(a)
    for step in ("accepted", "in_progress", "met"):
        a.add("pacte.transition", {"commitment": com, "to": step, "by": "Régie"})
    prop = a.add("twin.propose", {"partners": [b.key], "title": "Jumelage", "objectives": "échanger", "until": "2027-12-31"})
    b.add("twin.accept", {"proposal": prop.id})
    b.add("twin.hours", {"proposal": prop.id, "minutes": 90, "period": "2026-Q1"})
    fund = a.add("fund.create", {"name": "Fonds", "currency": "EUR", "expiry_minutes": 60 * 24 * 30})
    for x in (a, b, c, d):
        x.add("fund.contribute", {"fund": fund.id, "amount": 100_00})
    req = b.add("fund.request", {"fund": fund.id, "nonce": 1, "amount": 300_00, "purpose": "jumelage", "for": prop.id})
    for x in (a, c, d):
        x.add("fund.approve", {"fund": fund.id, "nonce": 1, "request": req.id})
    b.add("fund.ack", {"fund": fund.id, "request": req.id})
    note = a.add("note", {"text": "bilan"})
    rev = c.add("review", {"target": note.id, "about": a.key, "framework": "democite21", "scores": {"gouvernance": 3},
                           "verdict": "good"})
    a.add("review.response", {"review": rev.id, "text": "merci"})
    r = run(a, b, c, d)
    assert r.ok, [f.to_json() for f in r.findings]
    ta = r.territories[a.key].checked
    assert ta["pacte"] == 7 and ta["twinning"] == 1 and ta["fund"] == 3 and ta["review"] == 1
    assert not [f for f in r.findings if f.check in ("pacte", "twinning", "fund", "review")]  # hooks now covered


def test_pact_illegal_transition_and_false_evaluation() -> None:
    a = Chain(ident("a"), "A")
    pid, com = pact(a)
    bad = a.add("pacte.transition", {"commitment": com, "to": "met", "by": "Régie"})  # proposed -> met skips two steps
    tf = a.records[3].id
    ev = a.add("pacte.evaluation", {"pacte": pid, "year": 2026, "assessment": "ok", "published": True, "taskforces": [
        {"taskforce": tf, "measures": [], "met": 1, "missed": 0, "spent_cents": 0, "planned_cents": 500_00}]})
    r = run(a)
    assert not r.ok
    got = fails(r, "pacte")
    assert (a.key, bad.seq) in [(t, s) for t, s, _ in got]
    reason = next(x for t, s, x in got if s == bad.seq)
    assert "'proposed'" in reason and "'met'" in reason and "allowed from 'proposed'" in reason
    reason = next(x for t, s, x in got if s == ev.seq)
    assert "claims" in reason and "1 met" in reason and "give 0 met" in reason


def test_twinning_accepted_by_a_territory_not_named() -> None:
    a, b, c = Chain(ident("a"), "A"), Chain(ident("b"), "B"), Chain(ident("c"), "C")
    prop = a.add("twin.propose", {"partners": [b.key], "title": "Jumelage", "objectives": "x", "until": "2027-12-31"})
    intruder = c.add("twin.accept", {"proposal": prop.id})
    dangling = b.add("twin.accept", {"proposal": bytes(32)})
    r = run(a, b, c)
    got = fails(r, "twinning")
    assert len(got) == 2
    assert got[0][:2] == (c.key, intruder.seq) or got[1][:2] == (c.key, intruder.seq)
    assert any(t == c.key and "only a party named in the proposal" in why for t, _, why in got)
    assert any(t == b.key and s == dangling.seq and "does not hold" in why for t, s, why in got)
    assert {t["key"]: t["verdict"] for t in r.to_json()["territories"]}[a.key.hex()] == "pass"


def _fund(n: int) -> tuple[list[Chain], bytes]:
    chains = [Chain(ident(f"m{i}"), f"M{i}") for i in range(n)]
    fund = chains[0].add("fund.create", {"name": "Fonds", "currency": "EUR", "expiry_minutes": 60 * 24})
    return chains, fund.id


def test_fund_grants_exceeding_contributions() -> None:
    (a, b, c, d), fid = _fund(4)
    b.add("fund.contribute", {"fund": fid, "amount": 100_00})
    req = b.add("fund.request", {"fund": fid, "nonce": 1, "amount": 500_00, "purpose": "trop"})
    for x in (a, c, d):  # a real quorum (3 of 4) of members that broke the honest approval rule
        x.add("fund.approve", {"fund": fid, "nonce": 1, "request": req.id})
    r = run(a, b, c, d)
    got = fails(r, "fund")
    assert [(t, s) for t, s, _ in got] == [(b.key, req.seq)]
    assert "500.00 EUR at slot 1, more than the 100.00 EUR contributed" in got[0][2]


def test_fund_grant_acknowledged_without_quorum_and_non_member() -> None:
    (a, b, c, d), fid = _fund(4)
    stranger = Chain(ident("stranger"))  # no territory profile: not a member
    a.add("fund.contribute", {"fund": fid, "amount": 1000_00})
    req = b.add("fund.request", {"fund": fid, "nonce": 1, "amount": 200_00, "purpose": "p"})
    a.add("fund.approve", {"fund": fid, "nonce": 1, "request": req.id})
    c.add("fund.approve", {"fund": fid, "nonce": 1, "request": req.id})
    ack = b.add("fund.ack", {"fund": fid, "request": req.id})
    intruder = stranger.add("fund.approve", {"fund": fid, "nonce": 1, "request": req.id})
    r = run(a, b, c, d, stranger)
    got = fails(r, "fund")
    why = {(t, s): x for t, s, x in got}
    assert "never certified: 2 of 4 members approved it, 3 needed (more than 2/3)" in why[(b.key, ack.seq)]
    assert "not a member" in why[(stranger.key, intruder.seq)]
    assert len(got) == 2


def test_fund_member_approving_two_requests_for_one_slot() -> None:
    (a, b, c, d), fid = _fund(4)
    r1 = b.add("fund.request", {"fund": fid, "nonce": 1, "amount": 1, "purpose": "p"})
    r2 = c.add("fund.request", {"fund": fid, "nonce": 1, "amount": 1, "purpose": "q"})
    d.add("fund.approve", {"fund": fid, "nonce": 1, "request": r1.id})
    second = d.add("fund.approve", {"fund": fid, "nonce": 1, "request": r2.id})
    got = fails(run(a, b, c, d), "fund")
    assert [(t, s) for t, s, _ in got] == [(d.key, second.seq)] and "2 different requests for slot 1" in got[0][2]


def test_self_review_and_review_of_a_missing_record() -> None:
    a, b = Chain(ident("a"), "A"), Chain(ident("b"), "B")
    note = a.add("note", {"text": "bilan"})
    own = a.add("review", {"target": note.id, "about": a.key, "framework": "democite21", "scores": {"x": 4}, "verdict": "good"})
    lost = b.add("review", {"target": b"\x09" * 32, "about": a.key, "framework": "democite21", "scores": {"x": 4},
                            "verdict": "good"})
    r = run(a, b)
    assert not r.ok and only_fails(r) == {"review"}
    why = {(t, s): x for t, s, x in fails(r, "review")}
    assert "never reviews itself" in why[(a.key, own.seq)]
    assert "not in the bundle" in why[(b.key, lost.seq)]


def test_one_territory_bundle_warns_on_what_lives_in_other_logs() -> None:
    a, b = Chain(ident("a"), "A"), Chain(ident("b"), "B")
    note = a.add("note", {"text": "bilan"})
    fund = a.add("fund.create", {"name": "Fonds", "currency": "EUR", "expiry_minutes": 60 * 24})
    prop = a.add("twin.propose", {"partners": [b.key], "title": "J", "objectives": "x", "until": "2027-12-31"})
    b.add("review", {"target": note.id, "about": a.key, "framework": "f", "scores": {"x": 1}, "verdict": "good"})
    b.add("fund.contribute", {"fund": fund.id, "amount": 100})
    b.add("twin.accept", {"proposal": prop.id})
    own = b.add("review", {"target": b.records[0].id, "about": b.key, "framework": "f", "scores": {"x": 5}, "verdict": "good"})

    def only_b(strict: bool = False) -> Report:
        data = build_bundle(b.who, OPEN_NETWORK_ID, T0, [b.spec()], OPEN_NETWORK_GENESIS, scope="author:" + b.key.hex())
        return audit(data, strict=strict)

    r = only_b()
    assert fails(r, "review") == [(b.key, own.seq, fails(r, "review")[0][2])]  # a self-review fails whatever the scope
    assert only_fails(r) == {"review"}
    warned = {f.check for f in r.findings if f.severity is Severity.WARN and "one territory's log" in f.reason}
    assert warned == {"review", "fund", "twinning"}
    # the same records with the other log missing from a bundle of everything: failures
    full = audit(build_bundle(b.who, OPEN_NETWORK_ID, T0, [b.spec()], OPEN_NETWORK_GENESIS))
    assert {"review", "fund", "twinning"} <= only_fails(full)
