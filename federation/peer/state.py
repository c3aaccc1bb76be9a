"""Typed keys of the shared state held by the node's aiohttp application."""

from __future__ import annotations

from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from protocol.httpsig import NonceWindow


@dataclass(slots=True)
class Sockets:
    """Ports the node actually bound (port 0 in the config means 'any free port')."""

    peer_port: int = 0
    api_port: int = 0
    api_host: str = ""  # the admin socket's own address: /api/ is served on that socket only


@dataclass(slots=True)
class Traffic:
    """Bytes this node sent and received as a peer client (for the demo and benchmarks)."""

    sent: int = 0
    received: int = 0
    requests: int = 0
    # peer URLs this node's transport refuses to call (tests and demos cut the network with it)
    blocked: set[str] = field(default_factory=set)


@dataclass(slots=True)
class PeerBudget:
    window_start_ms: int = 0
    requests: int = 0
    bytes: int = 0
    signatures: int = 0


@dataclass(slots=True)
class Budgets:
    """Budgets over a window; the limits are far above honest gossip (tests lower them).

    `per_peer` is keyed by keys whose request signature verified: a header naming a key proves
    nothing, so it never spends that key's budget. Everything that does not verify (unsigned,
    stale, forged, replayed) is charged to its source address in `per_address`, with lower limits.
    `proven` remembers which (address, key) pairs verified lately, so an honest peer that shares
    its address with a flooder (NAT, one host) is not refused with it. Only members' keys are
    proven and get a budget of their own: in a network with a network file, a key made up for the
    occasion is charged to its address like a forgery (in the open network everyone is a member). An address over its budget
    where no key verified lately has its new connections closed at once, before any HTTP.
    """

    per_peer: dict[bytes, PeerBudget] = field(default_factory=dict)
    per_address: dict[str, PeerBudget] = field(default_factory=dict)
    proven: dict[tuple[str, bytes], int] = field(default_factory=dict)
    proven_addresses: dict[str, int] = field(default_factory=dict)  # address -> last time any key verified
    window_ms: int = 10_000
    max_requests: int = 2_000
    max_bytes: int = 256 * 1024 * 1024
    max_signatures: int = 50_000
    max_unverified_requests: int = 500
    max_unverified_bytes: int = 32 * 1024 * 1024
    proven_ms: int = 600_000  # how long a verified (address, key) counts: well above a gossip interval
    # bodies being received before their signature is checked: bounded in all and per address, so
    # stalled senders cannot make the node hold gigabytes (a body is at most max_body_bytes)
    inflight: dict[str, int] = field(default_factory=dict)
    inflight_total: int = 0
    max_inflight_bytes: int = 64 * 1024 * 1024
    max_inflight_per_address: int = 16 * 1024 * 1024


SESSION = web.AppKey("session", aiohttp.ClientSession)
NONCES = web.AppKey("nonces", NonceWindow)
SOCKETS = web.AppKey("sockets", Sockets)
TRAFFIC = web.AppKey("traffic", Traffic)
BUDGETS = web.AppKey("budgets", Budgets)
