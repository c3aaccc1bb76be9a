"""Connection-level defences of the peer socket, below HTTP: how many connections, for how long.

Every connection the peer socket accepts goes through `Connections`: over the total cap or the
cap of its source address it is closed at once (so a flood can never use up the process's open
files; the last tenth of the total is kept for addresses where a member's key verified), and one with no request in progress (slow headers, idle keep-alive) is closed after
`header_timeout_s`. `RepeatFilter` keeps a storm of identical log lines (say, accept() failing
with "Too many open files") to one line and a count.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import resource
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

log = logging.getLogger("democite.peer")
ACCEPT_BATCH = 64  # connections accepted per wake-up, so one busy socket cannot hold the loop
ACCEPT_RETRY_S = 1.0
FD_RESERVE = 128  # files kept for the database, logs, outgoing peer calls and the admin socket
MIN_CONNECTIONS = 16


def address_key(host: str) -> str:
    """Who a source address stands for: IPv4 as is, IPv6 by its /64 (one subscriber's network,
    where taking a fresh address costs nothing), an IPv4-mapped IPv6 address as the IPv4 one."""
    if ":" not in host:
        return host
    try:
        ip = ipaddress.IPv6Address(host.split("%", 1)[0])
    except ValueError:
        return host
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.IPv6Network((ip, 64), strict=False).network_address) + "/64"


def connection_cap(configured: int) -> int:
    """The configured total, lowered to stay below the process's open-file limit."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return configured
    return min(configured, max(MIN_CONNECTIONS, soft - FD_RESERVE))


