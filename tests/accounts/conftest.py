"""Fixtures of the sign-in tests: a node whose clock the test moves (timeouts, expiry, throttling
windows without waiting), and a fixed free port for the cases that need a known web address."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.conftest import Clock, ClockedNode, clocked_node  # noqa: F401  (re-exported: the sign-in tests import them here)

CHROMIUM = "/usr/bin/chromium"
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Browser:
    """Debian's Chromium driven by Playwright's sync API in one worker thread of its own (the sync API
    belongs to the thread that started it, and the node under test keeps serving on the test's loop)."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="browser")
        self.playwright: Any = None
        self.chromium: Any = None

    def _start(self) -> None:
        from playwright.sync_api import sync_playwright

        self.playwright = sync_playwright().start()
        self.chromium = self.playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])

    def _stop(self) -> None:
        self.chromium.close()
        self.playwright.stop()

    async def run(self, steps: Callable[[Any], T]) -> T:
        """Run `steps(context)` in a fresh browser context (its own cookies), closed afterwards."""

        def work() -> T:
            context = self.chromium.new_context(locale="en-GB")
            try:
                return steps(context)
            finally:
                context.close()

        return await asyncio.get_running_loop().run_in_executor(self.pool, work)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no {CHROMIUM}: `apt-get install chromium` (browsers are never downloaded)")
    b = Browser()
    b.pool.submit(b._start).result(timeout=60)
    try:
        yield b
    finally:
        b.pool.submit(b._stop).result(timeout=60)
        b.pool.shutdown()
