"""Behind a reverse proxy: X-Forwarded-For is believed only from `[web] trusted_proxies`, so the
per-address sign-in limit counts each client apart there, and a client cannot dodge it elsewhere."""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.accounts_util import csrf_of, web_client

PER_ADDRESS = 20


async def _fail(c: aiohttp.ClientSession, web: str, user: str, forwarded: str) -> int:
    headers = {"X-Forwarded-For": forwarded}
    async with c.get(web + "/login", headers=headers) as r:
        token = csrf_of(await r.text())
    form = {"csrf": token, "username": user, "password": "not the password at all"}
    async with c.post(web + "/login", data=form, headers=headers, allow_redirects=False) as r:
        await r.read()
        return r.status


async def _flood(web: str, forwarded: str) -> list[int]:
    async with web_client() as c:
        # four names, five tries each: under the per-account limit, at the per-address one
        return [await _fail(c, web, f"name-{i % 4}", forwarded) for i in range(PER_ADDRESS)]


async def test_forwarded_addresses_count_apart_only_from_a_trusted_proxy(make_node: Any) -> None:
    proxied = await make_node(web={"listen": "127.0.0.1:0", "trusted_proxies": ["127.0.0.1"]})
    assert set(await _flood(proxied.web_url, "203.0.113.7")) == {401}
    async with web_client() as c:
        assert await _fail(c, proxied.web_url, "someone", "203.0.113.7") == 429  # that client is held back
        assert await _fail(c, proxied.web_url, "someone", "198.51.100.9") == 401  # another client is not
        # a client's own claim in front of the proxy's entry is not believed
        assert await _fail(c, proxied.web_url, "someone", "198.51.100.9, 203.0.113.7") == 429
    direct = await make_node(web={"listen": "127.0.0.1:0"})
    assert set(await _flood(direct.web_url, "203.0.113.7")) == {401}
    async with web_client() as c:
        assert await _fail(c, direct.web_url, "someone", "198.51.100.9") == 429  # the header is ignored: one address
