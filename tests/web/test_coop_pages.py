"""Cooperation pages over HTTP, between two real nodes on loopback: the office answers a twinning
proposed by another territory and withdraws its own, once however often the form is sent; fund
forms refuse bad amounts next to the field with the form kept and never record a pledge twice;
roles without the permission get a 403 page."""

from __future__ import annotations

from typing import Any

from tests.accounts_util import csrf_of, make_account, page, post_form, sign_in, web_client
from tests.conftest import call_api
from tests.dates import NEXT_YEAR_END

WEB = {"listen": "127.0.0.1:0"}


async def ok(rn: Any, method: str, path: str, body: Any = None) -> Any:
    s, r = await call_api(rn, method, path, body)
    assert s == 200, r
    return r


async def linked(make_node: Any) -> tuple[Any, Any]:
    """Two territories that know each other (peers both ways, one sync each)."""
    a, b = await make_node("Commune A", web=WEB), await make_node("Quartier B")
    await ok(a, "POST", "/api/peers", {"url": b.peer_url})
    await ok(b, "POST", "/api/peers", {"url": a.peer_url})
    await sync(a, b)
    return a, b


async def sync(*nodes: Any) -> None:
    for _ in range(2):
        for rn in nodes:
            await ok(rn, "POST", "/api/sync", {})


async def records(rn: Any, kind: str) -> int:
    return len((await ok(rn, "GET", f"/api/log?kind={kind}&limit=1000"))["records"])


async def test_office_answers_and_withdraws_twinnings_once(make_node: Any) -> None:
    a, b = await linked(make_node)
    theirs = (await ok(b, "POST", "/api/twin", {"with": [a.node.public_key.hex()], "title": "Jardins <partagés>",
                                                 "objectives": "Échanger des semences", "until": NEXT_YEAR_END}))["id"]
    ours = (await ok(a, "POST", "/api/twin", {"with": [b.node.public_key.hex()], "title": "Vélo-école",
                                               "objectives": "Former", "until": NEXT_YEAR_END}))["id"]
    await sync(a, b)
    await make_account(a, "office", "zq-agathe")
    async with web_client() as c:
        assert await sign_in(c, a.web_url, "zq-agathe") == 303
        s, html = await page(c, a.web_url + "/coop?lang=en")
        assert s == 200 and "Jardins &lt;partagés&gt;" in html and "Accept the twinning" in html
        s, html = await post_form(c, f"{a.web_url}/coop/twin/{theirs}/decline?lang=en", {"reason": "x" * 2001}, csrf_from=a.web_url + "/coop")
        assert s == 400 and "at most 2000 characters" in html and "x" * 2001 in html  # kept in the field
        csrf = csrf_of(html)
        for _ in range(2):
            async with c.post(f"{a.web_url}/coop/twin/{theirs}/accept", data={"csrf": csrf}, allow_redirects=False) as r:
                assert r.status == 303, await r.text()
        for _ in range(2):
            async with c.post(f"{a.web_url}/coop/twin/{ours}/withdraw", data={"csrf": csrf}, allow_redirects=False) as r:
                assert r.status == 303, await r.text()
        assert await records(a, "twin.accept") == 1 and await records(a, "twin.withdraw") == 1
        s, html = await page(c, a.web_url + "/coop?lang=en")
        assert "No proposal waits for an answer." in html
    await sync(a, b)
    shown = await ok(b, "GET", f"/api/twin/{theirs}")
    assert shown["state"] == "active"
    assert (await ok(b, "GET", f"/api/twin/{ours}"))["state"] == "withdrawn"


async def test_fund_forms_refuse_bad_amounts_and_never_pledge_twice(make_node: Any) -> None:
    a, b = await linked(make_node)
    fid = (await ok(a, "POST", "/api/fund", {"name": "Fonds <commun>"}))["id"]
    await make_account(a, "office", "zq-agathe")
    async with web_client() as c:
        assert await sign_in(c, a.web_url, "zq-agathe") == 303
        s, html = await page(c, a.web_url + "/coop?lang=en")
        assert "Fonds &lt;commun&gt;" in html
        for amount, said in (("", "Give an amount"), ("12,345", "is not an amount"), ("<b>9</b>", "&#39;&lt;b&gt;9&lt;/b&gt;&#39; is not"),
                             ("0", "more than 0")):
            s, html = await post_form(c, a.web_url + "/coop/fund/pledge?lang=en", {"fund": fid, "amount": amount, "seen": "0"},
                                      csrf_from=a.web_url + "/coop")
            assert s == 400 and said in html, (amount, html[-3000:])
        s, html = await post_form(c, a.web_url + "/coop/fund/request?lang=en", {"fund": fid, "amount": "150,50", "purpose": " ", "seen": "0"},
                                  csrf_from=a.web_url + "/coop")
        assert s == 400 and "the purpose is required" in html and 'value="150,50"' in html
        csrf = csrf_of(html)
        for _ in range(2):  # the page was shown with no pledge yet: the second send records nothing
            async with c.post(a.web_url + "/coop/fund/pledge", data={"csrf": csrf, "fund": fid, "amount": "150,50", "seen": "0"},
                              allow_redirects=False) as r:
                assert r.status == 303, await r.text()
        assert await records(a, "fund.pledge") == 1
        status = await ok(a, "GET", "/api/fund")
        assert status["funds"][0]["members"][a.node.public_key.hex()]["pledged"] == 15050


async def test_roles_without_cooperation_get_a_403_page(make_node: Any) -> None:
    rn = await make_node(web=WEB)
    await make_account(rn, "resident", "zq-marie")
    await make_account(rn, "secretariat", "zq-sec")
    async with web_client() as c:
        assert await sign_in(c, rn.web_url, "zq-marie") == 303
        for path in ("/coop?lang=en", "/coop/network?lang=en"):
            s, html = await page(c, rn.web_url + path)
            assert s == 403 and "Not allowed" in html
    async with web_client() as c:  # the secretariat reads cooperation, acts in none of it
        assert await sign_in(c, rn.web_url, "zq-sec") == 303
        s, html = await page(c, rn.web_url + "/coop?lang=en")
        assert s == 200 and "Accept the twinning" not in html
        s, html = await post_form(c, rn.web_url + "/coop/fund/pledge?lang=en", {"amount": "10", "seen": "0"}, csrf_from=rn.web_url + "/coop")
        assert s == 403 and "Not allowed" in html
