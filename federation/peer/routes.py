"""Admin routes for the federation side: the peer table and sync-now."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from federation.errors import FederationError
from federation.peer.peering import client_for, sync_round
from federation.peer.state import SESSION, TRAFFIC
from node.accounts.permissions import Action as A
from node.api.framework import Route, node_of
from node.errors import Conflict, Invalid, NotFound, Unavailable
from protocol.schema import Field


def _check_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")) or len(url) > 300:
        raise Invalid(f"'{url[:80]}' is not a peer address: give its URL, for example http://127.0.0.1:8701")
    return url


async def peer_add(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    node = node_of(request)
    url = _check_url(body["url"])
    client = client_for(node, request.config_dict[SESSION], url, request.config_dict[TRAFFIC])
    try:
        info = await client.info()
    except FederationError as exc:
        if body.get("offline"):
            await node.peers.upsert(url, None, "", node.clock())
            return {"url": url, "key": None, "name": "", "reachable": False}
        raise Unavailable(f"{exc.message} (add it anyway with --offline)") from None
    if info.net != node.net_id:
        raise Conflict(f"peer {url} belongs to another network: it cannot be added")
    if info.key == node.public_key and url == node.config.public_url:
        raise Invalid("this is this node's own address")
    await node.peers.upsert(url, info.key, info.name, node.clock())
    return {"url": url, "key": info.key.hex(), "name": info.name, "reachable": True}


async def peer_list(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    node = node_of(request)
    return {
        "peers": [
            {
                "url": p.url,
                "key": p.key.hex() if p.key else None,
                "name": p.name,
                "last_seen": p.last_seen,
                "last_error": p.last_error,
                "score": p.score,
                "failures": p.failures,
                "bytes_in": p.bytes_in,
                "bytes_out": p.bytes_out,
                "clock_skew_ms": node.peers.clock_skew(p.url),
            }
            for p in await node.peers.all()
        ]
    }


async def peer_remove(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    node = node_of(request)
    url = _check_url(body["url"])
    if not await node.peers.remove(url):
        raise NotFound(f"no peer {url} in the peer table")
    return {"removed": url}


async def sync_now(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    node = node_of(request)
    peers = await node.peers.all()
    if body.get("url"):
        url = _check_url(body["url"])
        peers = [p for p in peers if p.url == url]
        if not peers:
            raise NotFound(f"no peer {url} in the peer table: add it with `democite peer add`")
    reports = await sync_round(node, request.config_dict[SESSION], peers, traffic=request.config_dict[TRAFFIC])
    return {"peers": [r.to_json() for r in reports], "pulled": sum(r.pulled for r in reports)}


ROUTES = [
    Route(
        "POST",
        "/api/peers",
        peer_add,
        "Add a peer by URL (its key is learnt from it)",
        body=(Field("url", str, max_len=300), Field("offline", bool, required=False)),
        tag="federation", action=A.NODE_ADMIN
    ),
    Route("GET", "/api/peers", peer_list, "The peer table with health and score", tag="federation", action=A.NODE_READ),
    Route(
        "POST",
        "/api/peers/remove",
        peer_remove,
        "Remove a peer",
        body=(Field("url", str, max_len=300),),
        tag="federation", action=A.NODE_ADMIN
    ),
    Route(
        "POST",
        "/api/sync",
        sync_now,
        "One sync round now, with every peer or one",
        body=(Field("url", str, required=False, max_len=300),),
        tag="federation", action=A.NODE_ADMIN
    ),
]
