"""Talks to the service manager (systemd) with the sd_notify protocol: ready, watchdog, reloading, stopping.

`democite run` under `Type=notify` gets `$NOTIFY_SOCKET`, a unix datagram socket (a name starting
with '@' is in the abstract namespace), and with `WatchdogSec=` also `$WATCHDOG_USEC`. Without
them every call here does nothing, so the same code runs in a terminal, a container or a test.
A message the manager does not take is logged once and never stops the node: the node serving
matters more than the manager knowing it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import AsyncIterator, Mapping

log = logging.getLogger("democite.service")

# systemd refuses a watchdog shorter than this anyway; it keeps a bad value from spinning the loop
MIN_WATCHDOG_USEC = 20_000


class Notifier:
    """The sd_notify client of one process: `ready`, `status`, `reloading`, `stopping` and the watchdog task."""

    def __init__(self, address: str | bytes | None, watchdog_usec: int | None) -> None:
        self.address = address
        self.watchdog_usec = watchdog_usec
        self._sock: socket.socket | None = None
        self._warned = False
        self._watchdog: asyncio.Task[None] | None = None
        self._status: str | None = None  # set once READY=1 was sent

    @classmethod
    def from_env(cls, environ: Mapping[str, str], pid: int | None = None) -> Notifier:
        """The notifier the environment asks for (`NOTIFY_SOCKET`, `WATCHDOG_USEC`, `WATCHDOG_PID`)."""
        pid = os.getpid() if pid is None else pid
        raw = environ.get("NOTIFY_SOCKET", "")
        address: str | bytes | None = None
        if raw.startswith("@"):
            address = b"\0" + raw[1:].encode()  # the abstract namespace: a leading NUL byte
        elif raw.startswith("/"):
            address = raw
        elif raw:  # vsock: and friends are for virtual machines, not a service on this host
            log.warning("NOTIFY_SOCKET is neither a path nor an abstract name: readiness is not reported")
        usec: int | None = None
        watchdog_pid = environ.get("WATCHDOG_PID", "")
        # the watchdog is ours unless it names another process (a wrapper that exec'd us keeps its pid)
        if address is not None and (not watchdog_pid or watchdog_pid == str(pid)):
            text = environ.get("WATCHDOG_USEC", "")
            if text.isdigit() and int(text) > 0:
                usec = max(int(text), MIN_WATCHDOG_USEC)
            elif text:
                log.warning("WATCHDOG_USEC=%r is not a positive number of microseconds: the watchdog is not fed", text[:20])
        return cls(address, usec)

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def send(self, *fields: str) -> bool:
        """Send `KEY=value` lines in one datagram; False if there is no manager or it did not take it."""
        if self.address is None:
            return False
        try:
            if self._sock is None:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
                self._sock.setblocking(False)
            self._sock.sendto("\n".join(fields).encode("utf-8"), self.address)
        except OSError as exc:
            if not self._warned:  # a manager that went away stays away: one line, not one per ping
                self._warned = True
                log.warning("cannot notify the service manager (%s): continuing without it", exc.strerror or exc)
            return False
        return True

    def ready(self, status: str) -> bool:
        self._status = _one_line(status)
        return self.send("READY=1", f"STATUS={self._status}")

    def reloaded(self) -> bool:
        """Ready again after `reloading`, with the status it had before (nothing before the first READY=1)."""
        return self._status is not None and self.send("READY=1", f"STATUS={self._status}")

    def status(self, status: str) -> bool:
        return self.send(f"STATUS={_one_line(status)}")

    def reloading(self) -> bool:
        # systemd >= 253 wants the monotonic clock with RELOADING=1 to match it with the reload job;
        # a reload while starting is no reload: READY=1 is still to come
        return self._status is not None and self.send("RELOADING=1", f"MONOTONIC_USEC={time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000}")

    def stopping(self, status: str = "stopping") -> bool:
        return self.send("STOPPING=1", f"STATUS={_one_line(status)}")

    def start_watchdog(self) -> None:
        """Feed the watchdog every half period from the event loop: a loop stuck for longer gets the node restarted."""
        if self.watchdog_usec is None or self._watchdog is not None:
            return
        self._watchdog = asyncio.get_running_loop().create_task(self._feed(self.watchdog_usec / 2_000_000))

    async def _feed(self, interval_s: float) -> None:
        while True:
            self.send("WATCHDOG=1")
            await asyncio.sleep(interval_s)

    async def stop_watchdog(self) -> None:
        task, self._watchdog = self._watchdog, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


@contextlib.asynccontextmanager
async def serving(notifier: Notifier, status: str) -> AsyncIterator[Notifier]:
    """Enter once the node serves (both sockets listen): READY=1 and the watchdog; leave with STOPPING=1."""
    notifier.ready(status)
    notifier.start_watchdog()
    try:
        yield notifier
    finally:
        await notifier.stop_watchdog()
        notifier.stopping()
        notifier.close()


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]
