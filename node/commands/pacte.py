"""`democite pacte ...` (clients of the admin API) and `democite verify FILE` (offline, no node):
the parser; the actions are in `node/commands/pacte_actions.py`."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from node.commands.pacte_actions import (
    cmd_cert_issue,
    cmd_cert_renew,
    cmd_cert_revoke,
    cmd_commit,
    cmd_create,
    cmd_evaluate,
    cmd_export,
    cmd_list,
    cmd_partner_add,
    cmd_publish_evaluation,
    cmd_rebuild,
    cmd_salary_share,
    cmd_show,
    cmd_taskforce_add,
    cmd_transition,
)
from node.commands.util import command as _cmd
from node.commands.verify import cmd_verify

Handler = Callable[[argparse.Namespace], int | None]



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

    p = _cmd(ps, "transition", cmd_transition, "move a commitment: accepted, in_progress, met, missed, withdrawn "
             "(recorded with the acting account: a partner's token in DEMOCITE_TOKEN acts for its organisation)")
    p.add_argument("commitment", metavar="COMMITMENT_ID", help="the commitment's id (`pacte show` lists them)")
    p.add_argument("state", metavar="STATE", help="the new state: accepted, in_progress, met, missed or withdrawn")
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
