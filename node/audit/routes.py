"""Admin route that streams an audit bundle (`.dmc`) of what this node holds.

The bundle is written frame by frame as storage is read, so a 100,000-record export never sits
whole in memory; the footer seals the SHA-256 of everything before it with this node's key.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node.accounts.permissions import Action as A
from node.api.framework import Route, node_of
from node.errors import NotFound
from node.genesis import genesis_for
from node.service import Node
from protocol.audit.build import pages
from protocol.audit.bundle import BundleWriter
from protocol.identity import parse_key
from protocol.network import OPEN_NETWORK_GENESIS, OPEN_NETWORK_ID
from protocol.schema import Field

CONTENT_TYPE = "application/vnd.democite.bundle"
PAGE_RECORDS = 2000


def genesis_of(node: Node) -> dict[str, Any] | None:
    """The canonical genesis of the node's network file (its hash is the bundle's network id).

    None only when the node's network file no longer hashes to the id it runs with (the file was
    edited after start): the audit then says the id is taken on trust rather than getting a
    genesis that contradicts the records.
    """
    if node.net_id == OPEN_NETWORK_ID:
        return dict(OPEN_NETWORK_GENESIS)
    genesis = genesis_for(node.config)
    return genesis.to_map() if genesis.id == node.net_id else None


async def export(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    node = node_of(request)
    author = parse_key(body["author"]) if body.get("author") else None
    store = node.export_store
    logs = await store.logs(author)
    if author is not None and not logs:
        raise NotFound("this node holds no record of that territory: check the key with `democite log`")
    resp = web.StreamResponse(headers={
        "Content-Type": CONTENT_TYPE,
        "Content-Disposition": 'attachment; filename="democite-export.dmc"',
    })
    await resp.prepare(request)
    w = BundleWriter()
    scope = "author:" + author.hex() if author else "all"
    await resp.write(w.start(node.net_id, node.public_key, node.clock(), genesis_of(node), scope))
    for log in logs:
        await resp.write(w.log(log.key, log.size))
        seq = 1
        while seq <= log.size:
            rows = await store.records(log.ref, seq, log.size, PAGE_RECORDS)
            if not rows:
                break
            for page in pages([raw, sig] for _, raw, sig in rows):
                await resp.write(w.records(log.key, page))
            seq = rows[-1][0] + 1
        prev = 0
        for cp in await store.checkpoints(log.ref, log.size):
            cosigs = [[wk, ts, sig] for wk, ts, sig in await store.cosignatures(cp.id)]
            proof = await node.consistency_proof(log.key, prev, cp.size) if prev else []
            await resp.write(w.checkpoint(log.key, [cp.raw, cp.sig], cosigs, proof))
            prev = cp.size
    for wire in await store.forks(author):
        await resp.write(w.fork(wire))
    # Disclosures the territory chose to hand to evaluators (`democite das prove --attach`).
    if author is None or author == node.public_key:
        from node.das.service import DasService

        for scheme, data in await DasService(node).audit_disclosures():
            await resp.write(w.disclosure(scheme, node.public_key, data))
    await resp.write(w.end(node.identity))
    await resp.write_eof()
    return resp


ROUTES = [
    Route(
        "GET",
        "/api/audit/export",
        export,
        "Stream an audit bundle (.dmc): logs, checkpoints with cosignatures, genesis, fork proofs; sealed footer",
        query=(Field("author", str, required=False, max_len=64),),
        tag="audit",
        responses={"200": "the bundle, application/vnd.democite.bundle"},
        produces=(CONTENT_TYPE,), action=A.AUDIT_EXPORT
    ),
]
