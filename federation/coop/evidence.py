"""Fork evidence: a node that holds a verified fork proof says so in its own log (`evidence.fork`).

The proof itself travels with the `forks` step of each exchange; the record is the territory's
signed, public claim that it caught an author equivocating, checked by auditors against the proof.
"""

from __future__ import annotations

import argparse
from typing import Any

from aiohttp import web

from node.api.framework import Route, node_of
from node.commands.util import add_data, add_json, api, emit, short
from node.service import Node
from protocol.record import open_record


async def publish_evidence(node: Node) -> list[dict[str, Any]]:
    """Publish one `evidence.fork` per fork proof held here that this node has not claimed yet."""
    me = node.public_key
    claimed = set()
    for rec in await node.logs.records(me, ["evidence.fork"], 100_000, 0):
        body = open_record(rec.raw, rec.sig, rec.author).record.body
        claimed.add((body["author"], body["seq"]))
    out = []
    for proof in await node.fork_proofs():
        if (proof.author, proof.seq) in claimed or proof.author == me:
            continue
        signed = await node.publish("evidence.fork", {"author": proof.author, "seq": proof.seq, "ids": [proof.a.id, proof.b.id]})
        claimed.add((proof.author, proof.seq))
        out.append({"id": signed.id.hex(), "author": proof.author.hex(), "seq": proof.seq})
    return out


async def _publish(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    return {"published": await publish_evidence(node_of(request))}


ROUTES = [
    Route("POST", "/api/forks/evidence", _publish, "Publish an evidence.fork record for each fork proof held and not yet claimed",
          tag="network"),
]


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
