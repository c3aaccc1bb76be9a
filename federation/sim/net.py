"""The simulated network: the `Transport` every simulated node's `PeerClient` calls.

A request is the signed bytes the real client built; it reaches the target node's real peer guard
(`federation.peer.server.peer_guard`: signature over the raw body, replay window, budgets, then the
endpoint) as an aiohttp request object built here, with no socket. On the way the network may drop
it, hold it and deliver it later (the caller timed out: delay), deliver it twice (duplicate),
deliver held requests in another order (reorder), lose the answer after the target handled it,
or refuse it across a partition. Every choice comes from the world's seeded random generator.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from random import Random
from typing import Any

from aiohttp import web
from aiohttp.http import HttpVersion11, RawRequestMessage
from aiohttp.streams import StreamReader
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from federation.peer.client import Answer
from federation.peer.server import peer_guard
from federation.sim.profiles import Profile


class Crashed(BaseException):
    """Raised by a node's clock at its crash point: the node stops in the middle of whatever it
    was doing (a BaseException, so no `except Exception` of the real code catches it)."""


LIE_RATE = 0.3  # share of the garbage sender's answers it garbles


@dataclass(slots=True)
class Endpoint:
    """Where a node's URL leads: its peer application while it runs (None while it is down)."""

    url: str
    address: str
    app: web.Application | None = None


@dataclass(slots=True)
class Held:
    due: int  # the step at which the network delivers it
    src: str
    url: str
    body: bytes
    headers: dict[str, str]


