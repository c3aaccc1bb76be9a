"""The audit counts each consent kind's acts and the distinct accounts behind them, by role, so an
evaluator sees whether a pact's acceptances came from its partners or from one account; a DAS
summary's own consent counts are shown as published, and read defensively."""

from __future__ import annotations

from typing import Any

from node.audit.report import render_html, render_text
from protocol.audit.build import build_bundle
from protocol.audit.engine import audit
from protocol.audit.summary import das_consents
from protocol.network import OPEN_NETWORK_GENESIS, OPEN_NETWORK_ID
from tests.protocol.audit_logs import T0, Chain, ident

P1, P2, OFFICE = "a-" + "1" * 16, "a-" + "2" * 16, "a-" + "0" * 16


def _as(account: str, role: str) -> dict[str, Any]:
    return {"actor": {"account": account, "role": role}}


def _pacts() -> Chain:
    a = Chain(ident("a"), "Commune A")
    office, owner = _as(OFFICE, "office"), _as("owner", "owner")
    pid = a.add("pacte.create", {"title": "Pacte", "horizon": 3, "start_year": 2026, **office}).id
    for org in ("Biocoop", "Enercoop", "Régie"):
        a.add("pacte.partner", {"pacte": pid, "org": org, "org_kind": "company", "since": "2026-01-01", **office})
    tf = a.add("pacte.taskforce", {"pacte": pid, "mission": "m", "criteria": [], "budget": [], "members": [], **owner}).id
    c = [a.add("pacte.commitment", {"taskforce": tf, "partner": org, "deliverable": "d", "due": "2027-01-01", **office}).id
         for org in ("Biocoop", "Enercoop", "Régie", "Régie")]
    a.add("pacte.transition", {"commitment": c[0], "to": "accepted", **_as(P1, "partner")})
    a.add("pacte.transition", {"commitment": c[1], "to": "accepted", **_as(P2, "partner")})
    a.add("pacte.transition", {"commitment": c[2], "to": "accepted", **office})
    a.add("pacte.transition", {"commitment": c[3], "to": "accepted", "by": "Régie"})  # signed before accounts
    a.add("pacte.transition", {"commitment": c[0], "to": "in_progress", **_as(P1, "partner")})
    a.add("pacte.transition", {"commitment": c[0], "to": "met", **_as(P1, "partner")})
    a.add("pacte.transition", {"commitment": c[1], "to": "in_progress", **_as(P2, "partner")})
    return a


def test_consents_count_acts_and_distinct_accounts_by_role() -> None:
    a = _pacts()
    report = audit(build_bundle(a.who, OPEN_NETWORK_ID, T0, [a.spec()], OPEN_NETWORK_GENESIS))
    assert report.ok, [f.to_json() for f in report.findings]
    rows = {(c["act"], c["role"]): (c["acts"], c["accounts"]) for c in report.derived["consents"]}
    assert rows == {
        ("pacte.commitment.accepted", "partner"): (2, 2),
        ("pacte.commitment.accepted", "office"): (1, 1),
        ("pacte.commitment.accepted", "unrecorded"): (1, None),
        ("pacte.commitment.in_progress", "partner"): (2, 2),
        ("pacte.commitment.met", "partner"): (1, 1),
        ("pacte.create", "office"): (1, 1),
        ("pacte.partner", "office"): (3, 1),
        ("pacte.taskforce", "owner"): (1, 1),
        ("pacte.commitment", "office"): (4, 1),
    }
    text = render_text(report)
    assert "consents and acts, by role" in text
    line = next(x for x in text.splitlines() if "pact commitment accepted" in x and "partner" in x)
    assert line.split()[-2:] == ["2", "2"]
    assert not any("all by one account" in x for x in text.splitlines())  # records the office keeps are no consents
    assert any("signed before acts named their account" in x for x in text.splitlines())
    page = render_html(report)
    assert "Consents and acts, by role" in page and "pact progress reported: met" in page


def test_one_account_behind_every_acceptance_shows() -> None:
    a = Chain(ident("a"), "Commune A")
    pid = a.add("pacte.create", {"title": "P", "horizon": 2, "start_year": 2026}).id
    for org in ("X", "Y", "Z"):
        a.add("pacte.partner", {"pacte": pid, "org": org, "org_kind": "company", "since": "2026-01-01"})
    tf = a.add("pacte.taskforce", {"pacte": pid, "mission": "m", "criteria": [], "budget": [], "members": []}).id
    for org in ("X", "Y", "Z"):
        c = a.add("pacte.commitment", {"taskforce": tf, "partner": org, "deliverable": "d", "due": "2027-01-01"}).id
        a.add("pacte.transition", {"commitment": c, "to": "accepted", **_as(OFFICE, "office")})
    report = audit(build_bundle(a.who, OPEN_NETWORK_ID, T0, [a.spec()], OPEN_NETWORK_GENESIS))
    assert [(c["act"], c["role"], c["acts"], c["accounts"]) for c in report.derived["consents"]] == [
        ("pacte.commitment.accepted", "office", 3, 1)]
    assert any("pact commitment accepted" in x and "all by one account" in x for x in render_text(report).splitlines())


def test_das_summary_consents_are_read_defensively_and_shown() -> None:
    consents = {"contract": {"person": {"acts": 3, "accounts": 3}, "employer": {"acts": 3, "accounts": 1}},
                "profile": {"office": {"acts": 2, "accounts": 1}}}
    assert das_consents(consents) == [
        {"act": "contract", "role": "employer", "acts": 3, "accounts": 1},
        {"act": "contract", "role": "person", "acts": 3, "accounts": 3},
        {"act": "profile", "role": "office", "acts": 2, "accounts": 1},
    ]
    for junk in (None, [], "x", {"contract": []}, {"contract": {"person": {"acts": "3", "accounts": 3}}},
                 {"contract": {"person": {"acts": True, "accounts": 1}}}, {"contract": {"person": {"acts": -1, "accounts": 0}}},
                 {"contract": {"person": {"acts": 1}}}):
        assert das_consents(junk) == [], junk
    # the report of a bundle whose DAS summary carries consents (the summary row as the audit derives it)
    a = Chain(ident("a"), "Commune A")
    report = audit(build_bundle(a.who, OPEN_NETWORK_ID, T0, [a.spec()], OPEN_NETWORK_GENESIS))
    row = {"id": "00" * 32, "author": a.key.hex(), "period": "2026-Q1", "k": 5, "currency": "EUR", "persons": 12,
           "given_minutes": 600, "granted_minutes": 1200, "credited_cents": 100, "categories": [], "statements": 16,
           "replaced": False}
    report.derived["das"] = [{**row, "consents": das_consents(consents)}, {**row, "period": "2025-Q4", "consents": []}]
    text = render_text(report)
    line = next(x for x in text.splitlines() if "DAS contract (2026-Q1, as published)" in x and "employer" in x)
    cells = line.split()
    i = cells.index("employer")
    assert cells[i + 1:i + 3] == ["3", "1"] and line.rstrip().endswith("all by one account")
    assert "DAS profile (2026-Q1, as published)" in render_html(report)
