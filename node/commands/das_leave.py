"""`democite das leave request|approve|refuse|list`: DAS leave days, requested by the person and
decided by their employer's representative (clients of the admin API, acting as the token's account).
"""

from __future__ import annotations

import argparse
from typing import Any

from node.commands.das_util import das_group, drop_unset, fmt_hm
from node.commands.util import api, emit, table
from node.commands.util import command as _cmd


def leave_request(args: argparse.Namespace) -> None:
    body = drop_unset({"contract": args.contract, "from": args.date_from, "to": args.date_to, "days": args.days, "note": args.note})
    r = api(args).post("/api/das/leave", body)
    emit(args, r, lambda r: f"{r['id']}\nleave request {r['id']}: {r['days']} days ({r['from']} to {r['to']}, {fmt_hm(r['minutes'])}) "
         f"waits for the employer's decision; {fmt_hm(r['remaining_minutes'])} left on contract {r['contract']}")


def leave_decide(action: str) -> Any:
    def run(args: argparse.Namespace) -> None:
        r = api(args).post(f"/api/das/leave/{args.leave}/{action}", drop_unset({"reason": args.reason}))
        emit(args, r, lambda r: f"leave request {r['id']} {r['status']} ({r['days']} days, {fmt_hm(r['minutes'])})")

    return run


def leave_list(args: argparse.Namespace) -> None:
    r = api(args).get("/api/das/leave", person=args.person, contract=args.contract, status=args.status)
    emit(args, r, lambda r: table(
        [[x["id"], x["person"] or "", x["contract"], x["date_from"], x["date_to"], x["days"], fmt_hm(x["minutes"]), x["status"],
          x["reason"]] for x in r["leave"]],
        ["id", "person", "contract", "from", "to", "days", "time", "status", "reason"]))


def register(ds: Any) -> None:
    """`democite das leave`: DAS leave days on a contract taken as leave."""
    g = das_group(ds, "leave", "DAS leave days: requested by the person, decided by the employer's representative",
                  "democite das leave request --contract 3 --from 2026-05-04 --days 2")
    p = _cmd(g, "request", leave_request, "request leave days on your own leave-mode contract; prints the request's id")
    p.add_argument("--contract", type=int, required=True, help="the contract number (`das contract list`); its mode is leave")
    p.add_argument("--from", dest="date_from", required=True, help="first day of leave, YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", help="last day of leave, YYYY-MM-DD (or --days)")
    p.add_argument("--days", type=int, help="how many working days (Monday to Friday) from --from; with --to, fewer than the span "
                                            "(a public holiday)")
    p.add_argument("--note", help="a short note for the employer (optional)")
    for action, help in (("approve", "the employer's representative approves a leave request"),
                         ("refuse", "the employer's representative refuses a leave request")):
        p = _cmd(g, action, leave_decide(action), help)
        p.add_argument("leave", type=int, help="the leave request's id (`das leave list`)")
        p.add_argument("--reason", help="why, told to the person (optional)")
    p = _cmd(g, "list", leave_list, "leave requests (a person: their own; an employer: its employees')")
    p.add_argument("--person", help="only this person's requests (pseudonym or local id)")
    p.add_argument("--contract", type=int, help="only this contract's requests")
    p.add_argument("--status", choices=("requested", "approved", "refused"), help="only requests in this state")