@dataclass(slots=True)
class Connections:
    """Open connections of the peer socket by source address, and what was refused or cut."""

    max_total: int
    max_per_address: int
    header_timeout_s: float
    barred: Callable[[str], bool] = lambda addr: False  # an address refused for now (see server)
    trusted: Callable[[str], bool] = lambda addr: False  # an address from which a key verified lately
    by_address: dict[str, int] = field(default_factory=dict)
    total: int = 0
    refused: int = 0
    timed_out: int = 0
    _guards: dict[asyncio.BaseTransport, _Guarded] = field(default_factory=dict)

    def protocol(self, inner: Callable[[], asyncio.Protocol]) -> Callable[[], asyncio.Protocol]:
        return lambda: _Guarded(self, inner)

    def busy(self, transport: asyncio.BaseTransport | None) -> None:
        """A request is being handled on this connection: no idle deadline until it ends."""
        g = self._guards.get(transport) if transport is not None else None
        if g is not None:
            g.disarm()

    def idle(self, transport: asyncio.BaseTransport | None) -> None:
        g = self._guards.get(transport) if transport is not None else None
        if g is not None:
            g.arm()

    def full(self, addr: str) -> bool:
        if self.total >= self.max_total or self.by_address.get(addr, 0) >= self.max_per_address or self.barred(addr):
            return True
        # the last tenth is kept for addresses that proved a key lately: slow connections from
        # many addresses can fill the rest, not lock the members out
        return self.total >= self.max_total - max(1, self.max_total // 10) and not self.trusted(addr)

    def _admit(self, addr: str) -> bool:
        if self.full(addr):
            self.refused += 1
            return False
        self.total += 1
        self.by_address[addr] = self.by_address.get(addr, 0) + 1
        return True

    def _release(self, addr: str) -> None:
        self.total -= 1
        left = self.by_address[addr] - 1
        if left:
            self.by_address[addr] = left
        else:
            del self.by_address[addr]


class GuardedSite(web.SockSite):
    """aiohttp's SockSite with its own accept loop: a connection that `Connections` would refuse
    is closed right after accept(), before asyncio builds a transport and a task for it (what a
    flood of reconnections costs the node is then two system calls each)."""

    def __init__(self, runner: web.BaseRunner, sock: socket.socket, conns: Connections) -> None:
        super().__init__(runner, sock)
        self._conns = conns
        self._tasks: set[asyncio.Task[Any]] = set()
        self._retry: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        await web.BaseSite.start(self)  # registers the site with its runner, which stops it
        self._loop = asyncio.get_running_loop()
        self._sock.setblocking(False)
        self._loop.add_reader(self._sock, self._accept)

    async def stop(self) -> None:
        if self._loop is not None:
            self._loop.remove_reader(self._sock)
            if self._retry is not None:
                self._retry.cancel()
            self._loop = None
        await super().stop()

    def _resume(self) -> None:
        self._retry = None
        if self._loop is not None:
            self._loop.add_reader(self._sock, self._accept)

    def _accept(self) -> None:
        loop = self._loop
        assert loop is not None
        for _ in range(ACCEPT_BATCH):
            try:
                conn, addr = self._sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                # out of files or memory: the caps should prevent it; pause rather than spin
                log.error("cannot accept peer connections (%s); trying again in %.0f s", exc.strerror, ACCEPT_RETRY_S)
                loop.remove_reader(self._sock)
                self._retry = loop.call_later(ACCEPT_RETRY_S, self._resume)
                return
            host = address_key(str(addr[0])) if isinstance(addr, tuple) else ""
            if self._conns.full(host):
                self._conns.refused += 1
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # reset, no TIME_WAIT
                conn.close()
                continue
            conn.setblocking(False)
            task = loop.create_task(self._serve(conn))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _serve(self, conn: socket.socket) -> None:
        server = self._runner.server
        assert server is not None and self._loop is not None
        try:
            await self._loop.connect_accepted_socket(self._conns.protocol(server), conn)
        except OSError:
            conn.close()  # gone before we could serve it


CONNECTIONS = web.AppKey("connections", Connections)


class _Guarded(asyncio.Protocol):
    """Wraps aiohttp's protocol for one connection: counts it, and cuts it when idle too long."""

    def __init__(self, conns: Connections, inner: Callable[[], asyncio.Protocol]) -> None:
        self._conns = conns
        self._make_inner = inner
        self._inner: asyncio.Protocol | None = None
        self._transport: asyncio.Transport | None = None
        self._addr = ""
        self._timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        peer = transport.get_extra_info("peername")
        self._addr = address_key(str(peer[0])) if peer else ""
        if not self._conns._admit(self._addr):
            transport.abort()  # frees the file at once; nothing was read, nothing to answer
            return
        self._transport = transport
        self._conns._guards[transport] = self
        self._inner = self._make_inner()
        self._inner.connection_made(transport)
        self.arm()

    def arm(self) -> None:
        self.disarm()
        if self._transport is not None:
            self._timer = asyncio.get_running_loop().call_later(self._conns.header_timeout_s, self._expire)

    def disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expire(self) -> None:
        self._timer = None
        if self._transport is not None:
            self._conns.timed_out += 1
            self._transport.abort()

    def data_received(self, data: bytes) -> None:
        if self._inner is not None:
            self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._inner is not None else None

    def pause_writing(self) -> None:
        if self._inner is not None:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        if self._inner is not None:
            self._inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        self.disarm()
        if self._transport is None:
            return
        self._conns._guards.pop(self._transport, None)
        self._transport = None
        self._conns._release(self._addr)
        if self._inner is not None:
            self._inner.connection_lost(exc)


class RepeatFilter(logging.Filter):
    """Lets the first of identical log records through, then one line per `period_s` saying how
    many were held back: a fault that repeats thousands of times a second stays readable."""

    def __init__(self, period_s: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.period_s = period_s
        self._clock = clock
        self._seen: dict[tuple[str, int, str], tuple[float, int]] = {}  # key -> (last shown, held back)

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError):
            # aiohttp logs every malformed request with its traceback and the sender's address:
            # one short line is enough, and the same line for everyone can be counted
            # only the reason's words before any ':' (what follows quotes the sender's bytes), so
            # the line never carries them and identical faults count as one
            lines = str(exc.message or "").strip().splitlines()
            reason = lines[0].split(":", 1)[0].split("'", 1)[0][:60].strip() if lines else ""
            record.msg, record.args = "refused a malformed HTTP request (%s: %s)", (exc.code, reason)
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.INFO, "INFO"
        text = record.getMessage()
        key = (record.name, record.levelno, text)
        now = self._clock()
        shown = self._seen.get(key)
        if shown is None or now - shown[0] >= self.period_s:
            if len(self._seen) > 1000:
                self._seen.clear()
            self._seen[key] = (now, 0)
            if shown is not None and shown[1]:
                record.msg = f"{text} (repeated {shown[1]} times in the last {now - shown[0]:.0f} s)"
                record.args = None
                record.exc_info = None  # the first one carried the traceback
                record.exc_text = None
            return True
        self._seen[key] = (shown[0], shown[1] + 1)
        return False

    def flush(self, log: logging.Logger) -> None:
        """Say what is still held back (at stop): nothing is silently lost."""
        now = self._clock()
        held, self._seen = self._seen, {}
        for (name, level, msg), (at, n) in held.items():
            if n:
                log.log(level, "%s: message repeated %d times in the last %.0f s: %s", name, n, now - at, msg)


# where a flood from outside can make lines repeat: the event loop (accept errors), the HTTP server
FILTERED_LOGGERS = ("asyncio", "aiohttp.server", "aiohttp.web", "democite.peer")


def install_filter(period_s: float = 60.0) -> RepeatFilter:
    f = RepeatFilter(period_s)
    for name in FILTERED_LOGGERS:
        logging.getLogger(name).addFilter(f)
    return f


def remove_filter(f: RepeatFilter) -> None:
    for name in FILTERED_LOGGERS:
        logging.getLogger(name).removeFilter(f)
    f.flush(logging.getLogger("democite.node"))
