"""The person's pages over HTTP: recording time with bad input (each problem named next to its field,
the form kept filled), markup shown as text, the same form sent twice recording once, and someone
else's record, statement or contract answered with a 403 page."""

from __future__ import annotations

import re

from federation.runtime import RunningNode
from tests.accounts_util import csrf_of, page, post_form, sign_in, web_client
from tests.conftest import MakeNode
from tests.das_util import bind_contract
from tests.web.das_pages_util import PROJECT, accounts, api_ok, territory


async def _web_node(make_node: MakeNode) -> RunningNode:
    return await make_node(web={"listen": "127.0.0.1:0"})


async def test_record_time_refuses_bad_fields_by_name_and_keeps_the_form(make_node: MakeNode) -> None:
    rn = await _web_node(make_node)
    t = await territory(rn)
    await bind_contract(rn, t.contract)
    acct = (await accounts(t, "marie"))["marie"]
    async with web_client() as client:
        assert await sign_in(client, rn.web_url, "marie") == 303
        status, html = await page(client, rn.web_url + "/time/new")  # French by default
        assert status == 200 and ">Projet</label>" in html and ">Enregistrer</button>" in html
        status, html = await page(client, rn.web_url + "/time/new?lang=en")
        assert status == 200 and PROJECT in html and 'name="after"' in html
        bad = {"project": "", "date": "14/03/2026", "minutes": "ninety", "competence": "juggling", "note": "x"}
        status, html = await post_form(client, rn.web_url + "/time?lang=en", bad, csrf_from=rn.web_url + "/time/new?lang=en")
        assert status == 400
        for field in ("project", "date", "minutes", "competence"):
            assert f'id="{field}-error"' in html, field
        assert "Write the date as YYYY-MM-DD" in html and 'value="14/03/2026"' in html and 'value="ninety"' in html
        status, html = await post_form(client, rn.web_url + "/time?lang=en", {"project": str(t.project), "date": f"{t.year}-03-14",
                                                                              "minutes": "100000", "note": "n" * 600},
                                       csrf_from=rn.web_url + "/time/new")
        assert status == 400 and 'id="minutes-error"' in html and 'id="note-error"' in html and 'id="project-error"' not in html
        # the service's own refusal (beyond the quarter's hours) is shown above the kept form
        status, html = await post_form(client, rn.web_url + "/time?lang=en", {"project": str(t.project), "date": f"{t.year}-03-14",
                                                                              "minutes": "720", "note": ""}, csrf_from=rn.web_url + "/time/new")
        assert status == 400 and "role=\"alert\"" in html and 'value="720"' in html
    body = await api_ok(rn, "GET", "/api/das/entries", token=acct.token)
    assert body["total"] == 0


async def test_markup_is_text_and_a_second_submit_records_once(make_node: MakeNode) -> None:
    rn = await _web_node(make_node)
    t = await territory(rn)
    await bind_contract(rn, t.contract)
    acct = (await accounts(t, "marie"))["marie"]
    async with web_client() as client:
        await sign_in(client, rn.web_url, "marie")
        _, form_html = await page(client, rn.web_url + "/time/new")
        after = re.search(r'name="after" value="(\d+)"', form_html)
        assert after
        form = {"csrf": csrf_of(form_html), "after": after.group(1), "project": str(t.project), "date": f"{t.year}-03-14",
                "minutes": "90", "competence": "", "note": "<script>alert(1)</script><b>cafe</b>"}
        for expected in ("/entries?recorded=", "/entries?again=1"):  # the same form sent twice
            async with client.post(rn.web_url + "/time", data=form, allow_redirects=False) as r:
                assert r.status == 303 and expected in r.headers["Location"]
        status, html = await page(client, rn.web_url + "/entries?lang=en")
        assert status == 200 and "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;cafe&lt;/b&gt;" in html and "<b>cafe</b>" not in html
        assert "1 h 30" in html and "pending" in html
        status, html = await page(client, rn.web_url + "/entries?page=999&lang=en")  # past the last page: the last page
        assert status == 200 and "1 h 30" in html
        status, home = await page(client, rn.web_url + "/?lang=en")
        assert "Hours left" in home and "1 h 30" in home and "33 h 30" in home
    body = await api_ok(rn, "GET", "/api/das/entries", token=acct.token)
    assert body["total"] == 1 and body["entries"][0]["minutes"] == 90


