"""Accounts made the way people make them, for tests: the owner invites through the admin API,
the invitee opens the link on the web door, chooses a username and a password, and (for scripts)
creates an API token on their tokens page. Nothing is written behind the node's back."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import aiohttp

from federation.runtime import RunningNode
from tests.conftest import call_api

PASSWORD = "un mot de passe assez long"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_TOKEN = re.compile(r'id="new-token">([^<]+)<')


@dataclass(frozen=True, slots=True)
class Account:
    username: str
    token: str  # the account's API token: `call_api(rn, ..., token=acct.token)` acts as this account
    web_url: str
    id: str
    role: str


def csrf_of(html: str) -> str:
    m = _CSRF.search(html)
    assert m, "the page has no CSRF field"
    return m.group(1)


def web_client() -> aiohttp.ClientSession:
    # unsafe: keep cookies set by an IP address (the web door listens on 127.0.0.1)
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def invite(rn: RunningNode, role: str, **scope: Any) -> str:
    status, body = await call_api(rn, "POST", "/api/accounts/invitations", {"role": role, **scope})
    assert status == 200, body
    return str(body["url"])


async def accept_invitation(client: aiohttp.ClientSession, url: str, username: str, password: str = PASSWORD) -> aiohttp.ClientResponse:
    async with client.get(url) as r:
        html = await r.text()
        assert r.status == 200, html
    form = {"csrf": csrf_of(html), "username": username, "password": password, "confirm": password}
    async with client.post(url, data=form, allow_redirects=False) as r:
        await r.read()
        return r


async def sign_in(client: aiohttp.ClientSession, web_url: str, username: str, password: str = PASSWORD) -> int:
    async with client.get(web_url + "/login") as r:
        html = await r.text()
    async with client.post(web_url + "/login", data={"csrf": csrf_of(html), "username": username, "password": password},
                           allow_redirects=False) as r:
        await r.read()
        return r.status


async def page(client: aiohttp.ClientSession, url: str) -> tuple[int, str]:
    async with client.get(url, allow_redirects=False) as r:
        return r.status, await r.text()


async def post_form(client: aiohttp.ClientSession, url: str, form: dict[str, str], csrf_from: str | None = None) -> tuple[int, str]:
    """POST a form the way the browser does: with the CSRF token of the page it sits on."""
    _, html = await page(client, csrf_from or url)
    async with client.post(url, data={"csrf": csrf_of(html), **form}, allow_redirects=False) as r:
        return r.status, await r.text()


async def make_account(rn: RunningNode, role: str, username: str, password: str = PASSWORD, **scope: Any) -> Account:
    """Invite, create the account from the link, sign in and create an API token: the account, ready to act."""
    url = await invite(rn, role, **scope)
    async with web_client() as client:
        r = await accept_invitation(client, url, username, password)
        assert r.status == 303, f"creating {username}: {r.status}"
        status, html = await post_form(client, rn.web_url + "/account/tokens", {"label": "tests"})
        assert status == 200, html
        m = _TOKEN.search(html)
        assert m, "no token on the tokens page"
        token = m.group(1)
    status, me = await call_api(rn, "GET", "/api/account", token=token)
    assert status == 200, me
    return Account(username, token, rn.web_url, me["id"], me["role"])
