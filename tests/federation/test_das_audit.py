"""Peer evaluators' audit of DAS: summaries checked, attached statement disclosures verified offline."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from protocol import encoding
from protocol.audit import checkers_das as audit_das
from protocol.audit.context import AuditContext, Disclosure
from protocol.identity import Identity
from protocol.network import OPEN_NETWORK_ID
from protocol.record import GENESIS_PREV, Record, open_record, sign_record
from tests.node.test_das_flow import cli, setup_territory


async def test_export_and_audit_with_an_attached_disclosure(make_node, tmp_path: Path) -> None:
    a = await make_node("Commune A", das={"k_anonymity": 5})
    d = str(a.config.data_dir)
    project = await setup_territory(d, 6)
    for i in range(1, 7):
        e = (await cli("das", "entry", "add", "--data", d, "--person", f"p-{i:04d}", "--project", project, "--date", "2026-01-20",
                       "--minutes", "75")).strip()
        await cli("das", "entry", "validate", "--data", d, e)
    await cli("das", "statements", "--data", d, "--period", "2026-Q1", "--issue")
    await cli("das", "summary", "publish", "--data", d, "--period", "2026-Q1")
    doc = json.loads(await cli("das", "prove", "--data", d, "--statement", "4", "--attach"))
    bundle = tmp_path / "a.dmc"
    await cli("export", "--data", d, "-o", str(bundle))
    assert doc["statement"].encode() in bundle.read_bytes()
    report = json.loads(await cli("audit", str(bundle), "--json"))
    text = json.dumps(report)
    assert report["ok"] is True, text
    assert "not verified" not in text  # the das checker and the das.bulletin disclosure checker ran
    me = next(t for t in report["territories"] if t["key"] == a.node.public_key.hex())
    assert me["checks"]["das"] == {"verdict": "pass", "checked": 1}
    assert me["checks"]["disclosure"] == {"verdict": "pass", "checked": 1}
    html_file = tmp_path / "report.html"
    await cli("audit", str(bundle), "--html", str(html_file))
    html = html_file.read_text()
    assert "Societal Activity (DAS) summaries" in html and "2026-Q1" in html and "7 h 30" in html  # 6 persons x 75 min
    assert "p-000" not in html



async def test_the_audit_shows_the_consents_a_summary_counted(clocked_node, tmp_path: Path) -> None:
    """Consents are counted in the period they were given: the contracts' papers and the entries'
    validations recorded today by the owner show in today's quarter, with the one account behind them."""
    a, clock = await clocked_node(das={"k_anonymity": 5})
    d = str(a.config.data_dir)
    project = await setup_territory(d, 6)
    for i in range(1, 7):
        e = (await cli("das", "entry", "add", "--data", d, "--person", f"p-{i:04d}", "--project", project, "--date", "2026-01-20",
                       "--minutes", "75")).strip()
        await cli("das", "entry", "validate", "--data", d, e)
    day = dt.datetime.fromtimestamp(clock() / 1000, dt.UTC).date()
    period = f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    clock.advance(days=100)  # the quarter is over: its summary can be published
    await cli("das", "summary", "publish", "--data", d, "--period", period)
    bundle = tmp_path / "a.dmc"
    await cli("export", "--data", d, "-o", str(bundle))
    report = json.loads(await cli("audit", str(bundle), "--json"))
    (summary,) = [s for s in report["derived"]["das"] if s["period"] == period]
    by_act = {(c["act"], c["role"]): c for c in summary["consents"]}
    assert by_act[("contract", "owner")]["accounts"] == 1 and by_act[("contract", "owner")]["acts"] >= 12
    assert by_act[("entry_decision", "owner")] == {"act": "entry_decision", "role": "owner", "acts": 6, "accounts": 1}
    text = await cli("audit", str(bundle))
    assert "consents and acts, by role" in text and f"DAS contract ({period}, as published)" in text


def _summary(identity: Identity, seq: int, prev: bytes, body: dict):
    rec = Record(1, OPEN_NETWORK_ID, identity.public_key, seq, prev, 1_700_000_000_000 + seq, "das.summary", body)
    s = sign_record(identity, rec)
    return open_record(s.raw, s.sig, identity.public_key)


def test_checker_flags_small_cells_and_foreign_disclosures() -> None:
    ident = Identity(bytes(range(32)))
    base = {
        "period": "2026-Q1", "k": 10, "currency": "local", "persons": {"persons": 12}, "by_status": {},
        "contracts": {"persons": 12, "contracts": 12}, "granted": {"persons": 12, "minutes": 100}, "given": {"suppressed": True},
        "by_category": {}, "by_family": {}, "credited": {"suppressed": True}, "employers": {"suppressed": True},
        "statements": 16, "statements_root": bytes(32),
    }
    good = _summary(ident, 1, GENESIS_PREV, base)
    bad = _summary(ident, 2, good.id, {**base, "by_family": {"care": {"persons": 2, "minutes": 30}}, "corrects": bytes(32)})
    ctx = AuditContext(OPEN_NETWORK_ID, None, {ident.public_key: [good, bad]}, {}, [], [])
    findings = list(audit_das.check_summaries(ctx, [good, bad]))
    reasons = " | ".join(f.reason for f in findings)
    assert len(findings) == 2 and "fewer than k=10" in reasons and "not earlier" in reasons
    assert all(f.seq == 2 for f in findings)
    junk = Disclosure("das.bulletin", ident.public_key, {"format": "democite/das-disclosure/v1", "summary": {"raw": good.raw.hex(),
                      "sig": good.sig.hex()}, "statement": encoding.encode({"period": "2026-Q1"}).hex(), "salt": "00" * 32,
                      "index": 0, "size": 16, "proof": []})
    found = list(audit_das.check_bulletin_disclosure(ctx, junk))
    assert len(found) == 1 and "does not verify" in found[0].reason