async def test_someone_elses_record_statement_and_contract_are_403_pages(make_node: MakeNode) -> None:
    rn = await _web_node(make_node)
    t = await territory(rn)
    paul_contract = (await api_ok(rn, "POST", "/api/das/contracts",
                                  {"person": "p-0043", "hours": 10, "from": f"{t.year}-01-01", "to": f"{t.year}-12-31"}))["id"]
    await bind_contract(rn, paul_contract)
    paul_statement = (await api_ok(rn, "POST", "/api/das/statements", {"person": "p-0043", "period": f"{t.year}-Q1"}))["number"]
    await accounts(t, "marie")
    async with web_client() as client:
        await sign_in(client, rn.web_url, "marie")
        for path in ("/persons/p-0043", f"/statements/{paul_statement}", f"/statements/{paul_statement}?format=csv",
                     f"/contracts/{paul_contract}", "/persons/nobody-at-all"):
            status, html = await page(client, rn.web_url + path + ("&" if "?" in path else "?") + "lang=en")
            assert status == 403, (path, status)
            assert "Not yours" in html or "not yours" in html, path
            assert "acme" not in html and "employee" not in html, path
        status, html = await page(client, rn.web_url + "/persons/p-0042?lang=en")
        assert status == 200 and "p-0042" in html
        status, html = await page(client, rn.web_url + "/queue")  # a person may not decide entries: the door's 403 page
        assert status == 403


async def test_profile_leave_statement_downloads_and_own_data(make_node: MakeNode) -> None:
    rn = await _web_node(make_node)
    t = await territory(rn)
    leave_no = (await api_ok(rn, "POST", "/api/das/contracts", {"person": "p-0043", "hours": 70, "from": f"{t.year}-01-01",
                                                                "to": f"{t.year}-12-31", "mode": "leave"}))["id"]
    await bind_contract(rn, leave_no)
    await api_ok(rn, "POST", "/api/das/persons/p-0043/profile", {"competences": ["repair=3,technical"]})
    paul = (await accounts(t, "paul"))["paul"]
    await api_ok(rn, "POST", "/api/das/entries", {"project": t.project, "date": f"{t.year}-01-05", "minutes": 45}, token=paul.token)
    async with web_client() as client:
        await sign_in(client, rn.web_url, "paul")
        contracts = rn.web_url + "/contracts?lang=en"
        status, html = await page(client, contracts)
        assert status == 200 and "Accept this profile" in html
        for _ in range(2):  # the second click finds it agreed: nothing twice, no error page
            status, _html = await post_form(client, rn.web_url + "/profile/accept", {"version": "1"}, contracts)
            assert status == 303
        status, html = await page(client, contracts)
        assert "Accept this profile" not in html and "agreed on" in html
        here = rn.web_url + f"/contracts/{leave_no}?lang=en"
        status, html = await post_form(client, rn.web_url + f"/contracts/{leave_no}/leave?lang=en",
                                       {"from": "next monday", "days": "0", "note": "<em>family</em>"}, here)
        assert status == 400 and 'id="from-error"' in html and 'id="days-error"' in html and "&lt;em&gt;family&lt;/em&gt;" in html
        status, _html = await post_form(client, rn.web_url + f"/contracts/{leave_no}/leave",
                                        {"from": f"{t.year}-12-07", "days": "2", "note": ""}, here)
        assert status == 303
        status, html = await page(client, here)
        assert "2 days from" in html and "requested" in html
        status, html = await page(client, rn.web_url + "/my-data/export")
        assert status == 200 and '"pseudonym": "p-0043"' in html and '"competence": "repair"' in html
    await api_ok(rn, "POST", "/api/das/entries/1/validate", {})
    number = (await api_ok(rn, "POST", "/api/das/statements", {"person": "p-0043", "period": f"{t.year}-Q1"}))["number"]
    async with web_client() as client:
        await sign_in(client, rn.web_url, "paul")
        status, html = await page(client, rn.web_url + "/statements?lang=en")
        assert f"/statements/{number}?format=csv" in html
        async with client.get(rn.web_url + f"/statements/{number}?format=csv") as r:
            assert r.status == 200 and r.headers["Content-Type"].startswith("text/csv") and "attachment" in r.headers["Content-Disposition"]
            assert "repair" in await r.text() or "general" in await r.text()
        async with client.get(rn.web_url + f"/statements/{number}?lang=en") as r:
            assert r.status == 200 and "script-src" not in r.headers["Content-Security-Policy"] and PROJECT in await r.text()
