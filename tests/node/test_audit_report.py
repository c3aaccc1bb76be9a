"""The people-facing audit report: hostile names are escaped, timelines and verdicts are shown."""

from __future__ import annotations

from node.audit.report import render_html, render_text
from protocol.audit.build import LogSpec, build_bundle
from protocol.audit.engine import audit
from protocol.network import OPEN_NETWORK_GENESIS, OPEN_NETWORK_ID
from protocol.record import GENESIS_PREV, Record, sign_record
from tests.dates import NEXT_YEAR_END
from tests.protocol.audit_logs import T0, checkpoints, ident, signed_log


def test_html_escapes_bundle_content_and_shows_timeline() -> None:
    a = ident("a")
    evil = "<script>alert(1)</script>"
    prof = sign_record(a, Record(1, OPEN_NETWORK_ID, a.public_key, 1, GENESIS_PREV, T0, "territory.profile",
                                 {"name": evil, "addresses": ["http://127.0.0.1:1"]}))
    recs = [prof, *signed_log(a, 3, start=2, prev=prof.id)]
    data = build_bundle(a, OPEN_NETWORK_ID, T0, [LogSpec(a.public_key, recs, checkpoints(a, recs))], OPEN_NETWORK_GENESIS)
    report = audit(data)
    assert report.ok
    page = render_html(report)
    assert evil not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "note × 3" in page and "territory.profile × 1" in page  # the day's line of the timeline
    assert "PASS" in render_text(report)

    broken = bytearray(data)
    broken[len(broken) // 2] ^= 0x40
    bad = audit(bytes(broken))
    assert not bad.ok
    assert "FAIL" in render_html(bad) and "verdict: FAIL" in render_text(bad)


def test_html_shows_fund_flows_twinnings_and_pacts_escaped() -> None:
    from tests.protocol.audit_logs import Chain

    a, b, c = Chain(ident("a"), "Commune A"), Chain(ident("b"), "Quartier B"), Chain(ident("c"), "Village C")
    fund = a.add("fund.create", {"name": "<b>Fonds</b>", "currency": "EUR", "expiry_minutes": 60 * 24})
    a.add("fund.pledge", {"fund": fund.id, "amount": 500_00})
    a.add("fund.contribute", {"fund": fund.id, "amount": 400_00})
    b.add("fund.contribute", {"fund": fund.id, "amount": 250_50})
    req = b.add("fund.request", {"fund": fund.id, "nonce": 1, "amount": 300_00, "purpose": "visites"})
    for x in (a, b, c):
        x.add("fund.approve", {"fund": fund.id, "nonce": 1, "request": req.id})
    b.add("fund.ack", {"fund": fund.id, "request": req.id})
    wait = c.add("fund.request", {"fund": fund.id, "nonce": 2, "amount": 10_00, "purpose": "atelier"})
    a.add("fund.approve", {"fund": fund.id, "nonce": 2, "request": wait.id})
    prop = a.add("twin.propose", {"partners": [b.key], "title": "Jumelage A-B", "objectives": "x", "until": NEXT_YEAR_END})
    b.add("twin.accept", {"proposal": prop.id})
    b.add("twin.hours", {"proposal": prop.id, "minutes": 150, "period": "2026"})
    a.add("pacte.create", {"title": "Pacte alimentaire", "horizon": 2, "start_year": 2026})
    report = audit(build_bundle(a.who, OPEN_NETWORK_ID, T0, [a.spec(), b.spec(), c.spec()], OPEN_NETWORK_GENESIS))
    assert report.ok, [f.to_json() for f in report.findings]
    total = report.derived["funds"][0]["total"]
    assert total == {"pledged": 500_00, "contributed": 650_50, "granted": 300_00, "paid": 300_00, "available": 350_50}
    page = render_html(report)
    assert "<b>Fonds</b>" not in page and "Fund: &lt;b&gt;Fonds&lt;/b&gt;" in page
    assert "<td>Quartier B</td><td>0.00 EUR</td><td>250.50 EUR</td><td>300.00 EUR</td><td>300.00 EUR</td>" in page
    assert "<th>Total</th><th>500.00 EUR</th><th>650.50 EUR</th><th>300.00 EUR</th><th>300.00 EUR</th>" in page
    assert "350.50 EUR" in page and "3 of 3" in page and "<td>not yet</td>" not in page  # the one grant was received
    assert "atelier" in page and "1 of 3" in page  # the request still waiting
    assert "Jumelage A-B" in page and "active (every partner accepted)" in page and "Quartier B: 2 h 30" in page
    assert "Pacte alimentaire" in page and "2026-2027" in page
    text = render_text(report)
    assert "contributed 650.50 EUR, granted 300.00 EUR, paid 300.00 EUR, available 350.50 EUR" in text
