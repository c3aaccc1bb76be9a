"""Fixtures of the sign-in tests: a node whose clock the test moves (timeouts, expiry, throttling
windows without waiting), and a fixed free port for the cases that need a known web address."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest

from federation.runtime import RunningNode, running_node
from node import config as config_mod
from node.bootstrap import init_node
from node.service import wall_clock_ms

MINUTE = 60_000


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
