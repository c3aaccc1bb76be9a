"""`democite twin ...`: twinning projects from the command line."""

from __future__ import annotations

import argparse
from typing import Any

from node.commands.util import api, command, emit, short, table
from protocol.coop import parse_hours
from protocol.errors import ProtocolError


def _line(t: dict[str, Any]) -> list[Any]:
    partners = ", ".join(f"{p['name'] or short(p['key'])} ({p['answer']})" for p in t["partners"])
    return [t["id"], t["state"], t["title"][:40], t["proposer"]["name"] or short(t["proposer"]["key"]), partners, t["until"]]


_HEAD = ["id", "state", "title", "proposer", "partners", "until"]


def _show_text(t: dict[str, Any]) -> str:
    lines = [f"twinning {t['id']}", f"state       {t['state']}", f"title       {t['title']}", f"objectives  {t['objectives']}",
             f"until       {t['until']}", f"proposer    {t['proposer']['name']} {short(t['proposer']['key'])}"]
    lines += [f"partner     {p['name']} {short(p['key'])}: {p['answer']}" for p in t["partners"]]
    lines += [f"milestone   {m['title']} ({short(m['author'])})" for m in t["milestones"]]
    lines += [f"hours       {short(k)}: {v['hours']}" for k, v in t["hours"].items()]
    lines += [f"report      {short(r['id'])} signed by {len(r['signed_by'])}" + (" (closing)" if r["closing"] else "") for r in t["reports"]]
    lines.append("history:")
    lines += [f"  {h['event']:<13} by {short(h['author'])} -> {h['state']}" for h in t["history"]]
    return "\n".join(lines)


def cmd_propose(args: argparse.Namespace) -> None:
    body: dict[str, Any] = {"with": args.partners, "title": args.title, "objectives": args.objectives, "until": args.until}
    if args.unknown_key:
        body["unknown_key"] = True
    r = api(args).post("/api/twin", body)
    emit(args, {"id": r["id"]}, lambda r: f"twinning proposed: {r['id']}\nthe partner sees it in `democite twin inbox`")


def cmd_inbox(args: argparse.Namespace) -> None:
    r = api(args).get("/api/twin/inbox")
    emit(args, r, lambda r: (table([_line(t) for t in r["proposals"]], _HEAD) if r["proposals"] else "no proposal waits for an answer")
         + (f"\n{len(r['reports_to_sign'])} closing report(s) wait for your signature: `democite twin report ID`" if r["reports_to_sign"] else ""))


def cmd_list(args: argparse.Namespace) -> None:
    r = api(args).get("/api/twin", all="true" if args.all else None)
    emit(args, r, lambda r: table([_line(t) for t in r["twinnings"]], _HEAD) if r["twinnings"] else "no twinning yet")


def cmd_show(args: argparse.Namespace) -> None:
    emit(args, api(args).get(f"/api/twin/{args.id}"), _show_text)


def _act(args: argparse.Namespace, action: str, body: dict[str, Any]) -> None:
    t = api(args).post(f"/api/twin/{args.id}/{action}", body)
    emit(args, t, lambda t: f"twinning {short(t['id'], 16)} is {t['state']}")


def cmd_accept(args: argparse.Namespace) -> None:
    _act(args, "accept", {})


def cmd_decline(args: argparse.Namespace) -> None:
    _act(args, "decline", {"reason": args.reason} if args.reason else {})


def cmd_withdraw(args: argparse.Namespace) -> None:
    _act(args, "withdraw", {"reason": args.reason} if args.reason else {})


def cmd_milestone(args: argparse.Namespace) -> None:
    _act(args, "milestone", {"title": args.title, **({"text": args.text} if args.text else {})})


def cmd_hours(args: argparse.Namespace) -> None:
    if args.from_das is not None:
        _act(args, "hours", {"from_das": args.from_das, "period": args.period})
        return
    try:
        minutes = parse_hours(args.hours)
    except ProtocolError as exc:
        raise SystemExit(f"democite: error: {exc.message}") from None
    _act(args, "hours", {"minutes": minutes, "period": args.period})


def cmd_report(args: argparse.Namespace) -> None:
    _act(args, "report", {"text": args.text} if args.text else {})


EXAMPLE = """example:
  democite twin propose --data ./a --with "Quartier B" --title "Jumelage eau" --objectives "partager" --until 2027-12-31
  democite twin accept --data ./b ID
  democite twin withdraw --data ./a ID --reason "merged into another project"
"""


def register(sub: Any) -> None:
    p = command(sub, "propose", cmd_propose, "propose a twinning project to one or more partners (all must accept)")
    p.add_argument("--with", dest="partners", action="append", required=True, metavar="TERRITORY",
                   help="a partner: its key (64 hex), an unambiguous key prefix (8+ hex) or its name; repeat for several")
    p.add_argument("--title", required=True, help='a short title, e.g. "Jumelage eau"')
    p.add_argument("--objectives", required=True, help='what the parties mean to do together, e.g. "partager nos pratiques"')
    p.add_argument("--until", required=True, help="end date, YYYY-MM-DD, e.g. 2027-12-31")
    p.add_argument("--unknown-key", action="store_true", help="name a full key this node never heard of (check it first)")
    command(sub, "inbox", cmd_inbox, "proposals waiting for this territory's answer")
    p = command(sub, "list", cmd_list, "twinnings this territory is part of")
    p.add_argument("--all", action="store_true", help="every twinning known to this node")
    for name, func, help in (
        ("show", cmd_show, "one twinning: state (proposed, active, declined, withdrawn, closed) and history"),
        ("accept", cmd_accept, "accept a proposal naming this territory"),
        ("decline", cmd_decline, "decline a proposal naming this territory"),
        ("withdraw", cmd_withdraw, "withdraw a proposal this territory made, before every partner accepted it"),
        ("milestone", cmd_milestone, "report a milestone of an active twinning"),
        ("hours", cmd_hours, "report aggregate Societal Activity hours given to an active twinning (no persons)"),
        ("report", cmd_report, "write the joint closing report (--text), or co-sign the one a partner wrote"),
    ):
        p = command(sub, name, func, help)
        p.add_argument("id", help="the twinning's id (64 hex), as `democite twin list` shows it")
        if name in ("decline", "withdraw"):
            p.add_argument("--reason", help='why, told to the other parties, e.g. "no budget this year"')
        elif name == "milestone":
            p.add_argument("--title", required=True, help='the milestone, e.g. "Visite croisée"')
            p.add_argument("--text", help="more about it, e.g. who met and what was decided")
        elif name == "hours":
            src = p.add_mutually_exclusive_group(required=True)
            src.add_argument("--hours", help="aggregate hours, e.g. 120 or 7.5")
            src.add_argument("--from-das", type=int, metavar="PROJECT_ID",
                             help="the validated DAS minutes given to this local project in --period (refused under k persons)")
            p.add_argument("--period", required=True, help="e.g. 2026 or 2026-Q3")
        elif name == "report":
            p.add_argument("--text", help="the report; without it, co-sign the pending report")
