"""Signing in refuses what it must, the same way for everyone: repeated wrong passwords (per account
and per address, never saying whether the account exists), expired and used invitations, and forms
that come without their CSRF token (403, nothing changed)."""

from __future__ import annotations

import re
from typing import Any

from tests.accounts.conftest import ClockedNode
from tests.accounts_util import PASSWORD, accept_invitation, csrf_of, invite, make_account, page, web_client
from tests.conftest import call_api

WRONG = "not the password at all"
_ERROR = re.compile(r'<p class="error" role="alert">([^<]*)</p>')


async def _attempt(c: Any, web_url: str, username: str, password: str) -> tuple[int, str]:
    async with c.get(web_url + "/login?lang=en") as r:
        token = csrf_of(await r.text())
    async with c.post(web_url + "/login?lang=en", data={"csrf": token, "username": username, "password": password},
                      allow_redirects=False) as r:
        html = await r.text()
    m = _ERROR.search(html)
    return r.status, m.group(1) if m else ""


async def test_repeated_wrong_passwords_are_throttled_alike_for_known_and_unknown_names(clocked_node: ClockedNode) -> None:
    rn, clock = await clocked_node()
    await make_account(rn, "resident", "rene")
    async with web_client() as c:
        for _ in range(5):
            assert await _attempt(c, rn.web_url, "rene", WRONG) == (401, "Wrong username or password.")
            assert await _attempt(c, rn.web_url, "nobody-here", WRONG) == (401, "Wrong username or password.")
        known = await _attempt(c, rn.web_url, "rene", WRONG)
        unknown = await _attempt(c, rn.web_url, "nobody-here", WRONG)
        assert known[0] == unknown[0] == 429
        assert known[1] == unknown[1] and "Too many failed attempts" in known[1] and "15 minutes" in known[1]
        # the right password waits too: the throttle is checked before the password
        assert (await _attempt(c, rn.web_url, "rene", PASSWORD))[0] == 429
        clock.advance(minutes=16)
        assert (await _attempt(c, rn.web_url, "rene", PASSWORD))[0] == 303


async def test_one_address_trying_many_names_is_throttled(clocked_node: ClockedNode) -> None:
    rn, clock = await clocked_node()
    await make_account(rn, "resident", "rene")
    async with web_client() as c:
        for i in range(20):  # one failure per name: no name reaches its own limit
            assert (await _attempt(c, rn.web_url, f"guess-{i}", WRONG))[0] == 401
        status, error = await _attempt(c, rn.web_url, "rene", PASSWORD)
        assert status == 429 and "Too many failed attempts" in error
        clock.advance(minutes=16)
        assert (await _attempt(c, rn.web_url, "rene", PASSWORD))[0] == 303


async def test_an_expired_invitation_creates_nothing(clocked_node: ClockedNode) -> None:
    rn, clock = await clocked_node()
    url = await invite(rn, "resident")
    async with web_client() as c:
        async with c.get(url + "?lang=en") as r:
            token = csrf_of(await r.text())
        clock.advance(days=7, minutes=1)
        status, html = await page(c, url + "?lang=en")
        assert status == 410 and "This invitation has expired: ask the office for a new one." in html
        async with c.post(url, data={"csrf": token, "username": "late", "password": PASSWORD, "confirm": PASSWORD},
                          allow_redirects=False) as r:
            assert r.status == 410 and "a expiré" in await r.text()  # French by default
    assert (await call_api(rn, "GET", "/api/accounts"))[1]["accounts"] == []


async def test_a_used_invitation_serves_once(clocked_node: ClockedNode) -> None:
    rn, _clock = await clocked_node()
    url = await invite(rn, "resident")
    async with web_client() as c:
        assert (await accept_invitation(c, url, "first")).status == 303
    async with web_client() as c:
        status, html = await page(c, url + "?lang=en")
        assert status == 410 and "This invitation was already used" in html
    assert [a["username"] for a in (await call_api(rn, "GET", "/api/accounts"))[1]["accounts"]] == ["first"]


async def test_forms_without_their_csrf_token_change_nothing(clocked_node: ClockedNode) -> None:
    rn, _clock = await clocked_node()
    url = await invite(rn, "resident")
    async with web_client() as c:
        await page(c, url)  # the visitor cookie is set, but the form is sent without the token
        async with c.post(url + "?lang=en", data={"username": "sneaky", "password": PASSWORD, "confirm": PASSWORD},
                          allow_redirects=False) as r:
            assert r.status == 403 and "Form refused" in await r.text()
        async with c.post(url, data={"csrf": "x" * 32, "username": "sneaky", "password": PASSWORD, "confirm": PASSWORD},
                          allow_redirects=False) as r:
            assert r.status == 403
    assert (await call_api(rn, "GET", "/api/accounts"))[1]["accounts"] == []
    async with web_client() as c:  # the invitation is still usable: nothing was spent
        assert (await accept_invitation(c, url, "honest")).status == 303
        for path, form in (("/account/tokens", {"label": "forged"}), ("/logout", {}), ("/account/lang", {"lang": "en"})):
            async with c.post(rn.web_url + path, data=form, allow_redirects=False) as r:
                assert r.status == 403, path
        status, html = await page(c, rn.web_url + "/account/tokens")
        assert status == 200 and "forged" not in html  # still signed in, no token made
