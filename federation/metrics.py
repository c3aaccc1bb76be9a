"""The node's Prometheus metrics: one registry per application, never the library's global one.

Two kinds of families. Counters and histograms that events move (requests of both APIs, errors by
code, gossip rounds) live in `Metrics`, which the runtime's middleware and the gossip round feed.
What the node holds (logs, records, peers, traffic, ingest counts, database size) is read from
`Node` when Prometheus scrapes, by `StateCollector`: nothing to keep in step, nothing stale.

Labels never carry a request's path (a path can hold a pseudonym, /api/das/persons/{ref}): only
the route's pattern, the method, the status and the error code. Peers are named by their URL,
a territory's public address.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from federation.peer.peering import GRAYLIST_SCORE
from federation.peer.state import Traffic
from federation.peer.sync import SyncReport
from node.accounts.service import AccountService
from node.accounts.sessions import Sessions
from node.service import Node

# requests are mostly milliseconds; a sync or an export may take seconds
REQUEST_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
ROUND_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
UNMATCHED = "unmatched"  # a path no route took: its text is never a label


@dataclass(frozen=True, slots=True)
class State:
    """What the node holds, read once per scrape."""

    logs: int = 0
    records: int = 0
    own_records: int = 0
    frozen: int = 0
    peers: tuple[tuple[str, int, int, bool, bool], ...] = ()  # url, score, failures, graylisted, backing off
    sent: int = 0
    received: int = 0
    peer_calls: int = 0
    verified: int = 0
    refused: int = 0
    accepted: int = 0
    db_bytes: tuple[tuple[str, int], ...] = ()
    web_sessions: int = 0
    accounts: tuple[tuple[str, str, int], ...] = ()  # role, state, count


async def read_state(node: Node, traffic: Traffic) -> State:
    heads = await node.logs.heads()
    own = next((h.size for h in heads if h.key == node.public_key), 0)
    now = node.clock()
    peers = tuple(
        (p.url, p.score, p.failures, p.score < GRAYLIST_SCORE, p.next_try > now) for p in await node.peers.all()
    )
    path = node.database_path
    files = (("database", path), ("wal", path.with_name(path.name + "-wal")))
    return State(
        logs=len(heads),
        records=sum(h.size for h in heads),
        own_records=own,
        frozen=sum(1 for h in heads if h.frozen),
        peers=peers,
        sent=traffic.sent,
        received=traffic.received,
        peer_calls=traffic.requests,
        verified=node.counts.verified,
        refused=node.counts.refused,
        accepted=node.counts.accepted,
        db_bytes=tuple((name, _size(f)) for name, f in files),
        web_sessions=await Sessions(node).live(),
        accounts=tuple(await AccountService(node).counts()),
    )


def _size(path: os.PathLike[str]) -> int:
    try:
        return os.stat(path).st_size
    except FileNotFoundError:  # no -wal between checkpoints of a quiet database
        return 0


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, value=value)


@dataclass(slots=True, eq=False)  # the registry keys collectors by identity
class StateCollector:
    """Turns the last `State` read into metric families (prometheus-client collects synchronously,
    so the scrape reads the node first, then asks the registry for the text)."""

    state: State = field(default_factory=State)

    def collect(self) -> Iterable[Metric]:
        s = self.state
        yield _gauge("democite_logs_held", "Logs (one per author key) this node holds, its own included", s.logs)
        yield _gauge("democite_records_held", "Records held across all logs", s.records)
        yield _gauge("democite_own_log_records", "Records in this node's own log", s.own_records)
        yield _gauge("democite_logs_frozen", "Logs frozen by a fork proof", s.frozen)
        states = GaugeMetricFamily("democite_peers", "Peers in the peer table by health", labels=["state"])
        graylisted = sum(1 for p in s.peers if p[3])
        backoff = sum(1 for p in s.peers if p[4] and not p[3])
        for name, n in (("healthy", len(s.peers) - graylisted - backoff), ("backoff", backoff), ("graylisted", graylisted)):
            states.add_metric([name], n)
        yield states
        score = GaugeMetricFamily("democite_peer_score", "A peer's health score (graylisted below the threshold)", labels=["peer"])
        failures = GaugeMetricFamily("democite_peer_failures", "A peer's consecutive failed rounds", labels=["peer"])
        gray = GaugeMetricFamily("democite_peer_graylisted", "1 if the peer is graylisted (skipped for sending invalid data)", labels=["peer"])
        for url, sc, fails, is_gray, _ in s.peers:
            score.add_metric([url], sc)
            failures.add_metric([url], fails)
            gray.add_metric([url], 1 if is_gray else 0)
        yield from (score, failures, gray)
        yield _gauge("democite_peer_graylist_score", "The score below which a peer is graylisted", GRAYLIST_SCORE)
        traffic = CounterMetricFamily("democite_sync_bytes", "Bytes of this node's calls to peers in gossip and sync (headers estimated)", labels=["direction"])
        traffic.add_metric(["sent"], s.sent)
        traffic.add_metric(["received"], s.received)
        yield traffic
        yield CounterMetricFamily("democite_sync_requests", "Requests this node made to peers in gossip and sync", value=s.peer_calls)
        yield CounterMetricFamily(
            "democite_sync_records_received", "Records of other logs stored (pulled by a sync or pushed by a peer)", value=s.accepted
        )
        checks = CounterMetricFamily(
            "democite_signature_checks", "Records verified at ingest (signature, encoding, schema): valid records, refused pages", labels=["result"]
        )
        checks.add_metric(["valid"], s.verified)
        checks.add_metric(["invalid"], s.refused)
        yield checks
        yield _gauge("democite_web_sessions", "Web sessions alive now (not ended, within their idle and absolute timeouts)",
                     s.web_sessions)
        accounts = GaugeMetricFamily("democite_accounts", "Accounts by role and state", labels=["role", "state"])
        for role, state, n in s.accounts:
            accounts.add_metric([role, state], n)
        yield accounts
        db = GaugeMetricFamily("democite_database_bytes", "Size of the SQLite database files", labels=["file"])
        for name, size in s.db_bytes:
            db.add_metric([name], size)
        yield db


@dataclass(slots=True)
class Metrics:
    """One application's registry and the families events move."""

    registry: CollectorRegistry
    state: StateCollector
    requests: Counter
    latency: Histogram
    errors: Counter
    rounds: Histogram
    exchanges: Counter
    pushed: Counter

    @classmethod
    def create(cls) -> Metrics:
        reg = CollectorRegistry(auto_describe=True)
        state = StateCollector()
        reg.register(state)
        m = cls(
            registry=reg,
            state=state,
            requests=Counter(
                "democite_requests", "Requests answered, by API, method, route pattern and status",
                ["api", "method", "route", "status"], registry=reg,
            ),
            latency=Histogram(
                "democite_request_duration_seconds", "Time to answer a request, by API, method and route pattern",
                ["api", "method", "route"], buckets=REQUEST_BUCKETS, registry=reg,
            ),
            errors=Counter("democite_errors", "Error answers by API and error code", ["api", "code"], registry=reg),
            rounds=Histogram(
                "democite_gossip_round_duration_seconds", "Gossip rounds and their duration (tick: the scheduled round; push: after publishing)",
                ["kind"], buckets=ROUND_BUCKETS, registry=reg,
            ),
            exchanges=Counter("democite_gossip_exchanges", "Exchanges with one peer in gossip rounds, by outcome", ["outcome"], registry=reg),
            pushed=Counter("democite_sync_records_pushed", "Records this node pushed to peers in gossip exchanges", registry=reg),
        )
        for kind in ("tick", "push"):  # zero series from the start: a dashboard sees "none yet", not "no data"
            m.rounds.labels(kind)
        for outcome in ("ok", "failed"):
            m.exchanges.labels(outcome)
        return m

    def request(self, api: str, method: str, route: str, status: int, seconds: float, code: str | None) -> None:
        self.requests.labels(api, method, route, str(status)).inc()
        self.latency.labels(api, method, route).observe(seconds)
        if code is not None:
            self.errors.labels(api, code).inc()

    def gossip_round(self, kind: str, seconds: float, reports: Sequence[SyncReport]) -> None:
        self.rounds.labels(kind).observe(seconds)
        for r in reports:
            self.exchanges.labels("failed" if r.error else "ok").inc()
            self.pushed.inc(r.pushed)

    async def scrape(self, node: Node, traffic: Traffic) -> bytes:
        self.state.state = await read_state(node, traffic)
        return generate_latest(self.registry)


async def database_ready(node: Node | None) -> str | None:
    """None when the database answers (it is open and migrated: `Node.open` migrates before it
    returns), else what is wrong."""
    if node is None:
        return "the database is not open yet"
    try:
        await node.logs.head(node.public_key)
    except Exception:  # closed, locked, or broken: any failure means not ready
        return "the database does not answer"
    return None


METRICS = web.AppKey("metrics", Metrics)
