"""Sync rounds over the peer table: health, score, exponential back-off for unreachable peers."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import aiohttp

from federation.errors import FederationError, FedErrorCode
from federation.network.keyrotation import hand_over, refused_as_non_member
from federation.network.membership import view
from federation.peer.client import PeerClient
from federation.peer.state import Traffic
from federation.peer.sync import SyncReport, sync_with
from node.service import Node
from node.state import Peer

BACKOFF_BASE_MS = 1_000
BACKOFF_MAX_MS = 10 * 60_000
PENALTY_UNREACHABLE = 1
PENALTY_MISBEHAVED = 20
GRAYLIST_SCORE = 30  # below this a peer is only contacted when asked explicitly


def client_for(node: Node, session: aiohttp.ClientSession, url: str, traffic: Traffic | None = None) -> PeerClient:
    f = node.config.federation
    return PeerClient(session, node.identity, url, node.clock, f.peer_timeout_s, f.max_body_bytes, traffic)


async def sync_peer(node: Node, session: aiohttp.ClientSession, peer: Peer, traffic: Traffic | None = None) -> SyncReport:
    """Sync with one peer and record its health; never raises for the peer's faults."""
    traffic = traffic or Traffic()
    client = client_for(node, session, peer.url, traffic)
    before_in, before_out = traffic.received, traffic.sent
    try:
        try:
            report = await sync_with(node, client)
        except FederationError as exc:
            # the peer may refuse our key only because it lacks our rotation: hand it over, retry
            if not refused_as_non_member(exc) or not await hand_over(node, session, peer.url, await view(node), traffic):
                raise
            report = await sync_with(node, client)
    except FederationError as exc:
        report = SyncReport(peer.url, error=exc.message, error_code=str(exc.code))
        unreachable = exc.code is FedErrorCode.UNREACHABLE
        delay = min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * (2 ** min(peer.failures, 20)))
        await node.peers.record_failure(
            peer.url, exc.message, node.clock() + delay, PENALTY_UNREACHABLE if unreachable else PENALTY_MISBEHAVED
        )
        return report
    await node.peers.record_success(peer.url, node.clock(), traffic.received - before_in, traffic.sent - before_out)
    return report


async def sync_round(
    node: Node,
    session: aiohttp.ClientSession,
    peers: Sequence[Peer] | None = None,
    respect_backoff: bool = False,
    traffic: Traffic | None = None,
) -> list[SyncReport]:
    if peers is None:
        peers = await node.peers.all()
    now = node.clock()
    chosen = [p for p in peers if not respect_backoff or (p.next_try <= now and p.score >= GRAYLIST_SCORE)]
    return list(await asyncio.gather(*(sync_peer(node, session, p, traffic) for p in chosen)))
