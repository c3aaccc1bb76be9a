"""Fixtures of the sign-in tests: a node whose clock the test moves (timeouts, expiry, throttling
windows without waiting), and a fixed free port for the cases that need a known web address."""

from __future__ import annotations

import socket

from tests.conftest import CHROMIUM, Browser, Clock, ClockedNode, browser, clocked_node  # noqa: F401  (re-exported for the sign-in tests)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


