"""`democite das ...`: Societal Activity Rights on the command line (a client of the admin API).

This module is the parser; the commands live in `commands_people` (employers, persons,
contracts), `commands_programme` (projects, entries, import) and `commands_reports` (statements,
summaries, proofs, ledger). Every `add` prints the new object's id (with `--json`, a JSON object
with an "id" field). `verify-proof` is the one command that works offline, without a node.
"""

from __future__ import annotations

from typing import Any

from node.cliutil import command as _cmd
from node.das import rules
from node.das.commands_people import (
    contract_accept,
    contract_add,
    contract_amend,
    contract_flex,
    contract_list,
    contract_show,
    employer_add,
    employer_list,
    employer_view,
    person_add,
    person_erase,
    person_export,
    person_list,
    person_profile,
    person_show,
)
from node.das.commands_programme import (
    entry_add,
    entry_correct,
    entry_list,
    entry_review,
    import_csv,
    project_add,
    project_list,
    project_move,
    project_show,
)
from node.das.commands_reports import (
    ledger_balance,
    ledger_export,
    ledger_spend,
    prove,
    statement,
    statements,
    summary_list,
    summary_preview,
    summary_publish,
    verify_proof,
)
from node.das.commands_util import das_group

# -- parser ----------------------------------------------------------------------------------


