"""Sessions and tokens end when they must: at sign-out (a replayed cookie is refused), when the
account is disabled or its password reset, after 30 idle minutes or 12 hours, when the person ends
one from their sessions page; API tokens stay within their account's role and stop when revoked."""

from __future__ import annotations

import re

import aiohttp

from tests.accounts.conftest import ClockedNode, free_port
from tests.accounts_util import PASSWORD, csrf_of, invite, make_account, page, post_form, sign_in, web_client
from tests.conftest import call_api, run_cli

NEW_PASSWORD = "une toute nouvelle phrase secrete"


def _cookie(c: aiohttp.ClientSession, name: str = "democite_session") -> str:
    found = [m.value for m in c.cookie_jar if m.key == name]
    assert found, f"no {name} cookie"
    return found[0]


async def _signed_in_as(c: aiohttp.ClientSession, web_url: str) -> bool:
    status, html = await page(c, web_url + "/account/sessions")
    return status == 200


async def test_a_cookie_replayed_after_sign_out_is_refused(clocked_node: ClockedNode) -> None:
    rn, _clock = await clocked_node()
    await make_account(rn, "resident", "rene")
    async with web_client() as c:
        assert await sign_in(c, rn.web_url, "rene") == 303
        stolen = _cookie(c)
        status, _ = await post_form(c, rn.web_url + "/logout", {}, csrf_from=rn.web_url + "/")
        assert status == 303
    async with aiohttp.ClientSession() as thief:
        async with thief.get(rn.web_url + "/account/sessions", headers={"Cookie": f"democite_session={stolen}"},
                             allow_redirects=False) as r:
            assert r.status == 303 and r.headers["Location"].startswith("/login")


async def test_a_disabled_account_is_out_at_once(clocked_node: ClockedNode) -> None:
    rn, _clock = await clocked_node()
    acct = await make_account(rn, "resident", "rene")
    async with web_client() as c:
        assert await sign_in(c, rn.web_url, "rene") == 303
        rc, out, err = await run_cli("account", "disable", "--data", str(rn.config.data_dir), "rene")
        assert rc == 0, err
        assert not await _signed_in_as(c, rn.web_url)
        assert await sign_in(c, rn.web_url, "rene") == 401  # the same words as a wrong password
    assert (await call_api(rn, "GET", "/api/account", token=acct.token))[0] == 401
    await run_cli("account", "enable", "--data", str(rn.config.data_dir), "rene")
    assert (await call_api(rn, "GET", "/api/account", token=acct.token))[0] == 200


async def test_sessions_end_after_30_idle_minutes_and_after_12_hours(clocked_node: ClockedNode) -> None:
    rn, clock = await clocked_node()
    await make_account(rn, "resident", "rene")
    async with web_client() as c:
        assert await sign_in(c, rn.web_url, "rene") == 303
        clock.advance(minutes=29)
        assert await _signed_in_as(c, rn.web_url)  # using it keeps it alive
        clock.advance(minutes=29)
        assert await _signed_in_as(c, rn.web_url)
        clock.advance(minutes=31)
        assert not await _signed_in_as(c, rn.web_url)
        assert await sign_in(c, rn.web_url, "rene") == 303
        used = 0
        while used < 14 * 60 and await _signed_in_as(c, rn.web_url):  # busy all day: every 29 minutes
            clock.advance(minutes=29)
            used += 29
        assert 12 * 60 <= used < 12 * 60 + 29, f"the session ended after {used} minutes, not at its 12 hours"


async def test_a_person_sees_and_ends_their_sessions(clocked_node: ClockedNode) -> None:
    rn, _clock = await clocked_node()
    await make_account(rn, "resident", "rene")
    await make_account(rn, "resident", "rose")
    async with web_client() as laptop, web_client() as phone, web_client() as other:
        assert await sign_in(laptop, rn.web_url, "rene") == 303
        assert await sign_in(phone, rn.web_url, "rene") == 303
        assert await sign_in(other, rn.web_url, "rose") == 303
        status, html = await page(laptop, rn.web_url + "/account/sessions?lang=en")
        handles = re.findall(r'name="session" value="([0-9a-f]+)"', html)
        assert status == 200 and len(handles) == 3 and "(this one)" in html  # two sign-ins and the account creation
        # another account's session is not this person's to end
        _, rose_html = await page(other, rn.web_url + "/account/sessions")
        rose_handle = re.findall(r'name="session" value="([0-9a-f]+)"', rose_html)[-1]
        status, _ = await post_form(laptop, rn.web_url + "/account/sessions/revoke", {"session": rose_handle})
        assert status == 404 and await _signed_in_as(other, rn.web_url)
        for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
            h = re.search(r'name="session" value="([0-9a-f]+)"', row)
            if h and "(this one)" not in row:
                status, _ = await post_form(laptop, rn.web_url + "/account/sessions/revoke", {"session": h.group(1)})
                assert status == 303
        assert await _signed_in_as(laptop, rn.web_url)
        assert not await _signed_in_as(phone, rn.web_url)
        _, html = await page(laptop, rn.web_url + "/account/sessions")
        assert len(re.findall(r'name="session" value="', html)) == 1


