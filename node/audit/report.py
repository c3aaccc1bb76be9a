"""Audit reports for people: a plain-text summary for the terminal and an offline HTML page.

The HTML comes only from the Jinja2 template (autoescaped): bundle content such as territory
names is hostile until proven otherwise.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import jinja2

from node.commands.util import table
from protocol.audit.findings import Report, Severity
from protocol.coop import format_cents

CHECK_LABELS: Mapping[str, str] = MappingProxyType({
    "format": "Bundle structure",
    "integrity": "Whole-file seal (SHA-256, exporter signature)",
    "network": "Network (genesis and id)",
    "signature": "Signatures on exact bytes",
    "encoding": "Canonical encoding",
    "schema": "Record structure",
    "chain": "Hash chain (seq / prev)",
    "completeness": "No missing record",
    "history": "One record per position",
    "checkpoint": "Signed checkpoints match the log",
    "consistency": "Checkpoints extend each other (RFC 6962)",
    "witness": "Witness cosignatures",
    "fork": "Fork proofs",
    "disclosure": "Disclosures",
    "fork_evidence": "Fork evidence records",
    "pacte": "Pacts recomputed from their records",
    "twinning": "Twinnings recomputed from their records",
    "fund": "Coresponsibility fund recomputed",
    "review": "Peer reviews (no self-review, target present)",
    "membership": "Membership at the time of each record",
    "retired_keys": "No record from a retired key",
    "das": "DAS summaries and disclosures",
})

STATE_WORDS: Mapping[str, str] = MappingProxyType({
    "proposed": "proposed, waiting for partners",
    "active": "active (every partner accepted)",
    "declined": "declined by a partner",
    "closed": "closed (final report signed by all)",
})


ACT_LABELS: Mapping[str, str] = MappingProxyType({
    "pacte.commitment.accepted": "pact commitment accepted",
    "pacte.commitment.in_progress": "pact progress reported: started",
    "pacte.commitment.met": "pact progress reported: met",
    "pacte.commitment.missed": "pact progress reported: missed",
    "pacte.commitment.withdrawn": "pact commitment withdrawn",
})


def _ordered(checks: dict[str, Any]) -> list[dict[str, Any]]:
    order = list(CHECK_LABELS)
    keys = sorted(checks, key=lambda c: (order.index(c) if c in order else len(order), c))
    return [{"check": c, "label": CHECK_LABELS.get(c, c), **checks[c]} for c in keys]


def when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M UTC") if ms else "unknown"


def _day(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d") if ms else "unknown date"


def view(report: Report) -> dict[str, Any]:
    """The report as plain data for both renderings (labels, dates and a day-by-day timeline)."""
    data = report.to_json()
    for t in data["territories"]:
        tr = report.territories[bytes.fromhex(t["key"])]
        days: dict[str, dict[str, Any]] = {}
        for e in sorted(tr.timeline, key=lambda e: (e.ts, e.seq)):
            d = days.setdefault(_day(e.ts), {"day": _day(e.ts), "first": e.seq, "last": e.seq, "kinds": Counter(), "bad": 0})
            d["first"], d["last"] = min(d["first"], e.seq), max(d["last"], e.seq)
            d["kinds"][e.kind] += 1
            d["bad"] += 0 if e.ok else 1
        t["timeline"] = [
            {**d, "kinds": ", ".join(f"{k} × {n}" for k, n in sorted(d["kinds"].items()))} for d in days.values()
        ]
        t["rows"] = _ordered(t["checks"])
        t["failures"] = [f for f in data["findings"] if f["territory"] == t["key"]]
    data["bundle_rows"] = _ordered(data["bundle"])
    data["bundle_findings"] = [f for f in data["findings"] if f["territory"] is None]
    data["created_text"] = when(report.created)
    data["names"] = {t["key"]: t["name"] for t in data["territories"]}
    data["areas"] = _areas(data["derived"], data["names"])
    return data


def _areas(derived: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    """The recomputed areas in words and money a non-technical evaluator reads without a glossary."""

    def who(key: str) -> str:
        return names.get(key) or f"territory {key[:12]}…"

    funds = []
    for f in derived.get("funds", []):
        cur = f["currency"]

        def money(c: int, cur: str = cur) -> str:
            return f"{format_cents(c)} {cur}"

        funds.append({
            "name": f["name"], "creator": who(f["creator"]), "members": f["member_count"], "quorum": f["quorum"],
            "rows": [[who(m["key"]), money(m["pledged"]), money(m["contributed"]), money(m["granted"]), money(m["paid"])]
                     for m in f["members"]],
            "total": [money(f["total"][k]) for k in ("pledged", "contributed", "granted", "paid")],
            "available": money(f["total"]["available"]),
            "grants": [{"slot": g["slot"], "to": who(g["requester"]), "amount": money(g["amount"]), "purpose": g["purpose"],
                        "approvals": f"{g['approvals']} of {f['member_count']}", "paid": "yes" if g["paid"] else "not yet"}
                       for g in f["grants"]],
            "pending": [{"slot": g["slot"], "to": who(g["requester"]), "amount": money(g["amount"]), "purpose": g["purpose"],
                         "approvals": f"{g['approvals']} of {f['member_count']}"} for g in f["pending"]],
            "equivocations": f["equivocations"],
        })
    twinnings = [{
        "title": t["title"], "proposer": who(t["proposer"]), "partners": ", ".join(who(p) for p in t["partners"]),
        "state": STATE_WORDS.get(t["state"], t["state"]), "until": t["until"], "milestones": t["milestones"],
        "hours": "; ".join(f"{who(k)}: {_hours(v)}" for k, v in t["minutes"].items()) or "none reported",
        "set_aside": t["set_aside"],
    } for t in derived.get("twinnings", [])]
    pacts = [{
        "title": p["title"], "territory": who(p["author"]), "years": p["years"], "partners": p["partners"],
        "taskforces": p["taskforces"], "budget": format_cents(p["budget_cents"]),
        "commitments": ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in p["commitments"].items() if n) or "none yet",
        "evaluations": ", ".join(f"{e['year']}{'' if e['published'] else ' (draft)'}" for e in p["evaluations"]) or "none yet",
        "certificates": p["certificates"]["valid"],
    } for p in derived.get("pacts", [])]
    das = [{
        "territory": who(s["author"]), "period": s["period"], "k": s["k"],
        "persons": "fewer than k" if s["persons"] is None else s["persons"],
        "given": "hidden (fewer than k)" if s["given_minutes"] is None else _hours(s["given_minutes"]),
        "granted": "hidden (fewer than k)" if s["granted_minutes"] is None else _hours(s["granted_minutes"]),
        "credited": "hidden (fewer than k)" if s["credited_cents"] is None else f"{format_cents(s['credited_cents'])} {s['currency']}",
        "categories": ", ".join(s["categories"]) or "—", "replaced": s["replaced"],
    } for s in derived.get("das", [])]
    consents = [_consent(who(c["author"]), ACT_LABELS.get(c["act"], c["act"]), c, c["act"] in ACT_LABELS)
                for c in derived.get("consents", [])]
    consents += [_consent(who(s["author"]), f"DAS {c['act']} ({s['period']}, as published)", c, True)
                 for s in derived.get("das", []) if not s.get("replaced") for c in s.get("consents") or []]
    return {"funds": funds, "twinnings": twinnings, "pacts": pacts, "das": das, "consents": consents}


def _consent(territory: str, label: str, c: Mapping[str, Any], consent: bool) -> dict[str, Any]:
    """One line: how many acts, by how many distinct accounts; for a consent each party gives for
    itself, a flag when one account gave them all."""
    n, accounts = c["acts"], c["accounts"]
    note = ""
    if accounts is None:
        note = "signed before acts named their account"
    elif consent and n > 1 and accounts == 1:
        note = "all by one account"
    return {"territory": territory, "act": label, "role": c["role"], "acts": n,
            "accounts": "unknown" if accounts is None else accounts, "note": note}


def _hours(minutes: int) -> str:
    return f"{minutes // 60} h {minutes % 60:02d}" if minutes % 60 else f"{minutes // 60} h"


def render_text(report: Report) -> str:
    v = view(report)
    lines = [
        f"bundle: {v['bytes']} bytes, {v['records']} records, network {(v['network'] or '?')[:16]}, "
        f"exported by {(v['exporter'] or '?')[:16]} on {v['created_text']}"
        + ("" if v["scope"] in ("all", "") else f" (only {v['scope']})"),
        "",
        table([[r["label"], r["verdict"].upper(), r["checked"]] for r in v["bundle_rows"]], ["bundle check", "verdict", "items"]),
    ]
    for t in v["territories"]:
        lines += [
            "",
            f"territory {t['name'] or '(no profile)'} {t['key'][:16]}: {t['records']} records, {t['verdict'].upper()}",
            table([[r["label"], r["verdict"].upper(), r["checked"]] for r in t["rows"]], ["check", "verdict", "items"]),
        ]
    if v["findings"]:
        lines += ["", table(
            [[f["severity"].upper(), f["check"], (f["territory"] or "bundle")[:16], "" if f["seq"] is None else f["seq"],
              f["reason"]] for f in v["findings"]],
            ["", "check", "territory", "record", "reason"],
        )]
    for f in v["areas"]["funds"]:
        paid_in, granted, paid = f["total"][1], f["total"][2], f["total"][3]
        lines.append(f"\nfund {f['name']}: contributed {paid_in}, granted {granted}, paid {paid}, available {f['available']} "
                     f"({len(f['grants'])} grant(s), {len(f['pending'])} pending)")
    for t in v["areas"]["twinnings"]:
        lines.append(f"twinning {t['title']}: {t['state']}, {t['milestones']} milestone(s), time given {t['hours']}")
    for p in v["areas"]["pacts"]:
        lines.append(f"pact {p['title']} ({p['territory']}): {p['commitments']}")
    if v["areas"]["consents"]:
        lines += ["", "consents and acts, by role (distinct accounts behind them):", table(
            [[c["territory"], c["act"], c["role"], c["acts"], c["accounts"], c["note"]] for c in v["areas"]["consents"]],
            ["territory", "act", "role", "acts", "accounts", ""],
        )]
    fails = sum(1 for f in report.findings if report.failing(f))
    warns = sum(1 for f in report.findings if f.severity is Severity.WARN)
    frozen = [t for t in v["territories"] if t["frozen"]]
    for t in frozen:
        lines.append(f"\nequivocation proven, author frozen: {t['name'] or '(no profile)'} {t['key'][:16]} "
                     "(the fork proof checks; the network caught it)")
    if report.ok:
        lines += ["", "verdict: PASS, every check holds" + (f" ({warns} warning(s), see above)" if warns else "")]
    else:
        lines += ["", f"verdict: FAIL, {fails} problem(s) found" + (" (--strict: warnings fail)" if report.strict and warns else "")]
    return "\n".join(lines)


def render_html(report: Report) -> str:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("node", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("audit_report.html.j2").render(r=view(report))
