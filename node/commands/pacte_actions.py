"""The actions of `democite pacte ...`: each a client of the admin API, printing text or JSON.
The parser that names them is `node/commands/pacte.py`."""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal, InvalidOperation
from typing import Any

from node import files
from node.commands.util import api, emit, short, table
from node.pacte.service import MAX_PAYROLL_CENTS


def _fail(message: str) -> SystemExit:
    return SystemExit(f"democite: error: {message}")


def _hundredths(text: str, what: str, example: str) -> int:
    """A decimal with at most 2 places as an integer count of hundredths (cents, basis points)."""
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise _fail(f"{what} must be a number, e.g. {example}") from None
    if value.is_finite() and value.adjusted() > 15:  # before scaling: 1e999999999 would build a billion-digit integer
        raise _fail(f"{what} is far too large, e.g. {example}")
    scaled = value * 100
    if not value.is_finite() or scaled != scaled.to_integral_value() or value < 0:
        raise _fail(f"{what} must be a non-negative number with at most 2 decimals, e.g. {example}")
    return int(scaled)


def _split(text: str, n: int, what: str, example: str) -> list[str]:
    parts = [p.strip() for p in text.split(";")]
    if len(parts) != n or not all(parts):
        raise _fail(f"{what} '{text}' must have {n} parts separated by ';', e.g. {example}")
    return parts


