"""Fixtures of the sign-in tests: a node whose clock the test moves (timeouts, expiry, throttling
windows without waiting), and a fixed free port for the cases that need a known web address."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, TypeVar

import pytest

from federation.runtime import RunningNode, running_node
from node import config as config_mod
from node.bootstrap import init_node
from node.service import wall_clock_ms

MINUTE = 60_000
CHROMIUM = "/usr/bin/chromium"
T = TypeVar("T")


class Clock:
    """The node's clock, in milliseconds: it moves only when the test says so."""

    def __init__(self) -> None:
        self.ms = wall_clock_ms()

    def __call__(self) -> int:
        return self.ms

    def advance(self, minutes: float = 0, hours: float = 0, days: float = 0) -> None:
        self.ms += int((minutes + 60 * hours + 24 * 60 * days) * MINUTE)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


ClockedNode = Callable[..., Awaitable[tuple[RunningNode, Clock]]]


@pytest.fixture
async def clocked_node(tmp_path: Path) -> AsyncIterator[ClockedNode]:
    """`rn, clock = await clocked_node(web={...}, mail={...})`: a real node on loopback, its clock in the test's hand."""
    counter = iter(range(1, 100))
    async with AsyncExitStack() as stack:

        async def factory(**sections: dict[str, Any]) -> tuple[RunningNode, Clock]:
            d = tmp_path / f"clocked-{next(counter)}"
            init_node(d, "Territoire", "127.0.0.1:0")
            cfg = config_mod.load(d)
            raw: dict[str, Any] = {"node": {"name": cfg.node.name, "listen": cfg.node.listen}}
            for sec, values in {"web": {"listen": "127.0.0.1:0"}, **sections}.items():
                raw.setdefault(sec, {}).update(values)
            clock = Clock()
            rn = await stack.enter_async_context(running_node(config_mod.from_mapping(d, raw), clock=clock))
            return rn, clock

        yield factory


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
