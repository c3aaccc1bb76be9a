"""Invitations become accounts on the web door; each is single use, expires, and the owner's
api.token never works on the web door."""

from __future__ import annotations

from typing import Any

from tests.accounts_util import PASSWORD, accept_invitation, csrf_of, invite, make_account, page, sign_in, web_client
from tests.conftest import call_api

WEB = {"listen": "127.0.0.1:0"}


async def test_an_invitation_becomes_an_account_once(make_node: Any) -> None:
    rn = await make_node(web=WEB)
    await call_api(rn, "POST", "/api/das/employers", {"name": "acme", "kind": "private"})
    await call_api(rn, "POST", "/api/das/persons", {"pseudonym": "p-0042", "status": "employee", "employer": "acme"})
    url = await invite(rn, "person", person="p-0042")
    assert url.startswith(rn.web_url + "/invite/")
    async with web_client() as c:
        r = await accept_invitation(c, url, "marie")
        assert r.status == 303
        status, html = await page(c, rn.web_url + "/")
        assert status == 200 and "marie" in html
    async with web_client() as c:
        status, html = await page(c, url)
        assert status == 410 and "déjà servi" in html  # French by default
        async with c.get(rn.web_url + "/login") as r:  # a valid visitor token, then the used link's form
            token = csrf_of(await r.text())
        async with c.post(url, data={"csrf": token, "username": "marie2", "password": PASSWORD, "confirm": PASSWORD},
                          allow_redirects=False) as r:
            assert r.status == 410
    status, body = await call_api(rn, "GET", "/api/accounts")
    assert [a["username"] for a in body["accounts"]] == ["marie"]
    assert body["accounts"][0]["role"] == "person"


async def test_account_token_acts_within_its_role(make_node: Any) -> None:
    rn = await make_node(web=WEB)
    acct = await make_account(rn, "evaluator", "eva")
    status, body = await call_api(rn, "GET", "/api/status", token=acct.token)
    assert status == 200
    status, body = await call_api(rn, "POST", "/api/das/employers", {"name": "acme", "kind": "private"}, token=acct.token)
    assert status == 403 and body["error"]["code"] == "not_permitted"
    status, body = await call_api(rn, "GET", "/api/das/employers", token=acct.token)
    assert status == 403


async def test_wrong_password_is_refused_without_saying_whether_the_account_exists(make_node: Any) -> None:
    rn = await make_node(web=WEB)
    await make_account(rn, "resident", "rene")
    async with web_client() as c:
        assert await sign_in(c, rn.web_url, "rene", PASSWORD) == 303
        assert await sign_in(c, rn.web_url, "rene", "not the password at all") == 401
        assert await sign_in(c, rn.web_url, "nobody-here", "not the password at all") == 401


async def test_the_account_list_names_scopes_as_the_office_does_and_the_cli_prints_it(make_node: Any) -> None:
    from tests.conftest import run_cli

    rn = await make_node(web=WEB)
    await call_api(rn, "POST", "/api/das/employers", {"name": "acme", "kind": "private"})
    await call_api(rn, "POST", "/api/das/persons", {"pseudonym": "p-0042", "status": "employee", "employer": "acme"})
    await make_account(rn, "person", "marie", person="p-0042")
    await make_account(rn, "employer", "acme-rh", employer="acme")
    rc, out, err = await run_cli("account", "list", "--data", str(rn.config.data_dir))
    assert rc == 0, err
    lines = {ln.split()[0]: ln for ln in out.splitlines()[2:]}
    assert "person=p-0042" in lines["marie"] and "active" in lines["marie"]
    assert "employer=acme" in lines["acme-rh"]
    rc, out, err = await run_cli("account", "disable", "--data", str(rn.config.data_dir), "marie")
    assert rc == 0 and "marie: disabled" in out
    rc, _, err = await run_cli("account", "invite", "--data", str(rn.config.data_dir), "--role", "person")
    assert rc != 0 and "give --person" in err and "Traceback" not in err
    rc, _, err = await run_cli("account", "disable", "--data", str(rn.config.data_dir), "nobody")
    assert rc != 0 and "no account with this username" in err
