"""The people-facing audit report: hostile names are escaped, timelines and verdicts are shown."""

from __future__ import annotations

from node.audit_report import render_html, render_text
from protocol.audit.build import LogSpec, build_bundle
from protocol.audit.engine import audit
from protocol.network import OPEN_NETWORK_GENESIS, OPEN_NETWORK_ID
from protocol.record import GENESIS_PREV, Record, sign_record
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
