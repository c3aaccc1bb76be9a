"""`democite evidence publish`: claim, in this node's own log, the fork proofs it holds (a client of the admin API)."""

from __future__ import annotations

import argparse
from typing import Any

from node.commands.util import add_data, add_json, api, emit, short


def cmd_publish(args: argparse.Namespace) -> None:
    r = api(args).post("/api/forks/evidence", {})
    emit(args, r, lambda r: "\n".join([f"evidence.fork {short(e['id'])}: {short(e['author'])} at seq {e['seq']}" for e in r["published"]])
         or "no new fork proof to claim")


def register(sub: Any) -> None:
    g = sub.add_parser("evidence", help="public claims of fork proofs this node holds",
                       description="public claims of fork proofs this node holds")
    gs = g.add_subparsers(dest="evidence_command", metavar="ACTION", required=True)
    p = gs.add_parser("publish", help="publish evidence.fork for each fork proof held and not yet claimed",
                      description="publish evidence.fork for each fork proof held and not yet claimed")
    add_data(p)
    add_json(p)
    p.set_defaults(func=cmd_publish)
