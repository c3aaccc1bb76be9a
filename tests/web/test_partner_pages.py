"""A partner's pages over HTTP: only its organisation's commitments, accepting once, progress notes
refused with the reason next to the field and the form kept, another organisation's commitment and
roles without the permission refused with a 403 page."""

from __future__ import annotations

from typing import Any

from tests.accounts_util import csrf_of, make_account, page, post_form, sign_in, web_client
from tests.conftest import call_api
from tests.dates import NEXT_YEAR_END

WEB = {"listen": "127.0.0.1:0"}


async def pact(rn: Any) -> dict[str, str]:
    """A pact with two partners and one commitment each (the office's acts, through the admin API)."""

    async def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        s, r = await call_api(rn, "POST", path, body)
        assert s == 200, r
        return r

    p = (await post("/api/pacte", {"title": "Pacte alimentaire", "horizon": 5, "start_year": 2026}))["id"]
    await post(f"/api/pacte/{p}/partners", {"org": "Biocoop Sud", "kind": "company"})
    await post(f"/api/pacte/{p}/partners", {"org": "Enercoop", "kind": "company"})
    t = (await post(f"/api/pacte/{p}/taskforces", {"mission": "Circuits courts", "members": ["Biocoop Sud", "Enercoop"]}))["id"]
    bio = (await post(f"/api/pacte/taskforces/{t}/commitments", {"partner": "Biocoop Sud", "deliverable": "50% local", "due": "2027-06-30"}))["id"]
    ener = (await post(f"/api/pacte/taskforces/{t}/commitments", {"partner": "Enercoop", "deliverable": "200 homes", "due": "2027-06-30"}))["id"]
    return {"p": p, "t": t, "bio": bio, "ener": ener}


async def transitions(rn: Any) -> int:
    s, r = await call_api(rn, "GET", "/api/log", kind="pacte.transition", limit="1000")
    assert s == 200, r
    return len(r["records"])


async def test_partner_accepts_once_and_reports_progress_with_a_note(make_node: Any) -> None:
    rn = await make_node(web=WEB)
    ids = await pact(rn)
    await make_account(rn, "partner", "zq-bruno", org="Biocoop Sud")
    async with web_client() as c:
        assert await sign_in(c, rn.web_url, "zq-bruno") == 303
        s, html = await page(c, rn.web_url + "/?lang=en")
        assert s == 200 and "Commitments awaiting your acceptance" in html and "50% local" in html and "200 homes" not in html
        s, html = await page(c, rn.web_url + "/partner?lang=en")
        assert s == 200 and "50% local" in html and "200 homes" not in html  # only its organisation's
        accept = f"{rn.web_url}/partner/commitments/{ids['bio']}/accept"
        csrf = csrf_of(html)
        for _ in range(2):  # the same form sent twice: one record
            async with c.post(accept, data={"csrf": csrf}, allow_redirects=False) as r:
                assert r.status == 303, await r.text()
        assert await transitions(rn) == 1
        progress = f"{rn.web_url}/partner/commitments/{ids['bio']}/progress?lang=en"
        # no note: refused next to the field, the chosen state kept
        s, html = await post_form(c, progress, {"to": "in_progress", "note": "  "}, csrf_from=rn.web_url + "/partner")
        assert s == 400 and "the note is required" in html and 'value="in_progress" selected' in html
        # markup in the note is kept as text, never as markup
        s, html = await post_form(c, progress, {"to": "not-a-state", "note": "<b>fait</b>"}, csrf_from=rn.web_url + "/partner")
        assert s == 400 and "Choose the new state" in html and "&lt;b&gt;fait&lt;/b&gt;" in html and "<b>fait" not in html
        s, html = await post_form(c, progress, {"to": "in_progress", "note": "x" * 1001}, csrf_from=rn.web_url + "/partner")
        assert s == 400 and "at most 1000 characters" in html
        assert await transitions(rn) == 1
        s, html = await post_form(c, progress, {"to": "in_progress", "note": "<i>livraison</i> lancée"}, csrf_from=rn.web_url + "/partner")
        assert s == 303, html
        s, html = await post_form(c, progress, {"to": "in_progress", "note": "<i>livraison</i> lancée"}, csrf_from=rn.web_url + "/partner")
        assert s == 303  # sent again: already in that state, nothing recorded
        assert await transitions(rn) == 2
        s, html = await page(c, rn.web_url + "/partner?lang=en")
        assert "&lt;i&gt;livraison&lt;/i&gt; lancée" in html
    s, shown = await call_api(rn, "GET", f"/api/pacte/{ids['p']}")
    c_ = shown["commitments"]["in_progress"][0]
    assert c_["transitions"][-1]["note"] == "<i>livraison</i> lancée" and c_["transitions"][-1]["actor"]["role"] == "partner"


