"""Gossip: the only module that uses apscheduler. Every interval, push-pull with `fanout` random
peers; right after the node publishes, a push round at once. Peers are learnt from the members'
`territory.profile` records (and the founders in the network file).

Peer health decides who is called: a peer in back-off (unreachable, or asking us to slow down) or
graylisted (score below GRAYLIST_SCORE after sending invalid data) is skipped until it recovers;
`peering.penalty` sets both from the type of the error a round ended with.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import urllib.parse
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from federation.errors import FederationError
from federation.metrics import METRICS
from federation.network.keyrotation import hand_over, refused_as_non_member
from federation.peer.client import PeerClient
from federation.peer.exchange import exchange
from federation.peer.peering import BACKOFF_MAX_MS, GRAYLIST_SCORE, client_for, health_round
from federation.peer.state import SESSION, TRAFFIC
from federation.peer.sync import SyncReport
from node.api.framework import NODE
from node.service import Node
from node.state import Peer
from protocol.network import Genesis

log = logging.getLogger("democite.gossip")
PUSH_FANOUT = 3
STOP_GRACE_S = 5.0


@dataclass(slots=True)
class Gossip:
    app: web.Application
    genesis: Genesis
    rounds: int = 0
    last_round_ms: int = 0
    _sched: AsyncIOScheduler | None = None
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    _push_pending: bool = False
    _pushed_size: int = 0  # our log size when we last pushed: a bigger one means we published
    _rng: random.Random = field(default_factory=random.Random)
    # the biggest size of each log a peer advertised: what this node still lacks, for `network status`
    advertised: dict[bytes, int] = field(default_factory=dict)

    @property
    def node(self) -> Node:
        return self.app[NODE]

    async def start(self) -> None:
        node = self.node
        me = node.config.public_url
        for f in self.genesis.founders:
            if f.key != node.public_key and f.url and f.url != me and await node.peers.get(f.url) is None:
                await node.peers.upsert(f.url, f.key, f.name, node.clock())
        head = await node.logs.head(node.public_key)
        self._pushed_size = head.size if head else 0
        interval = node.config.federation.gossip_interval_s
        # a round that outlasts a short interval just skips the next tick: not worth a warning
        logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
        # "Running job" / "executed successfully" twice a tick would drown the node's own log
        logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
        self._sched = AsyncIOScheduler(event_loop=asyncio.get_running_loop())
        self._sched.add_job(
            self._tick,
            "interval",
            seconds=interval,
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now() + timedelta(seconds=min(interval, 1.0)),
        )
        self._sched.start()

    async def stop(self) -> None:
        # let a round in flight finish (rounds are short, bounded by the peer timeout) so nothing
        # is cut in the middle of a transaction; the scheduler's shutdown would cancel it
        if self._sched is not None:
            self._sched.pause()
        if self._tasks:
            _, late = await asyncio.wait(set(self._tasks), timeout=STOP_GRACE_S)
            for t in late:
                t.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if self._sched is not None:
            self._sched.shutdown(wait=False)
            self._sched = None

    async def after_admin_write(self) -> None:
        """Called after each admin write: every area publishes through the node, so a cheap look
        at our own head tells whether something new should be pushed now."""
        head = await self.node.logs.head(self.node.public_key)
        size = head.size if head else 0
        if size != self._pushed_size:
            self._pushed_size = size
            self.notify_published()

    def notify_published(self) -> None:
        """The node published: push to a few peers now (bursts of publications coalesce)."""
        if self._sched is None or self._push_pending:
            return
        self._push_pending = True
        self._sched.add_job(self._push_now)

    async def _tick(self) -> None:
        await self._guarded(self.round(self.node.config.federation.fanout))

    async def _push_now(self) -> None:
        self._push_pending = False
        await self._guarded(self.round(PUSH_FANOUT, count=False))

    async def _guarded(self, coro: Awaitable[object]) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except Exception:  # a round must never kill the scheduler; the next one retries
            log.exception("gossip round failed")
        finally:
            if task is not None:
                self._tasks.discard(task)

    async def round(self, fanout: int, count: bool = True) -> list[SyncReport]:
        """One push-pull round with `fanout` random healthy peers."""
        node = self.node
        if count:
            self.rounds += 1
            self.last_round_ms = node.clock()
        started, reports = time.perf_counter(), []
        try:
            await self.learn_peers()
            chosen = self.choose(await node.peers.all(), fanout)
            reports = list(await asyncio.gather(*(self.exchange_with(p) for p in chosen)))
            return reports
        finally:  # a round that failed is timed too: a stuck one is what the histogram is for
            if METRICS in self.app:
                self.app[METRICS].gossip_round("tick" if count else "push", time.perf_counter() - started, reports)

    def choose(self, peers: list[Peer], fanout: int) -> list[Peer]:
        node = self.node
        now = node.clock()
        me = node.config.public_url
        longest = max(BACKOFF_MAX_MS, int(node.config.federation.gossip_interval_s * 1000))
        usable = [
            p for p in peers
            if p.url != me and p.key != node.public_key and p.score >= GRAYLIST_SCORE and p.url not in self.app[TRAFFIC].blocked
        ]
        healthy = [p for p in usable if backoff_over(p, now, longest)]
        if not healthy and len(usable) >= 2:
            # every one of several peers backed off: most likely our own link was down, not all of
            # theirs; the ones due soonest are tried, or a node back on the network would wait out
            # every back-off (a lone peer keeps its back-off)
            return sorted(usable, key=lambda p: (p.next_try, p.url))[:fanout]
        return self._rng.sample(healthy, min(fanout, len(healthy)))

    async def exchange_with(self, peer: Peer) -> SyncReport:
        node = self.node
        traffic = self.app[TRAFFIC]
        client = client_for(node, self.app[SESSION], peer.url, traffic)
        return await health_round(node, peer, client, traffic, lambda: self._exchange(client))

    async def _exchange(self, client: PeerClient) -> SyncReport:
        """One exchange; when the peer refuses our key as a non-member and we rotated, hand it our
        rotation (signed by the retired key it still admits) and exchange again at once."""
        try:
            return await exchange(self.node, client, self.advertised)
        except FederationError as exc:
            if not refused_as_non_member(exc):
                raise
            membership = await self.node.membership()
            if not await hand_over(self.node, self.app[SESSION], client.url, membership, client.traffic):
                raise
        return await exchange(self.node, client, self.advertised)

    async def learn_peers(self) -> int:
        """Add the addresses found in members' latest profiles to the peer table."""
        node = self.node
        membership = await node.membership()
        known = {p.url for p in await node.peers.all()}
        latest: dict[bytes, dict[str, object]] = {}
        for rec in await node.logs.records(None, ["territory.profile"], limit=100_000):
            latest[rec.author] = rec.body
        added = 0
        for author, body in latest.items():
            if author == node.public_key or not membership.accepts(author):
                continue
            addresses = body.get("addresses")
            url = addresses[0] if isinstance(addresses, list) and addresses else None
            if isinstance(url, str) and _peer_url(url) and url not in known and url != node.config.public_url:
                await node.peers.upsert(url, author, str(body.get("name", "")), node.clock())
                known.add(url)
                added += 1
        return added


def backoff_over(peer: Peer, now: int, longest_ms: int) -> bool:
    """The peer's back-off has ended, or our clock went back since it was set: no back-off is
    longer than `longest_ms`, so a later `next_try` was set by a clock running ahead (a drift that
    NTP then corrected), and the peer would otherwise be skipped for as long as the error."""
    return peer.next_try <= now or peer.next_try - now > longest_ms


def _peer_url(url: str) -> bool:
    """Only plain http(s) base URLs from profiles: no credentials, paths, queries or odd schemes."""
    parts = urllib.parse.urlsplit(url)
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and not parts.username
        and parts.path in ("", "/")
        and not parts.query
        and len(url) <= 300
    )


GOSSIP = web.AppKey("gossip", Gossip)
