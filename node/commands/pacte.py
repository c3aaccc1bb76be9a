"""`democite pacte ...` (clients of the admin API) and `democite verify FILE` (offline, no node)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from node import files
from node.commands.util import api, emit, short, table
from node.commands.util import command as _cmd
from node.commands.verify import cmd_verify
from node.pacte.service import MAX_PAYROLL_CENTS

Handler = Callable[[argparse.Namespace], int | None]


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
    body = {"to": args.state, "by": args.by}
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


# -- parser ----------------------------------------------------------------------------------------



_PACT_ID = "the pact's id (`pacte list` shows it)"


def register(sub: Any) -> None:
    pacte = sub.add_parser(
        "pacte",
        help="Pactes 21: pacts, partners, task forces, commitments, evaluations, certificates",
        description="Pactes 21: pacts, partners, task forces, commitments, evaluations, certificates",
        epilog='example: democite pacte create --title "Pacte alimentaire" --horizon 5 --vision "manger local"',
    )
    ps = pacte.add_subparsers(dest="pacte_command", metavar="ACTION", required=True)
    _pacts(ps)
    _partners(ps)
    _taskforces(ps)
    _commitments(ps)
    _salary_shares(ps)
    _evaluations(ps)
    _certificates(ps)
    _cmd(ps, "rebuild", cmd_rebuild, "rebuild the pact tables from the logs alone")
    _verify(sub)


def _pacts(ps: Any) -> None:
    """`democite pacte`: create, list, show and export pacts."""
    p = _cmd(ps, "create", cmd_create, "create a pact")
    p.add_argument("--title", required=True, help='the pact\'s title, e.g. "Pacte alimentaire"')
    p.add_argument("--horizon", type=int, required=True, help="number of years (usually 5)")
    p.add_argument("--vision", default="", help="the shared vision in one or two sentences")
    p.add_argument("--scope", default="", help="territory scope, e.g. 'Communauté de communes'")
    p.add_argument("--start-year", type=int, default=None, help="first year (default: this year)")

    _cmd(ps, "list", cmd_list, "list the pacts this node holds")

    p = _cmd(ps, "show", cmd_show, "a pact's state: indicators against targets, commitments by state")
    p.add_argument("pacte", metavar="PACTE_ID", help=_PACT_ID)

    p = _cmd(ps, "export", cmd_export, "a pact's full history (every record) as JSON or CSV")
    p.add_argument("pacte", metavar="PACTE_ID", help=_PACT_ID)
    p.add_argument("--format", choices=["json", "csv"], default="json", help="json (default) or csv (one line per record)")
    p.add_argument("-o", "--output", help="write to this file instead of stdout")


def _partners(ps: Any) -> None:
    """`democite pacte partner`: the organisations that sign up to a pact."""
    partner = ps.add_parser("partner", help="pact partners", description="pact partners",
                            epilog="example: democite pacte partner add PACTE_ID --org Biocoop --kind company")
    partner_sub = partner.add_subparsers(dest="partner_command", metavar="ACTION", required=True)
    p = _cmd(partner_sub, "add", cmd_partner_add, "sign up a partner organisation (its adhesion is dated)")
    p.add_argument("pacte", metavar="PACTE_ID", help=_PACT_ID)
    p.add_argument("--org", required=True, help="organisation name")
    p.add_argument("--kind", required=True, choices=sorted(["company", "public", "association", "citizens", "other"]),
                   help="the kind of organisation")
    p.add_argument("--contact-role", default="", help="a role, never a person's name (e.g. 'RSE officer')")
    p.add_argument("--since", default="", help="adhesion date YYYY-MM-DD (default: today)")


def _taskforces(ps: Any) -> None:
    """`democite pacte taskforce`: task forces with their criteria and budget."""
    tf = ps.add_parser("taskforce", help="task forces", description="task forces",
                       epilog='example: democite pacte taskforce add PACTE_ID --mission "Circuits courts" --member Biocoop')
    tf_sub = tf.add_subparsers(dest="taskforce_command", metavar="ACTION", required=True)
    p = _cmd(tf_sub, "add", cmd_taskforce_add, "create a task force in a pact")
    p.add_argument("pacte", metavar="PACTE_ID", help=_PACT_ID)
    p.add_argument("--mission", required=True, help='what the task force is for, e.g. "Circuits courts"')
    p.add_argument(
        "--criterion", action="append", help="'KIND;INDICATOR;UNIT;BASELINE;TARGET' (kind: social or environmental); repeatable"
    )
    p.add_argument("--budget", action="append", help="'YEAR;SOURCE;EUROS' budget line; repeatable")
    p.add_argument("--member", action="append", help="a partner organisation; repeatable")
    p.add_argument("--governance", default="", help="governance rules")


def _commitments(ps: Any) -> None:
    """`democite pacte`: a partner's commitments and their states."""
    p = _cmd(ps, "commit", cmd_commit, "record a partner's commitment in a task force")
    p.add_argument("taskforce", metavar="TASKFORCE_ID", help="the task force's id (`pacte show` lists them)")
    p.add_argument("--partner", required=True, help="the committed partner organisation, e.g. Biocoop")
    p.add_argument("--deliverable", required=True, help='what will be delivered, e.g. "50%% local products"')
    p.add_argument("--due", required=True, help="YYYY-MM-DD")
    p.add_argument("--indicator", default="", help="the task force indicator this commitment moves (optional)")

    p = _cmd(ps, "transition", cmd_transition, "move a commitment: accepted, in_progress, met, missed, withdrawn")
    p.add_argument("commitment", metavar="COMMITMENT_ID", help="the commitment's id (`pacte show` lists them)")
    p.add_argument("state", metavar="STATE", help="the new state: accepted, in_progress, met, missed or withdrawn")
    p.add_argument("--by", default="secretariat", help="who decided (an organisation or a role; default: secretariat)")
    p.add_argument("--note", default="", help="why, in one sentence (optional)")


