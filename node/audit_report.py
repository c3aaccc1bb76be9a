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

from node.cliutil import table
from protocol.audit.findings import Report, Severity

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
    return data


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
    fails = sum(1 for f in report.findings if f.severity is Severity.FAIL)
    lines += ["", "verdict: PASS, every check holds" if report.ok else f"verdict: FAIL, {fails} problem(s) found"]
    return "\n".join(lines)


def render_html(report: Report) -> str:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("node", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("audit_report.html.j2").render(r=view(report))
