"""Passkeys in a real Chromium with its virtual authenticator (CDP): a signed-in account adds one,
signs out and signs in with it; an answer whose counter went back (a cloned key) is refused.
WebAuthn refuses IP addresses, so the web door gets a name: http://localhost:PORT."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from federation.runtime import RunningNode
from tests.accounts.conftest import Browser, ClockedNode, free_port
from tests.accounts_util import accept_invitation, csrf_of, invite, page, web_client
from tests.conftest import call_api

PASSPHRASE = "correct horse battery staple"
AUTHENTICATOR = {"protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
                 "isUserVerified": True}


def _with_authenticator(ctx: Any) -> Any:
    page = ctx.new_page()
    cdp = ctx.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})
    return page


def _sign_in_with_passkey(page: Any, web_url: str) -> tuple[str, str]:
    page.goto(web_url + "/login?lang=en")
    page.get_by_role("button", name="Sign in with a passkey").click()
    # either signed in (the account's menu shows) or refused (the message shows)
    page.locator("nav.account, #passkey-status:not([hidden])").first.wait_for(timeout=10_000)
    alert = page.locator("#passkey-status")
    return page.url, alert.inner_text() if alert.count() and alert.is_visible() else ""


def _register_then_sign_in(ctx: Any, url: str, web_url: str, clone: Callable[[], None]) -> dict[str, Any]:
    page = _with_authenticator(ctx)
    page.goto(url + "?lang=en")
    page.get_by_label("Username").fill("marie")
    page.get_by_label("Password", exact=True).fill(PASSPHRASE)
    page.get_by_label("Confirm password").fill(PASSPHRASE)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_load_state()
    page.goto(web_url + "/account/passkeys?lang=en")
    page.get_by_label("Passkey name").fill("my laptop")
    page.get_by_role("button", name="Add a passkey").click()
    page.get_by_role("cell", name="my laptop").wait_for(timeout=10_000)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login**")
    out: dict[str, Any] = {"after_sign_out": [c["name"] for c in ctx.cookies()]}
    out["first"] = _sign_in_with_passkey(page, web_url)
    out["heading"] = page.locator("h1").inner_text()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login**")
    out["second"] = _sign_in_with_passkey(page, web_url)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login**")
    clone()  # the node has seen a higher counter than this authenticator's: as if a copy had been used
    out["cloned"] = _sign_in_with_passkey(page, web_url)
    page.get_by_label("Username").fill("marie")
    page.get_by_label("Password", exact=True).fill(PASSPHRASE)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.goto(web_url + "/account/passkeys?lang=en")
    page.get_by_role("button", name="Remove").click()
    page.wait_for_load_state()
    out["after_removal"] = page.locator("main").inner_text()
    return out


async def _counter_ahead(rn: RunningNode) -> None:
    async with rn.node.db.write() as w:
        await w.execute("UPDATE account_passkeys SET sign_count = sign_count + 1000")


async def test_a_passkey_is_added_then_signs_in(clocked_node: ClockedNode, browser: Browser) -> None:
    port = free_port()
    web_url = f"http://localhost:{port}"
    rn, _clock = await clocked_node(web={"listen": f"127.0.0.1:{port}", "public_url": web_url})
    url = await invite(rn, "resident")
    assert url.startswith(web_url + "/invite/")
    loop = asyncio.get_running_loop()

    def clone() -> None:  # runs in the browser's thread: the node's loop does the write
        asyncio.run_coroutine_threadsafe(_counter_ahead(rn), loop).result(timeout=10)

    seen = await browser.run(lambda ctx: _register_then_sign_in(ctx, url, web_url, clone))
    assert "democite_session" not in seen["after_sign_out"]
    assert seen["first"] == (web_url + "/?lang=en", ""), seen
    assert "marie" in seen["heading"]
    assert seen["second"] == (web_url + "/?lang=en", ""), seen  # the counter moved on: a second sign-in works
    cloned_url, cloned_alert = seen["cloned"]
    assert "/login" in cloned_url and cloned_alert == "This passkey was not accepted: try again, or sign in with your password."
    assert "No passkey yet." in seen["after_removal"] and "my laptop" not in seen["after_removal"]
    _status, body = await call_api(rn, "GET", "/api/accounts")
    assert body["accounts"][0]["last_sign_in"] is not None


async def test_no_passkey_button_on_an_ip_address(clocked_node: ClockedNode) -> None:
    rn, _clock = await clocked_node()  # web on 127.0.0.1:port: WebAuthn cannot work there
    async with web_client() as c:
        status, html = await page(c, rn.web_url + "/login?lang=en")
        assert status == 200 and "Sign in with a passkey" not in html
        async with c.post(rn.web_url + "/login/passkey/options?lang=en", data={"csrf": csrf_of(html)}) as r:
            assert r.status == 409 and "not an IP address" in (await r.json())["error"]


async def test_passkey_exchanges_refuse_forged_stale_and_foreign_answers(clocked_node: ClockedNode) -> None:
    port = free_port()
    rn, clock = await clocked_node(web={"listen": f"127.0.0.1:{port}", "public_url": f"http://localhost:{port}"})
    web_url = f"http://127.0.0.1:{port}"  # the same door; aiohttp's cookie jar keeps no cookie of "localhost"
    async with web_client() as rene, web_client() as rose:
        for client, name in ((rene, "rene"), (rose, "rose")):
            link = (await invite(rn, "resident")).replace("localhost", "127.0.0.1")
            assert (await accept_invitation(client, link, name)).status == 303
        _, html = await page(rene, web_url + "/account/passkeys?lang=en")
        assert "Add a passkey" in html and 'src="/static/passkeys.js"' in html
        async with rene.post(web_url + "/account/passkeys/options", data={}) as r:
            assert r.status == 403  # no CSRF token: no challenge
        async with rene.post(web_url + "/account/passkeys/options", data={"csrf": csrf_of(html)}) as r:
            got = await r.json()
            assert r.status == 200 and got["options"]["rp"]["id"] == "localhost"
            assert got["options"]["authenticatorSelection"]["userVerification"] == "required"
        # rose cannot answer rene's challenge, and it is spent once tried
        _, rose_html = await page(rose, web_url + "/account/passkeys?lang=en")
        form = {"csrf": csrf_of(rose_html), "handle": got["handle"], "label": "x", "credential": '{"rawId": "AA"}'}
        async with rose.post(web_url + "/account/passkeys?lang=en", data=form) as r:
            assert r.status == 409 and (await r.json())["error"] == "The passkey request expired: try again."
        async with rene.post(web_url + "/account/passkeys/options", data={"csrf": csrf_of(html)}) as r:
            handle = (await r.json())["handle"]
        form = {"csrf": csrf_of(html), "handle": handle, "label": "laptop", "credential": "not json"}
        async with rene.post(web_url + "/account/passkeys?lang=en", data=form) as r:
            assert r.status == 400 and "not accepted" in (await r.json())["error"]
        async with rene.post(web_url + "/account/passkeys/options", data={"csrf": csrf_of(html)}) as r:
            handle = (await r.json())["handle"]
        clock.advance(minutes=6)  # challenges live 5 minutes
        form = {"csrf": csrf_of(html), "handle": handle, "label": "laptop", "credential": '{"rawId": "AA"}'}
        async with rene.post(web_url + "/account/passkeys", data=form) as r:
            assert r.status == 409 and "a expiré" in (await r.json())["error"]  # French by default
    async with web_client() as visitor:
        _, login = await page(visitor, web_url + "/login?lang=en")
        assert "Sign in with a passkey" in login
        async with visitor.post(web_url + "/login/passkey/options", data={"csrf": csrf_of(login)}) as r:
            handle = (await r.json())["handle"]
        form = {"csrf": csrf_of(login), "handle": handle, "credential": '{"rawId": "AAAA", "id": "AAAA", "response": {}}'}
        async with visitor.post(web_url + "/login/passkey?lang=en", data=form) as r:
            assert r.status == 401 and (await r.json())["error"].startswith("This passkey was not accepted")
            assert not [c for c in visitor.cookie_jar if c.key == "democite_session"]
    assert all(a["last_sign_in"] is None for a in (await call_api(rn, "GET", "/api/accounts"))[1]["accounts"])
