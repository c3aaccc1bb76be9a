"""`democite das ...`: Societal Activity Rights on the command line (a client of the admin API).

Every `add` prints the new object's id (with `--json`, a JSON object with an "id" field).
`verify-proof` is the one command that works offline, without a node.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from node.cliutil import api, emit, group, table
from node.cliutil import command as _cmd
from node.das import rules

# -- helpers ---------------------------------------------------------------------------------



def _group(sub: Any, name: str, help: str) -> Any:
    return group(sub, name, help, dest=f"das_{name}_command")


def _id(args: argparse.Namespace, r: dict[str, Any]) -> None:
    emit(args, r, str(r["id"]))


def _h(minutes: int | None) -> str:
    return "" if minutes is None else rules.hm(int(minutes))


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None and v is not False}


def _write_or_print(args: argparse.Namespace, text: str) -> None:
    out = getattr(args, "out", None)
    if out:
        Path(out).write_text(text, encoding="utf-8")
        print(f"written to {out}", file=sys.stderr)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


# -- employers -------------------------------------------------------------------------------


def employer_add(args: argparse.Namespace) -> None:
    _id(args, api(args).post("/api/das/employers", {"name": args.name, "kind": args.kind}))


def employer_list(args: argparse.Namespace) -> None:
    r = api(args).get("/api/das/employers")
    emit(args, r, lambda r: table([[e["id"], e["name"], e["kind"], e["persons"]] for e in r["employers"]], ["id", "name", "kind", "persons"]))


def employer_view(args: argparse.Namespace) -> None:
    r = api(args).get(f"/api/das/employers/{args.employer}/view", period=args.period)
    emit(args, r, lambda r: f"{r['employer']} — {r['period']} (hours used against the quota only)\n" + table(
        [[e["person"], e["contract"], _h(e["granted_minutes"]), _h(e["used_minutes"]), _h(e["remaining_minutes"])] for e in r["employees"]],
        ["person", "contract", "granted", "used", "remaining"]))


# -- persons ---------------------------------------------------------------------------------


def person_add(args: argparse.Namespace) -> None:
    body = _clean({"pseudonym": args.pseudonym, "status": args.status, "employer": args.employer, "name": args.name,
                   "local_id": args.local_id})
    _id(args, api(args).post("/api/das/persons", body))


def person_list(args: argparse.Namespace) -> None:
    r = api(args).get("/api/das/persons", status=args.status)
    emit(args, r, lambda r: table([[p["id"], p["pseudonym"], p["status"], p["employer"] or ""] for p in r["persons"]],
                                  ["id", "pseudonym", "status", "employer"]))


def person_show(args: argparse.Namespace) -> None:
    r = api(args).get(f"/api/das/persons/{_q(args.person)}")
    emit(args, r, lambda r: json.dumps(r, ensure_ascii=False, indent=2))


def person_profile(args: argparse.Namespace) -> None:
    comps = [rules.parse_competence(c) for c in args.competence]
    body = _clean({"competences": comps, "agreed_on": args.agreed_on, "parties": [p.strip() for p in args.parties.split(",") if p.strip()]})
    r = api(args).post(f"/api/das/persons/{_q(args.person)}/profile", body)
    emit(args, r, lambda r: f"{r['id']}\nprofile version {r['version']} agreed on {r['agreed_on']} by {', '.join(r['parties'])}")


def person_export(args: argparse.Namespace) -> None:
    r = api(args).get(f"/api/das/persons/{_q(args.person)}/export")
    _write_or_print(args, json.dumps(r, ensure_ascii=False, indent=2))


def person_erase(args: argparse.Namespace) -> None:
    if not args.yes:
        raise SystemExit("democite: error: erasing a person cannot be undone: add --yes")
    r = api(args).post(f"/api/das/persons/{_q(args.person)}/erase", {"confirm": True})
    emit(args, r, lambda r: f"person {r['id']} erased: " + ", ".join(f"{k} {v}" for k, v in r["removed"].items() if v))


def _q(ref: str) -> str:
    import urllib.parse

    return urllib.parse.quote(ref, safe="")


# -- contracts -------------------------------------------------------------------------------


def contract_add(args: argparse.Namespace) -> None:
    body = _clean({"person": args.person, "hours": args.hours, "from": args.date_from, "to": args.date_to, "employer": args.employer,
                   "mode": args.mode, "leave_day_minutes": args.leave_day_minutes, "pending": args.pending})
    _id(args, api(args).post("/api/das/contracts", body))


def contract_list(args: argparse.Namespace) -> None:
    r = api(args).get("/api/das/contracts", person=args.person)
    emit(args, r, lambda r: table(
        [[c["id"], c["version"], c["person"], c["from"], c["to"], c["mode"], _h(c["minutes_granted"]), _h(c["used_minutes"]),
          _h(c["remaining_minutes"]), ",".join(c["missing_acceptances"]) or "all"] for c in r["contracts"]],
        ["id", "v", "person", "from", "to", "mode", "granted", "used", "remaining", "to accept"]))


def contract_show(args: argparse.Namespace) -> None:
    r = api(args).get(f"/api/das/contracts/{args.contract}")
    emit(args, r, lambda r: json.dumps(r, ensure_ascii=False, indent=2))


def contract_accept(args: argparse.Namespace) -> None:
    r = api(args).post(f"/api/das/contracts/{args.contract}/accept", _clean({"party": args.party, "on": args.on}))
    emit(args, r, lambda r: f"contract {r['id']} v{r['version']}: accepted by {', '.join(r['accepted'])}"
         + (f"; waiting for {', '.join(r['missing_acceptances'])}" if r["missing_acceptances"] else ""))


def contract_amend(args: argparse.Namespace) -> None:
    body = _clean({"hours": args.hours, "from": args.date_from, "to": args.date_to, "mode": args.mode, "reason": args.reason,
                   "pending": args.pending})
    r = api(args).post(f"/api/das/contracts/{args.contract}/amend", body)
    emit(args, r, lambda r: f"{r['id']}\ncontract {r['id']} is now version {r['version']}")


def contract_flex(args: argparse.Namespace) -> None:
    body = _clean({"from": args.q_from, "to": args.q_to, "hours": args.hours, "minutes": args.minutes,
                   "parties": [p.strip() for p in args.parties.split(",") if p.strip()], "on": args.on, "reason": args.reason})
    r = api(args).post(f"/api/das/contracts/{args.contract}/flex", body)
    emit(args, r, lambda r: f"{r['id']}\n" + ", ".join(f"{q}: {_h(m)}" for q, m in r["allocation"].items()) + f" (total {_h(r['total_minutes'])})")


# -- projects --------------------------------------------------------------------------------


def project_add(args: argparse.Namespace) -> None:
    body = _clean({"title": args.title, "sdg": args.sdg, "coordinator": args.coordinator, "kind": args.kind, "theme": args.theme})
    _id(args, api(args).post("/api/das/projects", body))


def project_list(args: argparse.Namespace) -> None:
    r = api(args).get("/api/das/projects", status=args.status)
    emit(args, r, lambda r: table(
        [[p["id"], p["title"], p["sdg"], p["kind"], p["coordinator"] or "", p["status"], p["decision"] or ""] for p in r["projects"]],
        ["id", "title", "sdg", "kind", "coordinator", "status", "decision"]))


def project_show(args: argparse.Namespace) -> None:
    r = api(args).get(f"/api/das/projects/{args.project}")
    emit(args, r, lambda r: json.dumps(r, ensure_ascii=False, indent=2))


def project_move(action: rules.ProjectEvent) -> Any:
    def run(args: argparse.Namespace) -> None:
        body = _clean({"decision": getattr(args, "decision", None), "date": getattr(args, "date", None), "note": args.note})
        r = api(args).post(f"/api/das/projects/{args.project}/{action}", body)
        emit(args, r, lambda r: f"project {r['id']} is {r['status']}")

    return run


# -- entries ---------------------------------------------------------------------------------


def entry_add(args: argparse.Namespace) -> None:
    body = _clean({"person": args.person, "project": args.project, "date": args.date, "minutes": args.minutes,
                   "competence": args.competence, "note": args.note})
    _id(args, api(args).post("/api/das/entries", body))


def entry_list(args: argparse.Namespace) -> None:
    r = api(args).get("/api/das/entries", person=args.person, project=args.project, status=args.status, limit=args.limit, offset=args.offset)
    emit(args, r, lambda r: table(
        [[e["id"], e["person"], e["project"], e["date"], e["minutes"], e["competence"], e["status"], e["corrects"] or ""] for e in r["entries"]],
        ["id", "person", "project", "date", "minutes", "competence", "status", "corrects"]))


def entry_review(action: str) -> Any:
    def run(args: argparse.Namespace) -> None:
        body = _clean({"by": args.by, "reason": getattr(args, "reason", None)})
        r = api(args).post(f"/api/das/entries/{args.entry}/{action}", body)
        emit(args, r, lambda r: f"entry {r['id']} {r['status']}")

    return run


def entry_correct(args: argparse.Namespace) -> None:
    r = api(args).post(f"/api/das/entries/{args.entry}/correct", {"minutes": args.minutes, "reason": args.reason})
    emit(args, r, lambda r: f"{r['id']}\ncorrecting entry {r['id']} ({r['minutes']:+d} min) waits for the coordinator's validation")


# -- statements ------------------------------------------------------------------------------


def _statement_text(s: dict[str, Any]) -> str:
    head = f"statement {s['number']} — {s['person']} — {s['period']} (issued {s['issued']})"
    if s.get("corrects"):
        head += f", corrects statement {s['corrects']}"
    if s.get("superseded_by"):
        head += f", superseded by statement {s['superseded_by']}"
    body = table([[x["title"], x["category"], x["competence"], x["level"], _h(x["minutes"]), f"{x['cents'] / 100:.2f}"] for x in s["lines"]]
                 + [["total", "", "", "", _h(s["minutes"]), f"{s['cents'] / 100:.2f}"]],
                 ["project", "category", "competence", "level", "time", s["currency"]])
    rights = "\n".join(f"contract {r['contract']}: {_h(r['remaining_minutes'])} left of {_h(r['granted_minutes'])}" for r in s["rights"])
    out = head + "\n" + body + ("\n" + rights if rights else "")
    if s.get("notice"):
        out += f"\nnote: {s['notice']}"
    return out


def statement(args: argparse.Namespace) -> None:
    fmt = "json" if args.json else args.format
    wire_fmt = fmt if fmt in ("json", "csv", "html") else "json"
    if args.number is not None:
        r = api(args).get(f"/api/das/statements/{args.number}", format=wire_fmt, lang=args.lang)
    else:
        if not args.person or not args.period:
            raise SystemExit("democite: error: give --person and --period (or --number N to show an issued statement)")
        r = api(args).post("/api/das/statements", _clean({"person": args.person, "period": args.period, "correct": args.correct,
                                                         "format": wire_fmt, "lang": args.lang}))
    if fmt == "json":
        _write_or_print(args, json.dumps(r, ensure_ascii=False, indent=2))
    elif fmt in ("csv", "html"):
        _write_or_print(args, r)
    else:
        _write_or_print(args, _statement_text(r))


def statements(args: argparse.Namespace) -> None:
    if args.issue:
        if not args.period:
            raise SystemExit("democite: error: --issue needs --period")
        r = api(args).post("/api/das/statements/issue", _clean({"period": args.period, "correct": args.correct}))
        emit(args, r, lambda r: f"{r['period']}: {r['issued']} statements issued"
             + (f" (numbers {r['first']} to {r['last']})" if r["issued"] else "") + f", {r['unchanged']} unchanged"
             + (f", {r['changed_not_corrected']} changed since issued (re-run with --correct)" if r["changed_not_corrected"] else ""))
        return
    r = api(args).get("/api/das/statements", person=args.person, period=args.period, limit=args.limit, offset=args.offset)
    emit(args, r, lambda r: table(
        [[s["number"], s["person"] or "(erased)", s["period"], s["issued_on"], _h(s["minutes"]), f"{s['cents'] / 100:.2f}",
          s["corrects"] or "", s["superseded_by"] or ""] for s in r["statements"]],
        ["number", "person", "period", "issued", "time", "credit", "corrects", "superseded by"]))


# -- import ----------------------------------------------------------------------------------


def import_csv(args: argparse.Namespace) -> int:
    path = Path(args.file).resolve()
    if not path.is_file():
        raise SystemExit(f"democite: error: no file {args.file}")
    client = api(args)
    body = json.dumps(_clean({"path": str(path), "kind": args.kind})).encode()
    req = urllib.request.Request(client.base + "/api/das/import", data=body, method="POST")
    req.add_header("Authorization", f"Bearer {client.token}")
    req.add_header("Content-Type", "application/json")
    bar = sys.stderr.isatty() and not args.json
    try:
        resp = urllib.request.urlopen(req, timeout=client.timeout_s)
    except urllib.error.HTTPError as exc:
        from node.api.client import _api_error

        raise _api_error(exc) from None
    except (urllib.error.URLError, OSError) as exc:
        from node.errors import NotRunning

        raise NotRunning(f"the node at {client.data_dir} does not answer ({getattr(exc, 'reason', exc)})") from None
    report: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    with resp:
        for raw in resp:
            ev = json.loads(raw)
            if "progress" in ev and bar:
                total = max(ev["total"], 1)
                done = ev["progress"] * 30 // total
                print(f"\r{ev['phase']:5} [{'#' * done}{'.' * (30 - done)}] {ev['progress']}/{ev['total']}", end="", file=sys.stderr, flush=True)
            elif "report" in ev:
                report = ev["report"]
            elif "error" in ev:
                error = ev["error"]
    if bar:
        print(file=sys.stderr)
    if error is not None:
        if args.json:
            emit(args, {"error": error}, "")
        print(f"democite: error: {error['message']}", file=sys.stderr)
        return 1
    assert report is not None
    emit(args, report, lambda r: f"imported {r['imported']} {r['kind']} from {r['lines']} lines in {r['seconds']} s "
         f"({r['per_second']}/s); nothing else changed")
    return 0


# -- summaries, proofs, ledger -----------------------------------------------------------------


def summary_publish(args: argparse.Namespace) -> None:
    r = api(args).post("/api/das/summaries", {"period": args.period})
    b = r["body"]

    def human(r: dict[str, Any]) -> str:
        shown = "suppressed (fewer than k persons)" if b["persons"].get("suppressed") else f"{b['persons']['persons']} persons"
        return f"published das.summary #{r['seq']} for {r['period']} (k={b['k']}): {shown}; statements root {b['statements_root'][:16]}…\nid {r['id']}"

    emit(args, r, human)


def summary_preview(args: argparse.Namespace) -> None:
    r = api(args).get("/api/das/summaries/preview", period=args.period)
    emit(args, r, lambda r: json.dumps(r, ensure_ascii=False, indent=2))


def summary_list(args: argparse.Namespace) -> None:
    r = api(args).get("/api/das/summaries", period=args.period)
    emit(args, r, lambda r: table([[s["period"], s["statements"], s["id"][:16], s["root"][:16]] for s in r["summaries"]],
                                  ["period", "tree size", "record id", "root"]))


def prove(args: argparse.Namespace) -> None:
    if args.attach:
        r = api(args).post(f"/api/das/statements/{args.statement}/attach", {})
    else:
        r = api(args).get(f"/api/das/statements/{args.statement}/proof")
    _write_or_print(args, json.dumps(r, indent=2))


def verify_proof(args: argparse.Namespace) -> int:
    from protocol.das import verify_disclosure
    from protocol.errors import ProtocolError
    from protocol.identity import parse_key

    try:
        doc = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except ValueError:
        raise SystemExit(f"democite: error: {args.file} is not JSON") from None
    try:
        v = verify_disclosure(doc, parse_key(args.author) if args.author else None)
    except ProtocolError as exc:
        if args.json:
            emit(args, {"valid": False, "error": exc.message}, "")
        print(f"democite: error: disclosure does NOT verify: {exc.message}", file=sys.stderr)
        return 1
    out = {"valid": True, "author": v.author.hex(), "summary": v.summary_id.hex(), "period": v.period, "statement": v.statement}
    emit(args, out, lambda o: f"valid: statement {o['statement'].get('number')} ({_h(o['statement'].get('minutes', 0))}, "
         f"{o['statement'].get('cents', 0) / 100:.2f} {o['statement'].get('currency', '')}) is counted in das.summary {o['summary'][:16]} "
         f"for {o['period']} signed by {o['author'][:16]}" + ("" if args.author else " (check that key is the territory's)"))
    return 0


def ledger_spend(args: argparse.Namespace) -> None:
    r = api(args).post("/api/das/ledger/spend", _clean({"person": args.person, "cents": args.cents, "merchant": args.merchant, "memo": args.memo}))
    emit(args, r, lambda r: f"{r['id']}\nbalance now {r['balance_cents'] / 100:.2f}")


def ledger_balance(args: argparse.Namespace) -> None:
    r = api(args).get("/api/das/ledger/balance", person=args.person)
    if args.person:
        emit(args, r, lambda r: f"{r['balance_cents'] / 100:.2f}")
    else:
        emit(args, r, lambda r: table([[a["account"], a["holder"] or "", f"{a['balance_cents'] / 100:.2f}"] for a in r["accounts"]],
                                      ["account", "holder", "balance"]))


def ledger_export(args: argparse.Namespace) -> None:
    _write_or_print(args, api(args).get("/api/das/ledger/export"))


# -- parser ----------------------------------------------------------------------------------


def register(sub: Any) -> None:
    das = sub.add_parser("das", help="Societal Activity Rights: persons, contracts, projects, time, statements, summaries",
                         description="Societal Activity Rights (DAS): persons, employers, contracts, the local programme, "
                                     "activity entries, statements, local-currency credits and private summaries.")
    ds = das.add_subparsers(dest="das_command", metavar="COMMAND", required=True)

    g = _group(ds, "employer", "employers (private or public)")
    p = _cmd(g, "add", employer_add, "add an employer; prints its id")
    p.add_argument("--name", required=True)
    p.add_argument("--kind", required=True, choices=rules.EMPLOYER_KINDS)
    _cmd(g, "list", employer_list, "list employers")
    p = _cmd(g, "view", employer_view, "an employer's view: hours used against each employee's quota, never projects or causes")
    p.add_argument("employer", help="employer name or id")
    p.add_argument("--period", help="YYYY, YYYY-Qn or YYYY-MM (default: this year)")

    g = _group(ds, "person", "persons holding a Societal Activity Right")
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

    g = _group(ds, "contract", "three-party DAS contracts, amendments and flexibility agreements")
    p = _cmd(g, "add", contract_add, "add a contract; prints its id")
    p.add_argument("--person", required=True)
    p.add_argument("--hours", type=int, required=True, help="hours granted over the contract's period")
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
    p.add_argument("--hours", type=int)
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

    g = _group(ds, "project", "the local programme of projects of general interest")
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

    g = _group(ds, "entry", "time given to projects")
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

    g = _group(ds, "summary", "signed, k-anonymous summaries published to the network")
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

    g = _group(ds, "ledger", "local-currency credits (double-entry, integer cents)")
    p = _cmd(g, "spend", ledger_spend, "a person spends local currency at a local service")
    p.add_argument("--person", required=True)
    p.add_argument("--cents", type=int, required=True)
    p.add_argument("--merchant", required=True)
    p.add_argument("--memo")
    p = _cmd(g, "balance", ledger_balance, "one person's balance, or every account's")
    p.add_argument("--person")
    p = _cmd(g, "export", ledger_export, "every movement as CSV for the local currency's operator")
    p.add_argument("--out")
