"""The peer endpoint `/fed/v1/proof`: the inclusion proof of one record in a checkpoint of its log.

Like every peer route it sits behind `server.peer_guard` (signed request, members only); the
answer is the bundle `protocol.proof` verifies, so the caller trusts the author's key, not us.
"""

from __future__ import annotations

from aiohttp import web

from node.api.framework import NODE
from protocol import encoding
from protocol.proof import ProofRequest

PATH = "/fed/v1/proof"
MSGPACK = "application/msgpack"


def add_route(app: web.Application, peer_msg: web.RequestKey[object]) -> None:
    """Register the route; `peer_msg` is the guard's key for the decoded, verified request body."""

    async def proof(request: web.Request) -> web.Response:
        node = request.app[NODE]
        req = ProofRequest.from_wire(request[peer_msg])
        # not found, not covered yet: a NodeError the guard answers (404, 400) like any refusal
        bundle = await node.prove_record(req.record, req.checkpoint)
        return web.Response(body=encoding.encode(bundle.to_wire()), content_type=MSGPACK)

    app.router.add_post(PATH, proof)
