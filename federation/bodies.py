"""Reading HTTP bodies with a hard cap, for requests and answers alike."""

from __future__ import annotations

from aiohttp import StreamReader


async def read_capped(content: StreamReader, cap: int) -> bytes:
    """The whole body, but never more than about cap + 64 KiB held: callers test len > cap."""
    chunks: list[bytes] = []
    total = 0
    async for chunk in content.iter_chunked(64 * 1024):
        chunks.append(chunk)
        total += len(chunk)
        if total > cap:
            break
    return b"".join(chunks)
