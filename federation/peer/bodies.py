"""Reading HTTP bodies with a hard cap, for requests and answers alike."""

from __future__ import annotations

import asyncio

from aiohttp import StreamReader
from aiohttp.web_protocol import RequestPayloadError

from federation.errors import BodyCut


async def read_capped(content: StreamReader, cap: int, deadline_s: float | None = None) -> bytes:
    """The whole body, but never more than about cap + 64 KiB held: callers test len > cap.

    With `deadline_s`, the whole body must arrive within it (TimeoutError otherwise): a sender
    that trickles bytes cannot hold a connection and its buffer for ever. A sender that leaves
    mid-body raises BodyCut with how much it sent.
    """
    chunks: list[bytes] = []
    total = 0
    try:
        async with asyncio.timeout(deadline_s):
            async for chunk in content.iter_chunked(64 * 1024):
                chunks.append(chunk)
                total += len(chunk)
                if total > cap:
                    break
    except (ConnectionError, RequestPayloadError):
        raise BodyCut(total) from None
    return b"".join(chunks)