async def test_another_organisation_and_other_roles_get_a_403_page(make_node: Any) -> None:
    rn = await make_node(web=WEB)
    ids = await pact(rn)
    await make_account(rn, "partner", "zq-bruno", org="Biocoop Sud")
    await make_account(rn, "resident", "zq-rene")
    async with web_client() as c:
        assert await sign_in(c, rn.web_url, "zq-bruno") == 303
        _, html = await page(c, rn.web_url + "/partner")
        async with c.post(f"{rn.web_url}/partner/commitments/{ids['ener']}/accept?lang=en", data={"csrf": csrf_of(html)},
                          allow_redirects=False) as r:
            text = await r.text()
            assert r.status == 403 and "not yours" in text and "200 homes" not in text
        for note in ("", "fini"):  # with or without a note: the scope is checked first
            s, html = await post_form(c, f"{rn.web_url}/partner/commitments/{ids['ener']}/progress?lang=en",
                                      {"to": "met", "note": note}, csrf_from=rn.web_url + "/partner")
            assert s == 403 and "not yours" in html and "200 homes" not in html
    assert await transitions(rn) == 0
    async with web_client() as c:
        assert await sign_in(c, rn.web_url, "zq-rene") == 303
        s, html = await page(c, rn.web_url + "/partner?lang=en")
        assert s == 403 and "Not allowed" in html and "50% local" not in html


async def test_partner_views_and_verifies_its_certificate(make_node: Any) -> None:
    rn = await make_node(web=WEB)
    ids = await pact(rn)
    for to in ("accepted", "in_progress", "met"):
        s, r = await call_api(rn, "POST", f"/api/pacte/commitments/{ids['bio']}/transition", {"to": to})
        assert s == 200, r
    s, r = await call_api(rn, "POST", f"/api/pacte/{ids['p']}/certificates", {"org": "Biocoop Sud", "evidence": [ids["bio"]], "until": NEXT_YEAR_END})
    assert s == 200, r
    cert = r["id"]
    await make_account(rn, "partner", "zq-bruno", org="Biocoop Sud")
    await make_account(rn, "partner", "zq-chloe", org="Enercoop")
    async with web_client() as c:
        assert await sign_in(c, rn.web_url, "zq-bruno") == 303
        s, html = await page(c, rn.web_url + "/partner?lang=en")
        assert f"/partner/certificates/{cert}" in html
        s, html = await page(c, f"{rn.web_url}/partner/certificates/{cert}/verify?lang=en")
        assert s == 200 and "The certificate verifies" in html
        async with c.get(f"{rn.web_url}/partner/certificates/{cert}/credential.json") as r:
            assert r.status == 200 and (await r.json())["credentialSubject"]["name"] == "Biocoop Sud"
    async with web_client() as c:
        assert await sign_in(c, rn.web_url, "zq-chloe") == 303
        s, html = await page(c, f"{rn.web_url}/partner/certificates/{cert}")
        assert s == 403 and "Biocoop" not in html
