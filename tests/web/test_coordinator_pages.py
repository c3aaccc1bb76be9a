"""The coordinator's queue over HTTP: a rejection without a reason is refused next to its field (the
reason typed is kept), one entry or a selection is decided, a second click decides nothing twice,
and another project's entry is a 403 page."""

from __future__ import annotations

from tests.accounts_util import csrf_of, page, post_form, sign_in, web_client
from tests.conftest import MakeNode
from tests.das_util import bind_contract
from tests.web.das_pages_util import accounts, api_ok, territory


async def test_queue_validates_rejects_with_reason_and_selection(make_node: MakeNode) -> None:
    rn = await make_node(web={"listen": "127.0.0.1:0"})
    t = await territory(rn)
    await bind_contract(rn, t.contract)
    other = (await api_ok(rn, "POST", "/api/das/projects", {"title": "Jardin", "sdg": 11, "coordinator": "zq-coord"}))["id"]
    await api_ok(rn, "POST", f"/api/das/projects/{other}/validate", {"decision": "Conseil n13"})
    acc = await accounts(t, "marie", "coord")
    ids = [(await api_ok(rn, "POST", "/api/das/entries", {"project": t.project, "date": f"{t.year}-03-{10 + i}", "minutes": 30},
                         token=acc["marie"].token))["id"] for i in range(4)]
    foreign = (await api_ok(rn, "POST", "/api/das/entries", {"project": other, "date": f"{t.year}-03-20", "minutes": 30},
                            token=acc["marie"].token))["id"]
    queue = rn.web_url + "/queue?lang=en"
    async with web_client() as client:
        assert await sign_in(client, rn.web_url, "coord") == 303
        status, home = await page(client, rn.web_url + "/?lang=en")
        assert "Entries pending on your projects: 4." in home and "/queue" in home
        status, html = await page(client, queue)
        assert status == 200 and html.count(">Validate</button>") == 4 and f'id="entry-{foreign}"' not in html
        # reject without a reason: refused next to that entry's reason field
        status, html = await post_form(client, rn.web_url + f"/queue/{ids[0]}?lang=en", {"decision": "reject", "reason": "  "}, queue)
        assert status == 400 and f'id="reason-{ids[0]}-error"' in html and "Say why" in html
        status, html = await post_form(client, rn.web_url + f"/queue/{ids[0]}?lang=en",
                                       {"decision": "reject", "reason": "<i>wrong day</i>"}, queue)
        assert status == 303
        status, html = await post_form(client, rn.web_url + f"/queue/{ids[1]}", {"decision": "validate"}, queue)
        assert status == 303
        status, html = await post_form(client, rn.web_url + f"/queue/{ids[1]}", {"decision": "validate"}, queue)
        assert status == 303  # the second click: counted as skipped, nothing decided twice
        # a selection: none selected, then a reject without a reason, then validated together
        status, html = await post_form(client, rn.web_url + "/queue?lang=en", {"decision": "validate"}, queue)
        assert status == 400 and 'id="selection-error"' in html
        async with client.get(queue) as r:
            html = await r.text()
        form = [("csrf", csrf_of(html)), ("entry", str(ids[2])), ("entry", str(ids[3])), ("decision", "reject"), ("reason", "")]
        async with client.post(rn.web_url + "/queue?lang=en", data=form, allow_redirects=False) as r:
            html = await r.text()
            assert r.status == 400 and 'id="reason-error"' in html and f'id="pick-{ids[2]}" checked' in html
        form[-2:] = [("decision", "validate"), ("reason", "")]
        async with client.post(rn.web_url + "/queue", data=form, allow_redirects=False) as r:
            assert r.status == 303 and "validated=2" in r.headers["Location"]
        status, html = await post_form(client, rn.web_url + f"/queue/{foreign}?lang=en", {"decision": "validate"}, queue)
        assert status == 403
    listing = await api_ok(rn, "GET", "/api/das/entries", token=acc["marie"].token)
    states = {e["id"]: (e["status"], e["note"]) for e in listing["entries"]}
    assert states[ids[0]] == ("rejected", "<i>wrong day</i>")
    assert [states[i][0] for i in ids[1:]] == ["validated"] * 3 and states[foreign][0] == "pending"
