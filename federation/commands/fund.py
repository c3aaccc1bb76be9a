"""`democite fund ...`: the coresponsibility fund from the command line (amounts in currency units)."""

from __future__ import annotations

import argparse
from typing import Any

from node.commands.util import api, command, emit, short, table
from protocol.coop import format_cents, parse_amount
from protocol.errors import ProtocolError


def _cents(text: str) -> int:
    try:
        return parse_amount(text)
    except ProtocolError as exc:
        raise SystemExit(f"democite: error: {exc.message}") from None


def _with_fund(args: argparse.Namespace, body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "fund": args.fund} if getattr(args, "fund", None) else body


def cmd_create(args: argparse.Namespace) -> None:
    r = api(args).post("/api/fund", {"name": args.name, "currency": args.currency, "expiry_days": args.expiry_days})
    emit(args, r, lambda r: f"fund created: {r['id']}")


def cmd_pledge(args: argparse.Namespace) -> None:
    r = api(args).post("/api/fund/pledge", _with_fund(args, {"amount": _cents(args.amount)}))
    emit(args, r, lambda r: f"pledge published: {r['id']}")


def cmd_contribute(args: argparse.Namespace) -> None:
    r = api(args).post("/api/fund/contribute", _with_fund(args, {"amount": _cents(args.amount)}))
    emit(args, r, lambda r: f"contribution published: {r['id']}")


def cmd_request(args: argparse.Namespace) -> None:
    body: dict[str, Any] = {"amount": _cents(args.amount), "purpose": args.purpose or "grant"}
    if args.target:
        body["for"] = args.target
    r = api(args).post("/api/fund/request", _with_fund(args, body))
    emit(args, r, lambda r: f"grant requested: {r['id']}\nmembers approve it with `democite fund approve {r['id']}`")


def cmd_approve(args: argparse.Namespace) -> None:
    r = api(args).post("/api/fund/approve", {"request": args.request})
    emit(args, r, lambda r: f"approved ({r['approvals']} of {r['quorum']} needed)" + (": the grant is certified" if r["certified"] else ""))


def cmd_ack(args: argparse.Namespace) -> None:
    r = api(args).post("/api/fund/ack", {"request": args.request})
    emit(args, r, lambda r: f"receipt acknowledged: {r['id']}")


def _status_text(r: dict[str, Any]) -> str:
    if not r["funds"]:
        return "no fund yet: create one with `democite fund create --name ...`"
    out = []
    for f in r["funds"]:
        c = f["currency"]
        out.append(f"fund {f['name']} ({c}) {f['id']}\nquorum {f['quorum']} of {f['members_count']} members")
        rows = [[v["name"] or short(k)] + [format_cents(v[x]) for x in ("pledged", "contributed", "granted", "paid")] for k, v in f["members"].items()]
        t = f["total"]
        rows.append(["TOTAL"] + [format_cents(t[x]) for x in ("pledged", "contributed", "granted", "paid")])
        out.append(table(rows, ["member", "pledged", "contributed", "granted", "paid"]))
        out.append(f"available {format_cents(t['available'])} {c}")
        for g in f["grants"]:
            out.append(f"grant slot {g['slot']}: {g['amount_text']} {c} to {g['by_name'] or short(g['by'])}"
                       + (" (received)" if g["acknowledged"] else " (not yet acknowledged)"))
        for p in f["pending"]:
            out.append(f"pending {p['id']}: {p['amount_text']} {c} slot {p['slot']} by {p['by_name'] or short(p['by'])}, "
                       f"{len(p['approvals'])}/{f['quorum']} approvals" + (" (expired)" if p["expired"] else ""))
        for e in f["equivocations"]:
            out.append(f"EQUIVOCATION: member {short(e['member'])} approved two requests for slot {e['slot']}")
    return "\n".join(out)


def cmd_status(args: argparse.Namespace) -> None:
    emit(args, api(args).get("/api/fund", fund=args.fund), _status_text)


EXAMPLE = """example:
  democite fund create --data ./a --name "Fonds universel" --currency EUR
  democite fund contribute --data ./b --amount 400.50
  democite fund request --data ./b --amount 900 --purpose "jumelage eau"
  democite fund approve --data ./a REQUEST_ID"""


def register(sub: Any) -> None:
    p = command(sub, "create", cmd_create, "create a coresponsibility fund (quorum: more than 2/3 of members)")
    p.add_argument("--name", required=True, help='the fund\'s name, e.g. "Fonds universel"')
    p.add_argument("--currency", default="EUR", help="3-letter code (default EUR)")
    p.add_argument("--expiry-days", type=int, default=30, help="days a grant request stays open (default 30)")
    for name, func, help in (
        ("pledge", cmd_pledge, "pledge a contribution"),
        ("contribute", cmd_contribute, "confirm paying a contribution"),
        ("request", cmd_request, "request a grant, e.g. for a twinning project"),
    ):
        p = command(sub, name, func, help)
        p.add_argument("--fund", help="fund id (64 hex, from `democite fund status`; default: the only fund)")
        p.add_argument("--amount", required=True, help="in currency units, e.g. 1500 or 12.50")
        if name == "request":
            p.add_argument("--for", dest="target", metavar="TWINNING_OR_PROJECT", help="id of the twinning or project funded")
            p.add_argument("--purpose", help='what the grant is for, e.g. "jumelage eau"')
    p = command(sub, "approve", cmd_approve, "approve a grant request (only if the balance known here covers it)")
    p.add_argument("request", help="the request's id (64 hex), as `democite fund status` lists it")
    p = command(sub, "ack", cmd_ack, "acknowledge receiving a certified grant")
    p.add_argument("request", help="the certified request's id (64 hex)")
    p = command(sub, "status", cmd_status, "pledged, contributed, granted, paid, available; pending requests")
    p.add_argument("--fund", help="only this fund (its id, 64 hex)")