@dataclass(slots=True)
class SimNet:
    rng: Random
    profile: Profile
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)  # url -> partition group; empty when whole
    cut: set[str] = field(default_factory=set)  # nodes that hear nothing and say nothing (silent)
    liars: set[str] = field(default_factory=set)  # nodes whose answers are often garbled (the garbage sender)
    held: list[Held] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    step: int = 0
    faulty: bool = True  # false once the run is healing: links are then reliable
    on_crash: Callable[[str], None] = lambda url: None  # a target that crashed while handling

    def address(self, src: str) -> str:
        e = self.endpoints.get(src)
        return e.address if e is not None else ""

    def transport(self, src: str) -> SimTransport:
        return SimTransport(self, src)

    def linked(self, a: str, b: str) -> bool:
        if a in self.cut or b in self.cut:
            return False
        return not self.groups or self.groups.get(a, 0) == self.groups.get(b, 0)

    async def deliver(self, src: str, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        base, path = _split(url)
        target = self.endpoints.get(base)
        if target is None or target.app is None:
            raise ConnectionRefusedError()
        if not self.linked(src, base):
            raise TimeoutError()
        p = self.profile
        if self.faulty:
            r = self.rng.random()
            if r < p.drop:
                self.counts["drop"] += 1
                raise TimeoutError()
            r -= p.drop
            if r < p.delay:
                self.counts["delay"] += 1
                self._hold(src, url, body, headers)
                raise TimeoutError()
            r -= p.delay
            if r < p.duplicate:
                self.counts["duplicate"] += 1
                self._hold(src, url, body, headers)
            elif r < p.duplicate + p.lose_answer:
                self.counts["lose_answer"] += 1
                await self._handle(target, path, headers, body, self.address(src))
                raise TimeoutError()
            elif r < p.duplicate + p.lose_answer + p.crash_in_request:
                self.counts["crash_in_request"] += 1
                await self._handle(target, path, headers, body, self.address(src))
                self.on_crash(base)
                raise ConnectionResetError()
        answer = await self._handle(target, path, headers, body, self.address(src))
        return self._garble(answer) if base in self.liars and self.faulty and self.rng.random() < LIE_RATE else answer

    def _garble(self, answer: Answer) -> Answer:
        """A hostile member's answer: random bytes, a body cut short, or one byte changed (a
        record's signature, a root, a checkpoint no longer verifies)."""
        self.counts["garbled_answer"] += 1
        data, how = answer.body, self.rng.randrange(3)
        if how == 0 or not data:
            data = self.rng.randbytes(self.rng.randint(1, 300))
        elif how == 1:
            data = data[: self.rng.randrange(len(data))]
        else:
            i = self.rng.randrange(len(data))
            data = data[:i] + bytes([data[i] ^ (1 << self.rng.randrange(8))]) + data[i + 1:]
        return Answer(answer.status, answer.content_type, answer.headers, data)

    def _hold(self, src: str, url: str, body: bytes, headers: dict[str, str]) -> None:
        self.held.append(Held(self.step + self.rng.randint(1, self.profile.max_delay_steps), src, url, body, headers))

    async def flush(self) -> None:
        """Deliver the held requests now due; their answers go nowhere (the callers gave up)."""
        due = [h for h in self.held if h.due <= self.step]
        if not due:
            return
        self.held = [h for h in self.held if h.due > self.step]
        if len(due) > 1 and self.profile.reorder:
            self.rng.shuffle(due)
            self.counts["reorder"] += 1
        for h in due:
            base, path = _split(h.url)
            target = self.endpoints.get(base)
            if target is None or target.app is None or not self.linked(h.src, base):
                continue
            try:
                await self._handle(target, path, h.headers, h.body, self.address(h.src))
            except OSError:
                pass  # the target crashed while handling it

    async def _handle(self, target: Endpoint, path: str, headers: dict[str, str], body: bytes, address: str) -> Answer:
        app = target.app
        assert app is not None
        request = _request(app, path, headers, body, address)
        match = await app.router.resolve(request)
        match.add_app(app)
        request._match_info = match  # what aiohttp's server does after routing
        try:
            response = await peer_guard(request, match.handler)
        except Crashed:  # its clock raised at its crash point: the world crashes it after the step
            raise ConnectionResetError() from None
        assert isinstance(response, web.Response)
        data = response.body
        raw = bytes(data) if isinstance(data, (bytes, bytearray, memoryview)) else b""
        return Answer(response.status, response.content_type, dict(response.headers), raw)


class SimTransport:
    """One node's view of the network: its requests leave from its URL, its nonces from the seed."""

    def __init__(self, net: SimNet, src: str) -> None:
        self.net = net
        self.src = src

    def nonce(self) -> bytes:
        return self.net.rng.randbytes(16)

    async def post(self, url: str, body: bytes, headers: dict[str, str], timeout_s: float, max_body: int) -> Answer:
        return await self.net.deliver(self.src, url, body, headers)


def _split(url: str) -> tuple[str, str]:
    i = url.index("/fed/")
    return url[:i], url[i:]


class _Wire:
    """The connection a simulated request came on: its peer address, nothing else."""

    def __init__(self, address: str) -> None:
        self.address = address

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        if name == "peername":
            return (self.address, 40000)
        if name == "sockname":
            return ("127.0.0.1", 8000)
        return default

    def is_closing(self) -> bool:
        return False


class _Protocol:
    """What `web.Request` reads from the server protocol of a connection."""

    def __init__(self, wire: _Wire) -> None:
        self.transport = wire
        self.writer = None
        self.peername = wire.get_extra_info("peername")
        self.sockname = wire.get_extra_info("sockname")
        self.ssl_context = None
        self.max_field_size = 8190
        self.max_line_length = 8190
        self.max_headers = 128

    def pause_reading(self, *args: Any, **kwargs: Any) -> None:
        pass

    def resume_reading(self, *args: Any, **kwargs: Any) -> None:
        pass


def _request(app: web.Application, path: str, headers: dict[str, str], body: bytes, address: str) -> web.Request:
    hdrs = CIMultiDict(headers)
    hdrs["Content-Length"] = str(len(body))
    hdrs["Host"] = "sim"
    proxy = CIMultiDictProxy(hdrs)
    raw = tuple((k.encode(), v.encode()) for k, v in proxy.items())
    message = RawRequestMessage("POST", path, HttpVersion11, proxy, raw, False, None, False, False, URL(path))
    proto = _Protocol(_Wire(address))
    loop = asyncio.get_running_loop()
    payload = StreamReader(proto, 2**22, loop=loop)  # type: ignore[arg-type]
    if body:
        payload.feed_data(body)
    payload.feed_eof()
    task = asyncio.current_task()
    assert task is not None
    return web.Request(message, payload, proto, None, task, loop, client_max_size=2**24)  # type: ignore[arg-type]
