"""Shared steps of the office's and the secretariat's page tests: a node with a web door, an office
account signed in through the sign-in page, a few rows made through the admin API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import aiohttp

from federation.runtime import RunningNode
from tests.accounts_util import make_account, sign_in, web_client
from tests.conftest import call_api

WEB = {"listen": "127.0.0.1:0"}


async def signed_in(rn: RunningNode, role: str, username: str, **scope: Any) -> aiohttp.ClientSession:
    await make_account(rn, role, username, **scope)
    client = web_client()
    assert await sign_in(client, rn.web_url, username) == 303
    return client


async def api(rn: RunningNode, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    status, out = await call_api(rn, method, path, body)
    assert status == 200, out
    return out


def next_year() -> tuple[str, str]:
    y = dt.date.today().year + 1
    return f"{y}-01-01", f"{y}-12-31"