def _salary_shares(ps: Any) -> None:
    """`democite pacte salary-share`: salaries paid in local currency."""
    p = _cmd(ps, "salary-share", cmd_salary_share, "record a partner's share of salaries paid in local currency (at most 10%%)")
    p.add_argument("pacte", metavar="PACTE_ID", help=_PACT_ID)
    p.add_argument("--partner", required=True, help="the partner organisation paying part of its salaries in local currency")
    p.add_argument("--percent", required=True, help="e.g. 8 or 7.5")
    p.add_argument("--payroll", default="", help="the partner's yearly payroll in euros, to compute what is injected")
    p.add_argument("--year", type=int, default=None, help="default: this year")


def _evaluations(ps: Any) -> None:
    """`democite pacte`: the yearly evaluation, saved as a draft then published."""
    p = _cmd(ps, "evaluate", cmd_evaluate, "save the yearly evaluation workshop (draft, or --publish to freeze it)")
    p.add_argument("pacte", metavar="PACTE_ID", help=_PACT_ID)
    p.add_argument("--year", type=int, required=True, help="the year evaluated, e.g. 2026")
    p.add_argument("--measure", action="append", help="TASKFORCE_ID:INDICATOR=VALUE; repeatable")
    p.add_argument("--spent", action="append", help="TASKFORCE_ID=EUROS spent this year; repeatable")
    p.add_argument("--assessment", required=True, help="the workshop's assessment, in a few sentences")
    p.add_argument("--adjustments", default="", help="what the partners change for next year (optional)")
    p.add_argument("--publish", action="store_true", help="publish now: the evaluation is then frozen")

    p = _cmd(ps, "publish-evaluation", cmd_publish_evaluation, "publish (freeze) a draft evaluation")
    p.add_argument("evaluation", metavar="EVALUATION_ID", help="the draft evaluation's id (printed by `pacte evaluate`)")


def _certificates(ps: Any) -> None:
    """`democite pacte certificate`: Certificates of Territorial Utility (issue, renew, revoke)."""
    cert = ps.add_parser(
        "certificate", help="Certificates of Territorial Utility", description="Certificates of Territorial Utility",
        epilog="example: democite pacte certificate issue PACTE_ID --org Biocoop --evidence COMMITMENT_ID --until 2027-12-31 -o cert.json",
    )
    cert_sub = cert.add_subparsers(dest="certificate_command", metavar="ACTION", required=True)
    p = _cmd(cert_sub, "issue", cmd_cert_issue, "issue a certificate (W3C Verifiable Credential) citing evidence")
    p.add_argument("pacte", metavar="PACTE_ID", help=_PACT_ID)
    p.add_argument("--org", required=True, help="the partner organisation certified")
    p.add_argument("--evidence", action="append", required=True, help="a met commitment or published evaluation id; repeatable")
    p.add_argument("--until", required=True, help="end of validity YYYY-MM-DD, today or later")
    p.add_argument("--from", dest="valid_from", default="", help="start of validity YYYY-MM-DD (default: today)")
    p.add_argument("-o", "--output", help="write the credential to this file")
    p = _cmd(cert_sub, "renew", cmd_cert_renew, "renew a certificate with a new end date")
    p.add_argument("certificate", metavar="CERTIFICATE_ID", help="the certificate renewed (`pacte show` lists them)")
    p.add_argument("--until", required=True, help="new end of validity YYYY-MM-DD, today or later")
    p.add_argument("-o", "--output", help="write the new credential to this file")
    p = _cmd(cert_sub, "revoke", cmd_cert_revoke, "revoke a certificate")
    p.add_argument("certificate", metavar="CERTIFICATE_ID", help="the certificate revoked (`pacte show` lists them)")
    p.add_argument("--reason", required=True, help="why, in one sentence (published with the revocation)")


def _verify(sub: Any) -> None:
    """`democite verify FILE`: a top-level command, offline, no node."""
    p = _cmd(sub, "verify", cmd_verify, "verify a certificate (W3C VC, eddsa-jcs-2022) offline, without a node", data=False)
    p.add_argument("file", metavar="FILE", help="the credential file (JSON), e.g. written by `pacte certificate issue -o cert.json`")
    p.add_argument("--today", default="", help="check validity on this date YYYY-MM-DD (default: today)")
