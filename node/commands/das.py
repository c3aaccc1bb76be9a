"""`democite das ...`: Societal Activity Rights on the command line (a client of the admin API).

This module is the parser; the commands live in `das_people` (employers, persons,
contracts), `das_programme` (projects, entries, import) and `das_reports` (statements,
summaries, proofs, ledger). Every `add` prints the new object's id (with `--json`, a JSON object
with an "id" field). `verify-proof` is the one command that works offline, without a node.
"""

from __future__ import annotations

from typing import Any

from node.commands.das_leave import register as register_leave
from node.commands.das_people import (
    contract_accept,
    contract_add,
    contract_amend,
    contract_flex,
    contract_flex_accept,
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
    person_profile_accept,
    person_show,
)
from node.commands.das_programme import (
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
from node.commands.das_reports import (
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
from node.commands.das_util import das_group
from node.commands.util import command as _cmd
from node.das import rules

# -- parser ----------------------------------------------------------------------------------

PERSON = "the person's pseudonym or local id, e.g. p-0042"
PERIOD = "YYYY, YYYY-Qn or YYYY-MM, e.g. 2026-Q1"
PAGE_LIMIT = "at most this many rows (default 1000); the CLI says when there are more"
PAGE_OFFSET = "skip this many rows first, to see the next page (e.g. --offset 1000)"
NOTE = "a short note kept in the project's history (optional)"
PAPER = "(the office) the reference of the agreement the parties signed on paper, e.g. \"convention n°12\": it then binds"
AS_ACCOUNT = ("Run as the owner (api.token) or, with DEMOCITE_TOKEN set to an account's API token, as that account: "
              "consents are acts of the calling account's own party.")


def register(sub: Any) -> None:
    das = sub.add_parser("das", help="Societal Activity Rights: persons, contracts, projects, time, statements, summaries",
                         description="Societal Activity Rights (DAS): persons, employers, contracts, the local programme, "
                                     "activity entries, statements, local-currency credits and private summaries.",
                         epilog="example: democite das person add --pseudonym p-0042 --status employee --employer acme")
    ds = das.add_subparsers(dest="das_command", metavar="COMMAND", required=True)
    _employers(ds)
    _persons(ds)
    _contracts(ds)
    _projects(ds)
    _entries(ds)
    _statements(ds)
    _import(ds)
    _summaries(ds)
    _proofs(ds)
    _ledger(ds)
    register_leave(ds)


def _employers(ds: Any) -> None:
    """`democite das`: employers and their purpose-limited view."""
    g = das_group(ds, "employer", "employers (private or public)", "democite das employer add --name acme --kind private")
    p = _cmd(g, "add", employer_add, "add an employer; prints its id")
    p.add_argument("--name", required=True, help='the employer\'s name, e.g. "Usine Zéphyr"')
    p.add_argument("--kind", required=True, choices=rules.EMPLOYER_KINDS, help="private or public")
    _cmd(g, "list", employer_list, "list employers")
    p = _cmd(g, "view", employer_view, "an employer's view: hours used against each employee's quota, never projects or causes")
    p.add_argument("employer", help="employer name or id")
    p.add_argument("--period", help="YYYY, YYYY-Qn or YYYY-MM (default: this year)")


def _persons(ds: Any) -> None:
    """`democite das`: persons, their profiles, export and erasure."""
    g = das_group(ds, "person", "persons holding a Societal Activity Right",
                  "democite das person show p-0042")
    p = _cmd(g, "add", person_add, "add a person; prints their local id")
    p.add_argument("--pseudonym", required=True, help="how the office names this person in commands, e.g. p-0042 (never published)")
    p.add_argument("--status", required=True, choices=rules.STATUSES, help="the person's situation (employee, volunteer, student...)")
    p.add_argument("--employer", help="employer name")
    p.add_argument("--name", help="full name (stays on this node)")
    p.add_argument("--local-id", help="the office's own reference for this person (default: a new P-XXXXXXXX)")
    p = _cmd(g, "list", person_list, "list persons")
    p.add_argument("--status", choices=rules.STATUSES, help="only persons with this status")
    p = _cmd(g, "show", person_show, "one person with profiles and contracts")
    p.add_argument("person", help="pseudonym or local id")
    p = _cmd(g, "profile", person_profile, "(the office) record a new version of a person's competence profile; "
             "it is agreed once the person accepts it (`person profile-accept`)")
    p.add_argument("person", help="pseudonym or local id")
    p.add_argument("--competence", action="append", required=True,
                   help="LABEL_OR_ESCO_URI=LEVEL[,FAMILY], level 1-4; repeat for each competence")
    p.add_argument("--paper-consent", metavar="REF", help="the person signed it on paper: " + PAPER)
    p.add_argument("--agreed-on", help="with --paper-consent: the day the paper was signed (default today)")
    p = _cmd(g, "profile-accept", person_profile_accept, "the person accepts their current competence profile (from their account)")
    p.epilog = "example: democite das person profile-accept p-0042  " + AS_ACCOUNT
    p.add_argument("person", help=PERSON)
    p.add_argument("--version", type=int, help="the version accepted (default: the current one)")
    p.add_argument("--paper-consent", metavar="REF", help="the person signed it on paper: " + PAPER)
    p = _cmd(g, "export", person_export, "all of one person's data as JSON (access and portability)")
    p.add_argument("person", help=PERSON)
    p.add_argument("--out", help="write to this file instead of stdout")
    p = _cmd(g, "erase", person_erase, "erase a person's personal data (published records stay valid)")
    p.add_argument("person", help=PERSON)
    p.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")


def _contracts(ds: Any) -> None:
    """`democite das`: contracts, acceptances, amendments and flexibility."""
    g = das_group(ds, "contract", "three-party DAS contracts, their acceptances, amendments and flexibility agreements",
                  "democite das contract add --person p-0042 --hours 17h30 --from 2026-01-01 --to 2026-12-31")
    p = _cmd(g, "add", contract_add, "draft a contract (prints its id): it binds once the person, the employer and the office "
             "each accepted it (`contract accept`), or with --paper-consent")
    p.add_argument("--person", required=True, help=PERSON)
    p.add_argument("--hours", required=True, help="time granted over the contract's period: 35, 17.5, 17h30 or 17:30")
    p.add_argument("--from", dest="date_from", required=True, help="first day YYYY-MM-DD (within 10 years of today)")
    p.add_argument("--to", dest="date_to", required=True, help="last day YYYY-MM-DD (at most five years after --from)")
    p.add_argument("--employer", help="default: the person's employer (none for volunteers, students...)")
    p.add_argument("--mode", choices=rules.MODES, help="spread over the quarters (default) or taken as DAS leave days")
    p.add_argument("--leave-day-minutes", type=int, help="length of one DAS leave day (default 420)")
    p.add_argument("--paper-consent", metavar="REF", help=PAPER)
    p = _cmd(g, "list", contract_list, "current contracts with hours used and remaining, and the acceptances still missing")
    p.add_argument("--person", help="only this person's contracts (pseudonym or local id)")
    p = _cmd(g, "show", contract_show, "a contract's versions, who accepted each (account ids and roles) and flexibility agreements")
    p.add_argument("contract", type=int, help="the contract number (`das contract list`)")
    p = _cmd(g, "accept", contract_accept, "accept the contract as the calling account's party (person, employer or the office)")
    p.epilog = "example: democite das contract accept 3  " + AS_ACCOUNT
    p.add_argument("contract", type=int, help="the contract number (`das contract list`)")
    p.add_argument("--paper-consent", metavar="REF", help="every party signed it on paper: " + PAPER)
    p.add_argument("--on", help="with --paper-consent: the day the paper was signed (default today)")
    p = _cmd(g, "amend", contract_amend, "amend a contract (a new version; the old one is kept)")
    p.add_argument("contract", type=int, help="the contract number (`das contract list`)")
    p.add_argument("--hours", help="the new time granted: 35, 17.5, 17h30 or 17:30")
    p.add_argument("--from", dest="date_from", help="new first day YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", help="new last day YYYY-MM-DD")
    p.add_argument("--mode", choices=rules.MODES, help="spread over the quarters or taken as DAS leave days")
    p.add_argument("--reason", required=True, help='why it is amended, e.g. "new working hours"')
    p.add_argument("--paper-consent", metavar="REF", help="the parties signed the amendment on paper: " + PAPER)
    p = _cmd(g, "flex", contract_flex, "propose moving hours between two quarters (total unchanged); agreed once the other party "
             "accepts it (`contract flex-accept`)")
    p.epilog = "example: democite das contract flex 3 --from 2026-Q3 --to 2026-Q1 --hours 5  " + AS_ACCOUNT
    p.add_argument("contract", type=int, help="the contract number (`das contract list`)")
    p.add_argument("--from", dest="q_from", required=True, help="quarter giving hours, e.g. 2026-Q3")
    p.add_argument("--to", dest="q_to", required=True, help="quarter receiving them, e.g. 2026-Q1")
    p.add_argument("--hours", type=int, help="whole hours moved (or --minutes)")
    p.add_argument("--minutes", type=int, help="minutes moved (or --hours)")
    p.add_argument("--paper-consent", metavar="REF", help="both parties signed the move on paper: " + PAPER)
    p.add_argument("--on", help="with --paper-consent: the day the paper was signed (default today)")
    p.add_argument("--reason", help="why, in one sentence (optional)")
    p = _cmd(g, "flex-accept", contract_flex_accept, "agree a flexibility move the other party proposed")
    p.epilog = "example: democite das contract flex-accept 3 --move 1  " + AS_ACCOUNT
    p.add_argument("contract", type=int, help="the contract number (`das contract list`)")
    p.add_argument("--move", type=int, required=True, help="the proposed move's id (`das contract show`)")
    p.add_argument("--paper-consent", metavar="REF", help="the other party signed it on paper: " + PAPER)


def _projects(ds: Any) -> None:
    """`democite das`: the programme's projects and their states."""
    g = das_group(ds, "project", "the local programme of projects of general interest",
                  'democite das project add --title "Repair café" --sdg 12 --coordinator p-0007')
    p = _cmd(g, "add", project_add, "propose a project (or register a person's individual project); prints its id")
    p.add_argument("--title", required=True, help='the project\'s title, e.g. "Repair café"')
    p.add_argument("--sdg", type=int, required=True, help="Sustainable Development Goal 1-17")
    p.add_argument("--coordinator", help="pseudonym of the person who validates its entries")
    p.add_argument("--kind", choices=rules.PROJECT_KINDS,
                   help="programme (default: waits for the assembly's decision), or an individual project: local-initiative "
                        "or international-solidarity (needs --person; open at once)")
    p.add_argument("--person", help="an individual project's holder, the only person who records time on it, e.g. p-0042")
    p.add_argument("--theme", choices=rules.THEMES, help="union, religious, political and health are published only as 'generic'")
    p = _cmd(g, "list", project_list, "list projects")
    p.add_argument("--status", choices=tuple(s.value for s in rules.ProjectStatus), help="only projects in this state")
    p = _cmd(g, "show", project_show, "one project with its history")
    p.add_argument("project", type=int, help="the project's id (`das project list`)")
    p = _cmd(g, "validate", project_move(rules.ProjectEvent.VALIDATE), "proposed → validated by the territorial assembly")
    p.add_argument("project", type=int, help="the project's id (`das project list`)")
    p.add_argument("--decision", required=True, help='the decision, e.g. "Conseil municipal 2026-02-10 n°12"')
    p.add_argument("--date", help="date of the decision (default: the date in --decision, else today)")
    p.add_argument("--note", help=NOTE)
    for event, help in ((rules.ProjectEvent.ACTIVATE, "validated → active"), (rules.ProjectEvent.CLOSE, "→ closed (final)")):
        p = _cmd(g, event, project_move(event), help)
        p.add_argument("project", type=int, help="the project's id (`das project list`)")
        p.add_argument("--note", help=NOTE)


def _entries(ds: Any) -> None:
    """`democite das`: time given to projects and its review."""
    g = das_group(ds, "entry", "time given to projects",
                  "democite das entry add --person p-0042 --project 1 --date 2026-02-10 --minutes 90")
    p = _cmd(g, "add", entry_add, "record time given (pending until a coordinator of the project validates it); prints the entry id")
    p.epilog = "example: democite das entry add --person p-0042 --project 1 --date 2026-02-10 --minutes 90  " + AS_ACCOUNT
    p.add_argument("--person", help=PERSON + " (a person account records its own time: leave it out)")
    p.add_argument("--project", type=int, required=True, help="the project's id (`das project list`)")
    p.add_argument("--date", required=True, help="the day the time was given, YYYY-MM-DD")
    p.add_argument("--minutes", type=int, required=True, help=f"minutes given that day, 1 to {rules.MAX_ENTRY_MINUTES}")
    p.add_argument("--competence", help="a competence of the person's profile (default: general)")
    p.add_argument("--note", help="a short note for the coordinator (optional)")
    p = _cmd(g, "list", entry_list, "list entries")
    p.add_argument("--person", help="only this person's entries (pseudonym or local id)")
    p.add_argument("--project", type=int, help="only this project's entries")
    p.add_argument("--status", choices=("pending", "validated", "rejected"), help="only entries in this state")
    p.add_argument("--limit", type=int, default=1000, help=PAGE_LIMIT)
    p.add_argument("--offset", type=int, default=0, help=PAGE_OFFSET)
    for action, help in (("validate", "a coordinator of the entry's project (or the office) validates it"),
                         ("reject", "a coordinator of the entry's project (or the office) rejects it, saying why")):
        p = _cmd(g, action, entry_review(action), help + "; the calling account is recorded as who decided")
        p.epilog = f"example: democite das entry {action} 12" + (' --reason "not on this project"' if action == "reject" else "") \
            + "  " + AS_ACCOUNT
        p.add_argument("entry", type=int, help="the entry's id (`das entry list`)")
        if action == "reject":
            p.add_argument("--reason", required=True, help="why, told to the person")
    p = _cmd(g, "correct", entry_correct, "rectify an entry with a correcting entry (never an edit)")
    p.add_argument("entry", type=int, help="the entry's id (`das entry list`)")
    p.add_argument("--minutes", type=int, required=True, help="the right total duration of the entry")
    p.add_argument("--reason", required=True, help='why, e.g. "typed 90 for 60"')


def _statements(ds: Any) -> None:
    """`democite das`: statements: one person's, or every statement of a period."""
    p = _cmd(ds, "statement", statement, "issue (or show) a person's Societal Activity statement for a period")
    p.epilog = "example: democite das statement --person p-0042 --period 2026-Q1 --format html --out b.html"
    p.add_argument("--person", help=PERSON)
    p.add_argument("--period", help=PERIOD)
    p.add_argument("--number", type=int, help="show an issued statement by number")
    p.add_argument("--format", choices=("text", "json", "csv", "html"), default="text", help="text (default), json, csv or html (printable)")
    p.add_argument("--lang", choices=("fr", "en"), default="fr", help="language of text, csv and html statements (default fr)")
    p.add_argument("--correct", action="store_true", help="issue a correction if entries changed since the last statement")
    p.add_argument("--out", help="write to this file instead of stdout")
    p = _cmd(ds, "statements", statements, "list statements, or issue all of a period (--issue)")
    p.epilog = "example: democite das statements --period 2026-Q1 --issue"
    p.add_argument("--person", help="only this person's statements (pseudonym or local id)")
    p.add_argument("--period", help=PERIOD)
    p.add_argument("--issue", action="store_true", help="issue every person's statement of --period in one transaction")
    p.add_argument("--correct", action="store_true", help="with --issue: correct statements whose entries changed")
    p.add_argument("--limit", type=int, default=1000, help=PAGE_LIMIT)
    p.add_argument("--offset", type=int, default=0, help=PAGE_OFFSET)


def _import(ds: Any) -> None:
    """`democite das`: the bulk CSV import."""
    p = _cmd(ds, "import", import_csv, "bulk import a CSV (employers, persons, contracts or entries) in one transaction")
    p.epilog = "example: democite das import entries.csv"
    p.add_argument("file", help="the CSV file; its header line names the columns (e.g. person,project,date,minutes)")
    p.add_argument("--kind", choices=("employers", "persons", "contracts", "entries"), help="default: from the header line")


def _summaries(ds: Any) -> None:
    """`democite das`: k-anonymous summaries."""
    g = das_group(ds, "summary", "signed, k-anonymous summaries published to the network",
                  "democite das summary publish --period 2026-Q1")
    p = _cmd(g, "publish", summary_publish, "sign and publish the period's das.summary (once the period has ended)")
    p.add_argument("--period", required=True, help=PERIOD + "; it must have ended")
    p = _cmd(g, "preview", summary_preview, "show what would be published, without signing")
    p.add_argument("--period", required=True, help=PERIOD)
    p = _cmd(g, "list", summary_list, "summaries this node published")
    p.add_argument("--period", help="only this period's summaries")


def _proofs(ds: Any) -> None:
    """`democite das`: disclosures and their offline check."""
    p = _cmd(ds, "prove", prove, "a disclosure proving one statement is counted in a published summary (JSON)")
    p.epilog = "example: democite das prove --statement 12 --out proof.json"
    p.add_argument("--statement", type=int, required=True, help="the statement's number (`das statements`)")
    p.add_argument("--attach", action="store_true", help="also include this disclosure in the node's audit exports")
    p.add_argument("--out", help="write to this file instead of stdout")
    p = _cmd(ds, "verify-proof", verify_proof, "check a disclosure offline (no node needed)", data=False)
    p.epilog = "example: democite das verify-proof proof.json --author TERRITORY_KEY"
    p.add_argument("file", help="the disclosure (JSON) written by `das prove`")
    p.add_argument("--author", help="the territory's public key (hex) the summary must be signed by")


def _ledger(ds: Any) -> None:
    """`democite das`: the local-currency ledger."""
    g = das_group(ds, "ledger", "local-currency credits (double-entry, integer cents)",
                  "democite das ledger spend --person p-0042 --cents 1250 --merchant \"Épicerie du centre\"")
    p = _cmd(g, "spend", ledger_spend, "a person spends local currency at a local service")
    p.add_argument("--person", required=True, help=PERSON)
    p.add_argument("--cents", type=int, required=True, help="the amount in cents, e.g. 1250 for 12.50")
    p.add_argument("--merchant", required=True, help='the local service paid, e.g. "Épicerie du centre"')
    p.add_argument("--memo", help="a short memo (optional)")
    p = _cmd(g, "balance", ledger_balance, "one person's balance, or every account's")
    p.add_argument("--person", help="only this person's balance (pseudonym or local id)")
    p = _cmd(g, "export", ledger_export, "every movement as CSV for the local currency's operator")
    p.add_argument("--out", help="write to this file instead of stdout")
