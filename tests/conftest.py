"""Shared fixtures: real nodes on loopback (port 0), real SQLite files, real keys.

`make_node` starts a node exactly as `democite run` does; `call_api` talks to its admin API over
HTTP with its bearer token; `run_cli` runs the `democite` command in a thread against it.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest

import cli
from federation.runtime import RunningNode, running_node
from node import config as config_mod
from node.bootstrap import init_node
from node.service import wall_clock_ms

MakeNode = Callable[..., Awaitable[RunningNode]]
MINUTE = 60_000


@pytest.fixture
async def make_node(tmp_path: Path) -> AsyncIterator[MakeNode]:
    counter = iter(range(1, 10_000))
    async with AsyncExitStack() as stack:

        async def factory(name: str = "Territoire", data: Path | None = None, **sections: dict[str, Any]) -> RunningNode:
            d = data or tmp_path / f"node-{next(counter)}"
            if not (d / "node.toml").exists():
                init_node(d, name, "127.0.0.1:0")
            cfg = config_mod.load(d)
            if sections:
                raw = {"node": {"name": cfg.node.name, "listen": cfg.node.listen}}
                for sec, values in sections.items():
                    raw.setdefault(sec, {}).update(values)
                cfg = config_mod.from_mapping(d, raw)
            return await stack.enter_async_context(running_node(cfg))

        yield factory


async def call_api(rn: RunningNode, method: str, path: str, body: Any = None, token: str | None = None, **query: Any) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token if token is not None else rn.token}"}
    async with aiohttp.ClientSession() as s:
        async with s.request(method, rn.api_url + path, json=body, headers=headers, params=query or None) as r:
            text = await r.text()
            try:
                return r.status, json.loads(text)
            except ValueError:
                return r.status, text


@pytest.fixture
def api() -> Callable[..., Awaitable[tuple[int, Any]]]:
    return call_api


async def run_cli(*argv: str) -> tuple[int, str, str]:
    """Run `democite ARGV...` in a worker thread (it blocks on HTTP) and capture its output."""

    def work() -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = cli.main(list(argv))
            except SystemExit as exc:
                rc = exc.code if isinstance(exc.code, int) else 1
                if isinstance(exc.code, str):
                    err.write(exc.code + "\n")
        return rc, out.getvalue(), err.getvalue()

    return await asyncio.to_thread(work)


@pytest.fixture
def democite() -> Callable[..., Awaitable[tuple[int, str, str]]]:
    return run_cli


class Clock:
    """The node's clock, in milliseconds: it moves only when the test says so."""

    def __init__(self) -> None:
        self.ms = wall_clock_ms()

    def __call__(self) -> int:
        return self.ms

    def advance(self, minutes: float = 0, hours: float = 0, days: float = 0) -> None:
        self.ms += int((minutes + 60 * hours + 24 * 60 * days) * MINUTE)


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


CHROMIUM = "/usr/bin/chromium"
T = TypeVar("T")


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
            except BaseException:
                self.screenshots(context)
                raise
            finally:
                context.close()

        return await asyncio.get_running_loop().run_in_executor(self.pool, work)

    def screenshots(self, context: Any) -> None:
        """A failed browser step keeps a screenshot of every page it had open (in $DEMOCITE_SCREENSHOTS,
        default /tmp/democite-screenshots), named in the test's output."""
        folder = Path(os.environ.get("DEMOCITE_SCREENSHOTS", "/tmp/democite-screenshots"))
        folder.mkdir(parents=True, exist_ok=True)
        test = os.environ.get("PYTEST_CURRENT_TEST", "browser").split(" ")[0].replace("/", "_").replace("::", "-")
        for i, page in enumerate(context.pages):
            path = folder / f"{test}-{i}.png"
            try:
                page.screenshot(path=str(path), full_page=True)
                print(f"screenshot of the failed browser step: {path} ({page.url})")
            except Exception as exc:  # a crashed page: say so, keep the test's own error
                print(f"no screenshot of {page.url}: {exc}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        # the README's test line and .ci/run install it (.ci/chromium): missing, the set-up is wrong
        pytest.fail(f"no {CHROMIUM}: run .ci/chromium (apt-get install chromium; browsers are never downloaded)")
    b = Browser()
    b.pool.submit(b._start).result(timeout=60)
    try:
        yield b
    finally:
        b.pool.submit(b._stop).result(timeout=60)
        b.pool.shutdown()