async def test_a_reset_link_sets_a_new_password_and_ends_old_sessions(clocked_node: ClockedNode) -> None:
    rn, _clock = await clocked_node()
    await make_account(rn, "resident", "rene")
    async with web_client() as old, web_client() as c:
        assert await sign_in(old, rn.web_url, "rene") == 303
        rc, out, err = await run_cli("account", "reset", "--data", str(rn.config.data_dir), "rene")
        assert rc == 0, err
        link = out.strip().splitlines()[-1]
        assert link.startswith(rn.web_url + "/invite/")
        status, html = await page(c, link + "?lang=en")
        assert status == 200 and "Choose a new password" in html and 'name="username"' not in html
        async with c.post(link, data={"csrf": csrf_of(html), "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                          allow_redirects=False) as r:
            assert r.status == 303
        assert await _signed_in_as(c, rn.web_url)
        assert not await _signed_in_as(old, rn.web_url)
        assert await sign_in(old, rn.web_url, "rene", PASSWORD) == 401
        assert await sign_in(old, rn.web_url, "rene", NEW_PASSWORD) == 303
        assert (await page(c, link))[0] == 410  # the link served once


async def test_api_tokens_stay_in_scope_and_stop_when_revoked(clocked_node: ClockedNode) -> None:
    rn, _clock = await clocked_node()
    acct = await make_account(rn, "resident", "rene")
    status, body = await call_api(rn, "POST", "/api/accounts/invitations", {"role": "office"}, token=acct.token)
    assert status == 403 and body["error"]["code"] == "not_permitted"
    assert (await call_api(rn, "GET", "/api/accounts", token=acct.token))[0] == 403
    async with web_client() as c:
        assert await sign_in(c, rn.web_url, "rene") == 303
        status, _ = await post_form(c, rn.web_url + "/account/tokens/revoke", {"label": "tests"}, csrf_from=rn.web_url + "/account/tokens")
        assert status == 303
    status, body = await call_api(rn, "GET", "/api/account", token=acct.token)
    assert status == 401
    # the owner's api.token never opens the web door's /api/
    async with aiohttp.ClientSession() as s:
        async with s.get(rn.web_url + "/api/account", headers={"Authorization": f"Bearer {rn.token}"}) as r:
            assert r.status == 401


async def test_https_address_gives_a_secure_host_only_cookie(clocked_node: ClockedNode) -> None:
    port = free_port()
    rn, _clock = await clocked_node(web={"listen": f"127.0.0.1:{port}", "public_url": f"https://localhost:{port}"})
    url = await invite(rn, "resident")
    local = url.replace(f"https://localhost:{port}", f"http://127.0.0.1:{port}")  # no TLS in the test: a proxy's job
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as c:
        async with c.get(local) as r:
            html = await r.text()
            visitor = r.cookies["__Host-democite_csrf"]
            assert "Secure" in r.headers["Set-Cookie"] and "HttpOnly" in r.headers["Set-Cookie"]
        form = {"csrf": csrf_of(html), "username": "rene", "password": PASSWORD, "confirm": PASSWORD}
        async with c.post(local, data=form, headers={"Cookie": f"__Host-democite_csrf={visitor.value}"},
                          allow_redirects=False) as r:
            assert r.status == 303
            set_cookies = r.headers.getall("Set-Cookie")
    session = [h for h in set_cookies if h.startswith("__Host-democite_session=")]
    assert session, set_cookies
    attrs = {a.strip().split("=")[0].lower() for a in session[0].split(";")[1:]}
    assert {"httponly", "secure", "path"} <= attrs and "domain" not in attrs
    assert "SameSite=Lax" in session[0] and "Path=/" in session[0]