def _int(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise _fail(f"{what} must be a whole number, got '{text}'") from None


# -- handlers --------------------------------------------------------------------------------------


def cmd_create(args: argparse.Namespace) -> None:
    body: dict[str, Any] = {"title": args.title, "horizon": args.horizon}
    for key, value in (("vision", args.vision), ("scope", args.scope), ("start_year", args.start_year)):
        if value:
            body[key] = value
    r = api(args).post("/api/pacte", body)
    emit(args, r, lambda r: f"pact created: {r['id']}")


def cmd_list(args: argparse.Namespace) -> None:
    r = api(args).get("/api/pacte")
    emit(
        args,
        r,
        lambda r: (
            table(
                [
                    [
                        p["id"],
                        p["title"],
                        f"{p['years'][0]}-{p['years'][1]}",
                        "own" if p["own"] else short(p["author"]),
                        ", ".join(f"{k} {v}" for k, v in p["commitments"].items()),
                    ]
                    for p in r["pacts"]
                ],
                ["id", "title", "years", "territory", "commitments"],
            )
            if r["pacts"]
            else "no pacts yet: create one with `democite pacte create --title T --horizon 5`"
        ),
    )


def cmd_show(args: argparse.Namespace) -> None:
    r = api(args).get(f"/api/pacte/{args.pacte}")
    emit(args, r, _show_text)


def _show_text(p: dict[str, Any]) -> str:
    lines = [f"{p['title']}  ({p['years'][0]}-{p['years'][1]}, id {p['id']})"]
    if p["vision"]:
        lines.append(f"vision: {p['vision']}")
    lines += [
        "",
        "partners:",
        table(
            [[x["org"], x["kind"], x["contact_role"], x["since"]] for x in p["partners"]],
            ["org", "kind", "contact role", "since"],
        ),
    ]
    for tf in p["taskforces"]:
        lines += _taskforce_text(tf)
    rows = [[state, c["partner"], c["deliverable"], c["due"], c["id"]] for state, cs in p["commitments"].items() for c in cs]
    lines += ["", "commitments by state:", table(rows, ["state", "partner", "deliverable", "due", "id"])]
    lines += _salary_text(p)
    for e in p["evaluations"]:
        lines.append(f"evaluation {e['year']}: {'published' if e['published'] else 'draft'} ({e['id']})")
    for c in p["certificates"]:
        lines.append(f"certificate {c['id']}: {c['org']} until {c['valid_until']} [{c['status']}]")
    return "\n".join(lines)


def _taskforce_text(tf: dict[str, Any]) -> list[str]:
    """A task force's heading and its criteria against their targets."""
    lines = ["", f"task force {short(tf['id'])}: {tf['mission']}  members: {', '.join(tf['members']) or '-'}"]
    if tf["criteria"]:
        rows = [
            [
                c["kind"],
                c["indicator"],
                c["unit"],
                c["baseline"],
                c["target"],
                "" if c["measured"] is None else f"{c['measured']} ({c['measured_year']})",
                "" if c["progress_percent"] is None else f"{c['progress_percent']}%",
            ]
            for c in tf["criteria"]
        ]
        lines.append(table(rows, ["criterion", "indicator", "unit", "baseline", "target", "measured", "progress"]))
    return lines


def _salary_text(p: dict[str, Any]) -> list[str]:
    """Salary shares paid in local currency, and what they inject per year."""
    lines: list[str] = []
    if p["salary_shares"]:
        rows = [
            [s["year"], s["partner"], s["percent"] + "%",
             f"{s['payroll_cents'] / 100:.2f}" if s["payroll_cents"] else "not declared",
             f"{s['injected_cents'] / 100:.2f}" if s["payroll_cents"] else "-"]
            for s in p["salary_shares"]
        ]
        lines += ["", "salaries paid in local currency:", table(rows, ["year", "partner", "share", "payroll", "injected"])]
        if any(not s["payroll_cents"] for s in p["salary_shares"]):
            lines.append("(give --payroll to `pacte salary-share` to count what a share injects)")
    if p["injected_cents_by_year"] and any(p["injected_cents_by_year"].values()):
        lines += [
            "",
            "local currency injected per year: "
            + ", ".join(f"{y}: {c / 100:.2f}" for y, c in p["injected_cents_by_year"].items()),
        ]
    return lines


def cmd_export(args: argparse.Namespace) -> None:
    r = api(args).get(f"/api/pacte/{args.pacte}/history", format=args.format)
    text = r if isinstance(r, str) else json.dumps(r, ensure_ascii=False, indent=2) + "\n"
    if args.output:
        files.write_private(args.output, text)
        print(f"history written to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)


def cmd_partner_add(args: argparse.Namespace) -> None:
    body = {"org": args.org, "kind": args.kind}
    if args.contact_role:
        body["contact_role"] = args.contact_role
    if args.since:
        body["since"] = args.since
    r = api(args).post(f"/api/pacte/{args.pacte}/partners", body)
    emit(args, r, lambda r: f"partner '{r['org']}' added ({r['id']})")


def cmd_taskforce_add(args: argparse.Namespace) -> None:
    ex_c = "'environmental;CO2 avoided;t;0;120'"
    criteria = []
    for text in args.criterion or []:
        kind, indicator, unit, base, target = _split(text, 5, "--criterion", ex_c)
        criteria.append(
            {
                "kind": kind,
                "indicator": indicator,
                "unit": unit,
                "baseline": _int(base, "baseline"),
                "target": _int(target, "target"),
            }
        )
    budget = []
    for text in args.budget or []:
        year, source, euros = _split(text, 3, "--budget", "'2027;Région;15000'")
        budget.append(
            {"year": _int(year, "budget year"), "source": source, "cents": _hundredths(euros, "budget amount", "15000.50")}
        )
    body: dict[str, Any] = {"mission": args.mission, "criteria": criteria, "budget": budget, "members": args.member or []}
    if args.governance:
        body["governance"] = args.governance
    r = api(args).post(f"/api/pacte/{args.pacte}/taskforces", body)
    emit(args, r, lambda r: f"task force created: {r['id']}")


def cmd_commit(args: argparse.Namespace) -> None:
    body = {"partner": args.partner, "deliverable": args.deliverable, "due": args.due}
    if args.indicator:
        body["indicator"] = args.indicator
    r = api(args).post(f"/api/pacte/taskforces/{args.taskforce}/commitments", body)
    emit(args, r, lambda r: f"commitment recorded (proposed): {r['id']}")


def cmd_transition(args: argparse.Namespace) -> None:
    body = {"to": args.state}
    if args.note:
        body["note"] = args.note
    r = api(args).post(f"/api/pacte/commitments/{args.commitment}/transition", body)
    emit(args, r, lambda r: f"commitment {short(r['commitment'])} is now {r['state']}")


def cmd_salary_share(args: argparse.Namespace) -> None:
    body: dict[str, Any] = {"partner": args.partner, "share_bp": _hundredths(args.percent, "--percent", "8 or 7.5")}
    if args.payroll:
        body["payroll_cents"] = _hundredths(args.payroll, "--payroll", "250000")
        if body["payroll_cents"] > MAX_PAYROLL_CENTS:
            raise _fail(f"--payroll is a yearly payroll in euros, at most {MAX_PAYROLL_CENTS // 100:,}; e.g. 250000")
    if args.year:
        body["year"] = args.year
    r = api(args).post(f"/api/pacte/{args.pacte}/salary-shares", body)
    emit(args, r, lambda r: f"salary share of '{r['partner']}' recorded: {r['share_bp'] / 100:g}%")


def cmd_evaluate(args: argparse.Namespace) -> None:
    measures: dict[str, dict[str, int]] = {}
    for text in args.measure or []:
        tf, _, rest = text.partition(":")
        indicator, eq, value = rest.rpartition("=")
        if not (tf and indicator and eq):
            raise _fail(f"--measure '{text}' must be TASKFORCE_ID:INDICATOR=VALUE, e.g. 3fa2...:CO2 avoided=80")
        measures.setdefault(tf, {})[indicator] = _int(value, "a measured value")
    spent: dict[str, int] = {}
    for text in args.spent or []:
        tf, eq, euros = text.partition("=")
        if not (tf and eq):
            raise _fail(f"--spent '{text}' must be TASKFORCE_ID=EUROS")
        spent[tf] = _hundredths(euros, "--spent amount", "12000")
    body: dict[str, Any] = {
        "year": args.year,
        "measures": measures,
        "spent_cents": spent,
        "assessment": args.assessment,
        "publish": args.publish,
    }
    if args.adjustments:
        body["adjustments"] = args.adjustments
    r = api(args).post(f"/api/pacte/{args.pacte}/evaluations", body)
    emit(args, r, lambda r: f"evaluation {r['year']} {'published (frozen)' if r['published'] else 'saved as draft'}: {r['id']}")


def cmd_publish_evaluation(args: argparse.Namespace) -> None:
    r = api(args).post(f"/api/pacte/evaluations/{args.evaluation}/publish")
    emit(args, r, lambda r: f"evaluation published and frozen: {r['id']}")


def _write_credential(args: argparse.Namespace, r: dict[str, Any]) -> None:
    if args.output:
        files.write_private(args.output, json.dumps(r["credential"], ensure_ascii=False, indent=2) + "\n")
    emit(args, r, lambda r: f"certificate {r['id']}" + (f" written to {args.output}" if args.output else ""))


def cmd_cert_issue(args: argparse.Namespace) -> None:
    evidence = [x.strip() for item in args.evidence for x in item.split(",") if x.strip()]
    body: dict[str, Any] = {"org": args.org, "evidence": evidence, "until": args.until}
    if args.valid_from:
        body["from"] = args.valid_from
    _write_credential(args, api(args).post(f"/api/pacte/{args.pacte}/certificates", body))


def cmd_cert_renew(args: argparse.Namespace) -> None:
    _write_credential(args, api(args).post(f"/api/pacte/certificates/{args.certificate}/renew", {"until": args.until}))


def cmd_cert_revoke(args: argparse.Namespace) -> None:
    r = api(args).post(f"/api/pacte/certificates/{args.certificate}/revoke", {"reason": args.reason})
    emit(args, r, lambda r: f"certificate {short(r['certificate'])} revoked")


def cmd_rebuild(args: argparse.Namespace) -> None:
    r = api(args).post("/api/pacte/rebuild")
    emit(args, r, lambda r: f"pact tables rebuilt from the logs: {r['pacts']} pacts of {r['authors']} territories")
