"""Sync rounds over the peer table: health, score, exponential back-off for unreachable peers.

`penalty` is the one place a failed round becomes a verdict on the peer, from the error's type:
only a peer whose answer is unreadable or fails verification loses the misbehaviour penalty.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import Enum

import aiohttp

from federation.errors import FederationError, FedErrorCode, PeerRefused, RemoteError
from federation.network.keyrotation import hand_over, refused_as_non_member
from federation.network.membership import view
from federation.peer.client import PeerClient
from federation.peer.state import Traffic
from federation.peer.sync import SyncReport, sync_with
from node.service import Node
from node.state import Peer
from protocol.errors import DemociteError

log = logging.getLogger("democite.peers")

BACKOFF_BASE_MS = 1_000
BACKOFF_MAX_MS = 10 * 60_000
PENALTY_UNREACHABLE = 1
PENALTY_MISBEHAVED = 20
GRAYLIST_SCORE = 30  # below this a peer is only contacted when asked explicitly
# refusals that only ask us to slow down: an honest peer under load answers them
SLOW_DOWN = frozenset({FedErrorCode.RATE_LIMITED, FedErrorCode.BUSY})


class Backoff(Enum):
    NONE = "none"  # the peer's health is left alone: the fault is ours
    NEXT_ROUND = "next_round"  # retried at the next gossip tick
    EXPONENTIAL = "exponential"  # doubled with each failure in a row, up to BACKOFF_MAX_MS


@dataclass(frozen=True, slots=True)
class Penalty:
    score: int  # taken from the peer's score
    backoff: Backoff


def penalty(exc: DemociteError) -> Penalty:
    """What a round that ended in `exc` costs the peer, decided by the error's type alone."""
    if not isinstance(exc, FederationError):
        return Penalty(0, Backoff.NONE)  # raised by our own node or protocol code: not the peer's doing
    if refused_as_non_member(exc):
        # we are a candidate the peer does not admit yet: no fault of the peer's, and once enough
        # members endorse us we want the next round, not a back-off of minutes
        return Penalty(0, Backoff.NEXT_ROUND)
    if isinstance(exc, PeerRefused):
        if exc.peer_code in SLOW_DOWN:
            return Penalty(0, Backoff.EXPONENTIAL)
        return Penalty(PENALTY_UNREACHABLE, Backoff.EXPONENTIAL)  # it does not serve us: like down
    if isinstance(exc, RemoteError):
        return Penalty(PENALTY_MISBEHAVED, Backoff.EXPONENTIAL)  # unreadable, or fails verification
    return Penalty(PENALTY_UNREACHABLE, Backoff.EXPONENTIAL)  # PeerUnreachable, or no proof it is to blame


async def record_fault(node: Node, peer: Peer, exc: DemociteError) -> SyncReport:
    """Record on `peer` what `penalty` says of a round that failed with `exc`; the round's report."""
    p = penalty(exc)
    if p.backoff is Backoff.NONE:
        log.warning("round with peer %s stopped by this node's own error (%s): %s", peer.url, exc.code, exc.message)
    else:
        if p.backoff is Backoff.NEXT_ROUND:
            delay = int(node.config.federation.gossip_interval_s * 1000)
        else:
            delay = min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * (2 ** min(peer.failures, 20)))
        await node.peers.record_failure(peer.url, exc.message, node.clock() + delay, p.score)
    return SyncReport(peer.url, error=exc.message, error_code=str(exc.code))


def client_for(node: Node, session: aiohttp.ClientSession, url: str, traffic: Traffic | None = None) -> PeerClient:
    f = node.config.federation
    return PeerClient(session, node.identity, url, node.clock, f.peer_timeout_s, f.max_body_bytes, traffic)


async def sync_peer(node: Node, session: aiohttp.ClientSession, peer: Peer, traffic: Traffic | None = None) -> SyncReport:
    """Sync with one peer and record its health; never raises for the peer's faults nor for our
    own errors (logged, not held against the peer)."""
    traffic = traffic or Traffic()
    client = client_for(node, session, peer.url, traffic)

    async def with_hand_over() -> SyncReport:
        try:
            return await sync_with(node, client)
        except FederationError as exc:
            # the peer may refuse our key only because it lacks our rotation: hand it over, retry
            if not refused_as_non_member(exc) or not await hand_over(node, session, peer.url, await view(node), traffic):
                raise
            return await sync_with(node, client)

    return await health_round(node, peer, client, traffic, with_hand_over)


async def health_round(
    node: Node, peer: Peer, client: PeerClient, traffic: Traffic, run: Callable[[], Awaitable[SyncReport]]
) -> SyncReport:
    """One round with a peer, its outcome written to the peer table: its bytes and success, or the
    penalty its fault deserves (`record_fault`), and in any case the clock its answers showed."""
    before_in, before_out = traffic.received, traffic.sent
    try:
        report = await run()
    except DemociteError as exc:
        return await record_fault(node, peer, exc)
    finally:
        node.peers.note_clock(peer.url, client.clock_skew_ms)
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
