"""Fork evidence: a node that holds a verified fork proof says so in its own log (`evidence.fork`).

The proof itself travels with the `forks` step of each exchange; the record is the territory's
signed, public claim that it caught an author equivocating, checked by auditors against the proof.
"""

from __future__ import annotations

from typing import Any

from node.service import Node
from protocol.actor import Actor, acted
from protocol.record import open_record


async def publish_evidence(node: Node, actor: Actor | None = None) -> list[dict[str, Any]]:
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
        body = {"author": proof.author, "seq": proof.seq, "ids": [proof.a.id, proof.b.id]}
        signed = await node.publish("evidence.fork", acted(body, actor))
        claimed.add((proof.author, proof.seq))
        out.append({"id": signed.id.hex(), "author": proof.author.hex(), "seq": proof.seq})
    return out
