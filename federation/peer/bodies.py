"""Reading HTTP bodies with a hard cap, for requests and answers alike."""

from __future__ import annotations

import asyncio

from aiohttp import StreamReader


async def read_capped(content: StreamReader, cap: int, deadline_s: float | None = None) -> bytes:
    """The whole body, but never more than about cap + 64 KiB held: callers test len > cap.

    With `deadline_s`, the whole body must arrive within it (TimeoutError otherwise): a sender
    that trickles bytes cannot hold a connection and its buffer for ever.
    """
    chunks: list[bytes] = []
    total = 0
    async with asyncio.timeout(deadline_s):
        async for chunk in content.iter_chunked(64 * 1024):
            chunks.append(chunk)
            total += len(chunk)
            if total > cap:
                break
    return b"".join(chunks)