def register(sub: Any) -> None:
    das = sub.add_parser("das", help="Societal Activity Rights: persons, contracts, projects, time, statements, summaries",
                         description="Societal Activity Rights (DAS): persons, employers, contracts, the local programme, "
                                     "activity entries, statements, local-currency credits and private summaries.")
    ds = das.add_subparsers(dest="das_command", metavar="COMMAND", required=True)

    g = das_group(ds, "employer", "employers (private or public)")
    p = _cmd(g, "add", employer_add, "add an employer; prints its id")
    p.add_argument("--name", required=True)
    p.add_argument("--kind", required=True, choices=rules.EMPLOYER_KINDS)
    _cmd(g, "list", employer_list, "list employers")
    p = _cmd(g, "view", employer_view, "an employer's view: hours used against each employee's quota, never projects or causes")
    p.add_argument("employer", help="employer name or id")
    p.add_argument("--period", help="YYYY, YYYY-Qn or YYYY-MM (default: this year)")

    g = das_group(ds, "person", "persons holding a Societal Activity Right")
    p = _cmd(g, "add", person_add, "add a person; prints their local id")
    p.add_argument("--pseudonym", required=True)
    p.add_argument("--status", required=True, choices=rules.STATUSES)
    p.add_argument("--employer", help="employer name")
    p.add_argument("--name", help="full name (stays on this node)")
    p.add_argument("--local-id", help="the office's own reference for this person (default: a new P-XXXXXXXX)")
    p = _cmd(g, "list", person_list, "list persons")
    p.add_argument("--status", choices=rules.STATUSES)
    p = _cmd(g, "show", person_show, "one person with profiles and contracts")
    p.add_argument("person", help="pseudonym or local id")
    p = _cmd(g, "profile", person_profile, "record a new version of a person's competence profile")
    p.add_argument("person", help="pseudonym or local id")
    p.add_argument("--competence", action="append", required=True,
                   help="LABEL_OR_ESCO_URI=LEVEL[,FAMILY], level 1-4; repeat for each competence")
    p.add_argument("--agreed-on", help="date of the agreement (default today)")
    p.add_argument("--parties", default="engagement21,person,employer",
                   help="who agreed, comma-separated (default engagement21,person,employer; no employer for volunteers)")
    p = _cmd(g, "export", person_export, "all of one person's data as JSON (access and portability)")
    p.add_argument("person")
    p.add_argument("--out", help="write to this file instead of stdout")
    p = _cmd(g, "erase", person_erase, "erase a person's personal data (published records stay valid)")
    p.add_argument("person")
    p.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")

    g = das_group(ds, "contract", "three-party DAS contracts, amendments and flexibility agreements")
    p = _cmd(g, "add", contract_add, "add a contract; prints its id")
    p.add_argument("--person", required=True)
    p.add_argument("--hours", required=True, help="time granted over the contract's period: 35, 17.5, 17h30 or 17:30")
    p.add_argument("--from", dest="date_from", required=True, help="first day YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", required=True, help="last day YYYY-MM-DD")
    p.add_argument("--employer", help="default: the person's employer (none for volunteers, students...)")
    p.add_argument("--mode", choices=rules.MODES, help="spread over the quarters (default) or taken as DAS leave days")
    p.add_argument("--leave-day-minutes", type=int, help="length of one DAS leave day (default 420)")
    p.add_argument("--pending", action="store_true", help="record it without the parties' acceptances (see `contract accept`)")
    p = _cmd(g, "list", contract_list, "current contracts with hours used and remaining")
    p.add_argument("--person")
    p = _cmd(g, "show", contract_show, "a contract's versions and flexibility agreements")
    p.add_argument("contract", type=int)
    p = _cmd(g, "accept", contract_accept, "record one party's acceptance")
    p.add_argument("contract", type=int)
    p.add_argument("--party", required=True, choices=rules.PARTIES)
    p.add_argument("--on", help="date of acceptance (default today)")
    p = _cmd(g, "amend", contract_amend, "amend a contract (a new version; the old one is kept)")
    p.add_argument("contract", type=int)
    p.add_argument("--hours", help="the new time granted: 35, 17.5, 17h30 or 17:30")
    p.add_argument("--from", dest="date_from")
    p.add_argument("--to", dest="date_to")
    p.add_argument("--mode", choices=rules.MODES)
    p.add_argument("--reason", required=True)
    p.add_argument("--pending", action="store_true")
    p = _cmd(g, "flex", contract_flex, "move hours between two quarters by mutual consent (total unchanged)")
    p.add_argument("contract", type=int)
    p.add_argument("--from", dest="q_from", required=True, help="quarter giving hours, e.g. 2026-Q3")
    p.add_argument("--to", dest="q_to", required=True, help="quarter receiving them, e.g. 2026-Q1")
    p.add_argument("--hours", type=int)
    p.add_argument("--minutes", type=int)
    p.add_argument("--parties", required=True, help="who agreed, e.g. person,employer")
    p.add_argument("--on")
    p.add_argument("--reason")

    g = das_group(ds, "project", "the local programme of projects of general interest")
    p = _cmd(g, "add", project_add, "propose a project; prints its id")
    p.add_argument("--title", required=True)
    p.add_argument("--sdg", type=int, required=True, help="Sustainable Development Goal 1-17")
    p.add_argument("--coordinator", help="pseudonym of the person who validates its entries")
    p.add_argument("--kind", choices=rules.PROJECT_KINDS, help="programme (default), local-initiative or international-solidarity")
    p.add_argument("--theme", choices=rules.THEMES, help="union, religious, political and health are published only as 'generic'")
    p = _cmd(g, "list", project_list, "list projects")
    p.add_argument("--status", choices=tuple(s.value for s in rules.ProjectStatus))
    p = _cmd(g, "show", project_show, "one project with its history")
    p.add_argument("project", type=int)
    p = _cmd(g, "validate", project_move(rules.ProjectEvent.VALIDATE), "proposed → validated by the territorial assembly")
    p.add_argument("project", type=int)
    p.add_argument("--decision", required=True, help='the decision, e.g. "Conseil municipal 2026-02-10 n°12"')
    p.add_argument("--date", help="date of the decision (default: the date in --decision, else today)")
    p.add_argument("--note")
    for event, help in ((rules.ProjectEvent.ACTIVATE, "validated → active"), (rules.ProjectEvent.CLOSE, "→ closed (final)")):
        p = _cmd(g, event, project_move(event), help)
        p.add_argument("project", type=int)
        p.add_argument("--note")

    g = das_group(ds, "entry", "time given to projects")
    p = _cmd(g, "add", entry_add, "record time given; prints the entry id")
    p.add_argument("--person", required=True)
    p.add_argument("--project", type=int, required=True)
    p.add_argument("--date", required=True)
    p.add_argument("--minutes", type=int, required=True)
    p.add_argument("--competence", help="a competence of the person's profile (default: general)")
    p.add_argument("--note")
    p = _cmd(g, "list", entry_list, "list entries")
    p.add_argument("--person")
    p.add_argument("--project", type=int)
    p.add_argument("--status", choices=("pending", "validated", "rejected"))
    p.add_argument("--limit", type=int, default=1000)
    p.add_argument("--offset", type=int, default=0)
    for action, help in (("validate", "the project's coordinator validates an entry"), ("reject", "the project's coordinator rejects an entry")):
        p = _cmd(g, action, entry_review(action), help)
        p.add_argument("entry", type=int)
        p.add_argument("--by", required=True, help="the coordinator's pseudonym")
        if action == "reject":
            p.add_argument("--reason")
    p = _cmd(g, "correct", entry_correct, "rectify an entry with a correcting entry (never an edit)")
    p.add_argument("entry", type=int)
    p.add_argument("--minutes", type=int, required=True, help="the right total duration of the entry")
    p.add_argument("--reason", required=True)

    p = _cmd(ds, "statement", statement, "issue (or show) a person's Societal Activity statement for a period")
    p.add_argument("--person")
    p.add_argument("--period", help="YYYY, YYYY-Qn or YYYY-MM")
    p.add_argument("--number", type=int, help="show an issued statement by number")
    p.add_argument("--format", choices=("text", "json", "csv", "html"), default="text")
    p.add_argument("--lang", choices=("fr", "en"), default="fr")
    p.add_argument("--correct", action="store_true", help="issue a correction if entries changed since the last statement")
    p.add_argument("--out", help="write to this file instead of stdout")
    p = _cmd(ds, "statements", statements, "list statements, or issue all of a period (--issue)")
    p.add_argument("--person")
    p.add_argument("--period")
    p.add_argument("--issue", action="store_true", help="issue every person's statement of --period in one transaction")
    p.add_argument("--correct", action="store_true", help="with --issue: correct statements whose entries changed")
    p.add_argument("--limit", type=int, default=1000)
    p.add_argument("--offset", type=int, default=0)

    p = _cmd(ds, "import", import_csv, "bulk import a CSV (employers, persons, contracts or entries) in one transaction")
    p.add_argument("file")
    p.add_argument("--kind", choices=("employers", "persons", "contracts", "entries"), help="default: from the header line")

    g = das_group(ds, "summary", "signed, k-anonymous summaries published to the network")
    p = _cmd(g, "publish", summary_publish, "sign and publish the period's das.summary")
    p.add_argument("--period", required=True)
    p = _cmd(g, "preview", summary_preview, "show what would be published, without signing")
    p.add_argument("--period", required=True)
    p = _cmd(g, "list", summary_list, "summaries this node published")
    p.add_argument("--period")

    p = _cmd(ds, "prove", prove, "a disclosure proving one statement is counted in a published summary (JSON)")
    p.add_argument("--statement", type=int, required=True)
    p.add_argument("--attach", action="store_true", help="also include this disclosure in the node's audit exports")
    p.add_argument("--out", help="write to this file instead of stdout")
    p = _cmd(ds, "verify-proof", verify_proof, "check a disclosure offline (no node needed)", data=False)
    p.add_argument("file")
    p.add_argument("--author", help="the territory's public key (hex) the summary must be signed by")

    g = das_group(ds, "ledger", "local-currency credits (double-entry, integer cents)")
    p = _cmd(g, "spend", ledger_spend, "a person spends local currency at a local service")
    p.add_argument("--person", required=True)
    p.add_argument("--cents", type=int, required=True)
    p.add_argument("--merchant", required=True)
    p.add_argument("--memo")
    p = _cmd(g, "balance", ledger_balance, "one person's balance, or every account's")
    p.add_argument("--person")
    p = _cmd(g, "export", ledger_export, "every movement as CSV for the local currency's operator")
    p.add_argument("--out")
