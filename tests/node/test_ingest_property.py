"""Property: pages of a log delivered in any order, with duplicates and gaps, always leave a
verified prefix whose Merkle root is the root of that prefix; delivering everything converges."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from node import config as config_mod
from node.bootstrap import init_node
from node.service import Node
from protocol import merkle
from protocol.record import record_id
from tests.node.test_ingest import AUTHOR, chain

LOG = chain(40)
IDS = [record_id(raw) for raw, _ in LOG]

pages = st.lists(st.tuples(st.integers(0, 39), st.integers(1, 12)), min_size=1, max_size=12)


async def _run(deliveries: list[tuple[int, int]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        init_node(Path(tmp) / "n", "N", "127.0.0.1:0")
        node = await Node.open(config_mod.load(Path(tmp) / "n"))
        try:
            for start, length in [*deliveries, (0, 40)]:
                r = await node.ingest(AUTHOR.public_key, LOG[start : start + length])
                head = await node.logs.head(AUTHOR.public_key)
                size = head.size if head else 0
                # a page is either stored whole, or refused whole and nothing moved
                assert r.error is None or r.accepted == 0
                assert r.error is not None or size >= min(start + length, 40) or r.duplicates
                if size:
                    assert head is not None and head.root == merkle.root_of(IDS[:size])
            assert size == 40
        finally:
            await node.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pages)
def test_any_delivery_order_converges_to_the_full_verified_log(deliveries: list[tuple[int, int]]) -> None:
    asyncio.run(_run(deliveries))
