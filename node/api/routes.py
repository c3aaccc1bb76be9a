"""Admin routes of the node itself: status, publishing, reading logs, fork proofs."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node.accounts.permissions import Action as A
from node.api.framework import Route, node_of
from node.errors import Invalid, NotFound
from node.jsonview import record_json, to_json
from protocol import encoding
from protocol.identity import parse_key
from protocol.schema import Field


async def status(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    node = node_of(request)
    me = node.public_key
    head = await node.logs.head(me)
    heads = await node.logs.heads()
    forks = await node.logs.forks()
    peers = await node.peers.all()
    return {
        "public_key": me.hex(),
        "name": node.config.node.name,
        "listen": node.config.node.listen,
        "public_url": node.config.public_url,
        "web_url": node.config.web_url,
        "network": node.net_id.hex(),
        "log_size": head.size if head else 0,
        "records": sum(h.size for h in heads),
        "authors": len(heads),
        "peers": len(peers),
        "forks": len(forks),
        "frozen": [h.key.hex() for h in heads if h.frozen],
    }


async def publish(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    node = node_of(request)
    signed = await node.publish(body["kind"], body["body"])
    return {"id": signed.id.hex(), "seq": signed.seq, "kind": signed.record.kind}


async def log(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    node = node_of(request)
    author = parse_key(body["author"]) if body.get("author") else None
    kinds = [body["kind"]] if body.get("kind") else []
    offset = body.get("offset", 0)
    recs = await node.logs.records(author, kinds, body.get("limit", 1000), offset)
    return {"records": [record_json(r) for r in recs], "total": await node.logs.count_matching(author, kinds), "offset": offset}


async def record(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    node = node_of(request)
    try:
        rid = bytes.fromhex(request.match_info["id"])
    except ValueError:
        raise NotFound("a record id is 64 hexadecimal characters") from None
    rec = await node.logs.record_by_id(rid)
    if rec is None:
        raise NotFound("no record with this id on this node")
    return record_json(rec)


async def proof(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    node = node_of(request)
    rid = _hex_id(request.match_info["id"], "a record id")
    sel = body.get("checkpoint") or None
    checkpoint: bytes | int | None = None
    if sel is not None:
        checkpoint = int(sel) if sel.isascii() and sel.isdigit() and len(sel) <= 18 and int(sel) > 0 else _hex_id(sel, "'checkpoint' (an id, or a size >= 1)")
    p = await node.prove_record(rid, checkpoint)
    cp = p.checkpoint
    return {
        "record_id": p.record.id.hex(),
        "author": p.author.hex(),
        "seq": p.record.seq,
        "kind": p.record.record.kind,
        "index": p.index,
        "checkpoint": {"id": cp.id.hex(), "size": cp.checkpoint.size, "root": cp.checkpoint.root.hex(), "ts": cp.checkpoint.ts},
        "path": [h.hex() for h in p.path],
        "witnesses": [c.witness.hex() for c in p.cosigs],
        "bundle": encoding.encode(p.to_wire()).hex(),  # the exact peer answer, for verifiers
    }


def _hex_id(text: str, what: str) -> bytes:
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise Invalid(f"{what} is 64 hexadecimal characters")
    return raw


async def forks(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    node = node_of(request)
    out = []
    for proof in await node.fork_proofs():
        out.append(
            {
                "author": proof.author.hex(),
                "seq": proof.seq,
                "ids": [proof.a.id.hex(), proof.b.id.hex()],
                "proof": to_json(proof.to_wire()),
            }
        )
    return {"forks": out}


ROUTES = [
    Route("GET", "/api/status", status, "This node's identity, log size, peers and forks", action=A.NODE_READ),
    Route(
        "POST",
        "/api/publish",
        publish,
        "Sign and append a record to this node's log",
        body=(Field("kind", str, max_len=64), Field("body", dict, max_len=256)), action=A.NODE_ADMIN
    ),
    Route(
        "GET",
        "/api/log",
        log,
        "Records held (own and replicated), signatures re-verified",
        query=(
            Field("author", str, required=False),
            Field("kind", str, required=False),
            Field("limit", int, required=False),
            Field("offset", int, required=False),
        ), action=A.NODE_READ
    ),
    Route("GET", "/api/records/{id}", record, "One record by id", path_fields=(Field("id", str, format="hex64"),), action=A.NODE_READ),
    Route("GET", "/api/forks", forks, "Fork proofs held by this node", action=A.NODE_READ),
    Route(
        "GET",
        "/api/proof/{id}",
        proof,
        "RFC 6962 inclusion proof of one record in a signed checkpoint of its log (verified before it is sent)",
        query=(Field("checkpoint", str, required=False),), action=A.NODE_READ
    ),
]
