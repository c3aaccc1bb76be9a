"""`democite das employer|person|contract ...`: employers, persons and their DAS contracts
(clients of the admin API).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from node.commands.das_util import drop_unset, fields, fmt_hm, print_id, quote_ref, write_or_print
from node.commands.util import api, emit, table
from node.das import rules

# -- employers -------------------------------------------------------------------------------


def employer_add(args: argparse.Namespace) -> None:
    print_id(args, api(args).post("/api/das/employers", {"name": args.name, "kind": args.kind}))


def employer_list(args: argparse.Namespace) -> None:
    r = api(args).get("/api/das/employers")
    emit(args, r, lambda r: table([[e["id"], e["name"], e["kind"], e["persons"]] for e in r["employers"]], ["id", "name", "kind", "persons"]))


def employer_view(args: argparse.Namespace) -> None:
    r = api(args).get(f"/api/das/employers/{args.employer}/view", period=args.period)
    emit(args, r, lambda r: f"{r['employer']} — {r['period']} (hours used against the quota only)\n" + table(
        [[e["person"], e["contract"], fmt_hm(e["granted_minutes"]), fmt_hm(e["used_minutes"]), fmt_hm(e["remaining_minutes"])] for e in r["employees"]],
        ["person", "contract", "granted", "used", "remaining"]))


# -- persons ---------------------------------------------------------------------------------


def person_add(args: argparse.Namespace) -> None:
    body = drop_unset({"pseudonym": args.pseudonym, "status": args.status, "employer": args.employer, "name": args.name,
                   "local_id": args.local_id})
    print_id(args, api(args).post("/api/das/persons", body))


def person_list(args: argparse.Namespace) -> None:
    r = api(args).get("/api/das/persons", status=args.status)
    emit(args, r, lambda r: table([[p["id"], p["pseudonym"], p["status"], p["employer"] or ""] for p in r["persons"]],
                                  ["id", "pseudonym", "status", "employer"]))


def person_show(args: argparse.Namespace) -> None:
    r = api(args).get(f"/api/das/persons/{quote_ref(args.person)}")
    emit(args, r, _person_text)


def _person_text(r: dict[str, Any]) -> str:
    out = [fields([("id", r["id"]), ("pseudonym", r["pseudonym"]), ("name", r["name"]), ("status", r["status"]),
                   ("employer", r["employer"] or "(none)")])]
    latest = r["profiles"][-1] if r["profiles"] else None
    if latest:
        out += ["", f"competence profile v{latest['version']} {_profile_state(latest)}"
                + (f" ({len(r['profiles']) - 1} earlier versions)" if len(r["profiles"]) > 1 else ""),
                table([[c["competence"], c["level"], c["family"]] for c in latest["competences"]], ["competence", "level", "family"])]
    else:
        out += ["", "no competence profile yet (`das person profile`)"]
    out += ["", _contracts_table(r["contracts"]) if r["contracts"] else "no contract yet (`das contract add`)"]
    return "\n".join(out)


def _contracts_table(contracts: list[dict[str, Any]]) -> str:
    return table([[c["id"], c["version"], c["from"], c["to"], c["mode"], fmt_hm(c["minutes_granted"]),
                   ", ".join(f"{q} {fmt_hm(m)}" for q, m in c["allocation"].items()),
                   "binding" if c["binding"] else "missing " + ",".join(c["missing_acceptances"])] for c in contracts],
                 ["contract", "v", "from", "to", "mode", "granted", "per quarter", "acceptances"])


def _who(consents: list[dict[str, Any]]) -> str:
    """Who consented, as account id and role (never a username), and the paper when it was one."""
    return ", ".join(f"{c['party']} ({c['account'] or 'before accounts'}, {c['role'] or '-'}"
                     + (f", paper {c['paper']}" if c.get("paper") else "") + f", {c['on']})" for c in consents) or "none"


def _profile_state(p: dict[str, Any]) -> str:
    if p["status"] == "agreed":
        return f"agreed on {p['agreed_on']} by {_who(p['consents']) if p['consents'] else ', '.join(p['parties'])}"
    return f"proposed, waiting for the {' and '.join(p['missing'])} (`das person profile-accept`)"


def person_profile(args: argparse.Namespace) -> None:
    comps = [rules.parse_competence(c) for c in args.competence]
    body = drop_unset({"competences": comps, "agreed_on": args.agreed_on, "paper_consent": args.paper_consent})
    r = api(args).post(f"/api/das/persons/{quote_ref(args.person)}/profile", body)
    emit(args, r, lambda r: f"{r['id']}\nprofile version {r['version']} {_profile_state(r)}")


def person_profile_accept(args: argparse.Namespace) -> None:
    body = drop_unset({"version": args.version, "paper_consent": args.paper_consent})
    r = api(args).post(f"/api/das/persons/{quote_ref(args.person)}/profile/accept", body)
    emit(args, r, lambda r: f"profile version {r['version']} {_profile_state(r)}")


def person_export(args: argparse.Namespace) -> None:
    r = api(args).get(f"/api/das/persons/{quote_ref(args.person)}/export")
    write_or_print(args, json.dumps(r, ensure_ascii=False, indent=2))


def person_erase(args: argparse.Namespace) -> None:
    if not args.yes:
        raise SystemExit("democite: error: erasing a person cannot be undone: add --yes")
    r = api(args).post(f"/api/das/persons/{quote_ref(args.person)}/erase", {"confirm": True})
    emit(args, r, lambda r: f"person {r['id']} erased: " + ", ".join(f"{k} {v}" for k, v in r["removed"].items() if v))


# -- contracts -------------------------------------------------------------------------------


def contract_add(args: argparse.Namespace) -> None:
    body = drop_unset({"person": args.person, "minutes": rules.parse_duration(args.hours), "from": args.date_from, "to": args.date_to, "employer": args.employer,
                   "mode": args.mode, "leave_day_minutes": args.leave_day_minutes, "paper_consent": args.paper_consent})
    r = api(args).post("/api/das/contracts", body)
    if args.json:
        emit(args, r, "")
        return
    print(r["id"])
    if not r["binding"]:
        print(f"contract {r['id']} binds once accepted by: {', '.join(r['missing_acceptances'])} (`das contract accept {r['id']}`)",
              file=sys.stderr)


def contract_list(args: argparse.Namespace) -> None:
    r = api(args).get("/api/das/contracts", person=args.person)
    emit(args, r, lambda r: table(
        [[c["id"], c["version"], c["person"], c["from"], c["to"], c["mode"], fmt_hm(c["minutes_granted"]), fmt_hm(c["used_minutes"]),
          fmt_hm(c["remaining_minutes"]), ",".join(c["missing_acceptances"]) or "none: binding"] for c in r["contracts"]],
        ["id", "v", "person", "from", "to", "mode", "granted", "used", "remaining", "to accept"]))


def contract_show(args: argparse.Namespace) -> None:
    r = api(args).get(f"/api/das/contracts/{args.contract}")
    emit(args, r, _contract_text)


def _contract_text(r: dict[str, Any]) -> str:
    out = [f"contract {r['id']}: {len(r['versions'])} version(s), the last is current", "",
           table([[v["version"], v["from"], v["to"], v["mode"], fmt_hm(v["minutes_granted"]),
                   _who(v["acceptances"]),
                   ",".join(v["missing_acceptances"]) or "", v["reason"]] for v in r["versions"]],
                 ["v", "from", "to", "mode", "granted", "accepted", "missing", "reason"])]
    current = r["versions"][-1]
    out += ["", "per quarter (after flexibility): " + ", ".join(f"{q} {fmt_hm(m)}" for q, m in current["allocation"].items())]
    if r["flexibility"]:
        out += ["", table([[f["id"], f["from_quarter"], f["to_quarter"], fmt_hm(f["minutes"]), f["status"],
                            _who(f["consents"]) if f["consents"] else ",".join(f["parties"]), f["agreed_on"], f["reason"]]
                           for f in r["flexibility"]],
                          ["flexibility", "from", "to", "moved", "status", "consents", "on", "reason"])]
    return "\n".join(out)


def contract_accept(args: argparse.Namespace) -> None:
    r = api(args).post(f"/api/das/contracts/{args.contract}/accept", drop_unset({"paper_consent": args.paper_consent, "on": args.on}))
    emit(args, r, lambda r: f"contract {r['id']} v{r['version']}: accepted by {_who(r['acceptances'])}"
         + (f"; waiting for {', '.join(r['missing_acceptances'])}" if r["missing_acceptances"] else "; it binds"))


def contract_amend(args: argparse.Namespace) -> None:
    minutes = rules.parse_duration(args.hours) if args.hours is not None else None
    body = drop_unset({"minutes": minutes, "from": args.date_from, "to": args.date_to, "mode": args.mode, "reason": args.reason,
                   "paper_consent": args.paper_consent})
    r = api(args).post(f"/api/das/contracts/{args.contract}/amend", body)
    emit(args, r, lambda r: f"{r['id']}\ncontract {r['id']} is now version {r['version']}"
         + ("" if r["binding"] else f"; it binds once accepted by: {', '.join(r['missing_acceptances'])}"))


def contract_flex(args: argparse.Namespace) -> None:
    body = drop_unset({"from": args.q_from, "to": args.q_to, "hours": args.hours, "minutes": args.minutes,
                   "paper_consent": args.paper_consent, "on": args.on, "reason": args.reason})
    r = api(args).post(f"/api/das/contracts/{args.contract}/flex", body)
    emit(args, r, _flex_text)


def contract_flex_accept(args: argparse.Namespace) -> None:
    r = api(args).post(f"/api/das/contracts/{args.contract}/flex/{args.move}/accept", drop_unset({"paper_consent": args.paper_consent}))
    emit(args, r, _flex_text)


def _flex_text(r: dict[str, Any]) -> str:
    if r["status"] != "agreed":
        return f"{r['id']}\nmove {r['id']} proposed: it applies once the {' and '.join(r['waiting_for'])} accepts it (`das contract flex-accept`)"
    return f"{r['id']}\n" + ", ".join(f"{q}: {fmt_hm(m)}" for q, m in r["allocation"].items()) + f" (total {fmt_hm(r['total_minutes'])})"
