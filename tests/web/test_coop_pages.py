"""Cooperation pages over HTTP, between two real nodes on loopback: the office answers a twinning
proposed by another territory and withdraws its own, once however often the form is sent; fund
forms refuse bad amounts next to the field with the form kept and never record a pledge twice;
roles without the permission get a 403 page."""

from __future__ import annotations

import asyncio
import re
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
        s, html = await page(c, a.web_url + "/?lang=en")
        assert s == 200 and "Twinning proposals waiting: 1" in html
        s, html = await page(c, a.web_url + "/coop/network?lang=en")
        assert s == 200 and "Quartier B" in html and b.peer_url in html and "this territory" in html
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
        sent = []
        for _ in range(2):  # the page was shown with no pledge yet: the second send records nothing and says why
            async with c.post(a.web_url + "/coop/fund/pledge?lang=en", data={"csrf": csrf, "fund": fid, "amount": "150,50", "seen": "0"},
                              allow_redirects=False) as r:
                sent.append((r.status, await r.text()))
        assert sent[0][0] == 303 and sent[1][0] == 400 and "This form was sent already" in sent[1][1]
        assert await records(a, "fund.pledge") == 1
        s, html = await page(c, a.web_url + "/coop?lang=en")
        assert "€150.50" in html  # amounts formatted for the page's language

        async def send() -> int:
            async with c.post(a.web_url + "/coop/fund/pledge", data={"csrf": csrf, "fund": fid, "amount": "10", "seen": "1"},
                              allow_redirects=False) as r:
                return r.status

        assert sorted(await asyncio.gather(send(), send())) == [303, 400]  # a double click at once: one pledge
        assert await records(a, "fund.pledge") == 2
        status = await ok(a, "GET", "/api/fund")
        assert status["funds"][0]["members"][a.node.public_key.hex()]["pledged"] == 15050 + 1000


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


async def test_office_gives_a_review_asked_by_a_peer_once(make_node: Any) -> None:
    a, b = await linked(make_node)
    target = (await ok(b, "POST", "/api/pacte", {"title": "Pacte", "horizon": 5, "start_year": 2026}))["id"]
    asked = (await ok(b, "POST", "/api/review/request", {"target": target, "reviewers": [a.node.public_key.hex()],
                                                          "framework": "democite21", "message": "Merci <3"}))["id"]
    await sync(a, b)
    await make_account(a, "office", "zq-agathe")
    form_url = f"{a.web_url}/coop/review/{asked}?lang=en"
    async with web_client() as c:
        assert await sign_in(c, a.web_url, "zq-agathe") == 303
        s, html = await page(c, a.web_url + "/coop?lang=en")
        assert f"/coop/review/{asked}" in html and "Merci &lt;3" in html
        s, html = await page(c, form_url)
        assert s == 200 and 'name="score-participation"' in html
        scores = {k: "3" for k in re.findall(r'name="(score-[a-z0-9_-]+)"', html)}
        bad = {**scores, "score-participation": "9", "verdict": "on-track", "comments": "<script>x</script>"}
        s, html = await post_form(c, form_url, bad)
        assert s == 400 and "whole number from 0 to 4" in html and "&lt;script&gt;x&lt;/script&gt;" in html and "<script>x" not in html
        assert 'value="on-track" selected' in html
        csrf = csrf_of(html)
        good = {**scores, "verdict": "on-track", "comments": "Belle dynamique"}
        s, html = await post_form(c, form_url, good)
        assert s == 303, re.findall(r'role="alert">([^<]*)<', html)
        async with c.post(form_url, data={"csrf": csrf, **good}, allow_redirects=False) as r:
            assert r.status == 303  # the same form again: published once
    assert await records(a, "review") == 1


async def test_office_approves_a_grant_once_and_sees_the_quorum(make_node: Any) -> None:
    a, b = await linked(make_node)
    fid = (await ok(a, "POST", "/api/fund", {"name": "Fonds"}))["id"]
    await ok(a, "POST", "/api/fund/contribute", {"fund": fid, "amount": 100_000})
    await sync(a, b)
    rid = (await ok(b, "POST", "/api/fund/request", {"fund": fid, "amount": 20_000, "purpose": "Semences"}))["id"]
    await sync(a, b)
    await make_account(a, "office", "zq-agathe")
    async with web_client() as c:
        assert await sign_in(c, a.web_url, "zq-agathe") == 303
        s, html = await page(c, a.web_url + "/coop?lang=en")
        assert "Semences" in html and "0 of 2" in html and 'name="request" value="' + rid in html
        csrf = csrf_of(html)
        for _ in range(2):
            async with c.post(a.web_url + "/coop/fund/approve", data={"csrf": csrf, "request": rid}, allow_redirects=False) as r:
                assert r.status == 303, await r.text()
        s, html = await page(c, a.web_url + "/coop?lang=en")
        assert "1 of 2" in html and "approved by us" in html
    assert await records(a, "fund.approve") == 1
