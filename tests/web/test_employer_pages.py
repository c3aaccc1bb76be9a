"""The employer's pages over HTTP: its persons by pseudonym and hours only, a contract and a
flexibility move accepted, a leave request refused only with a reason, and another employer's
contract or persons out of reach (403 pages)."""

from __future__ import annotations

from tests.accounts_util import page, post_form, sign_in, web_client
from tests.conftest import MakeNode
from tests.web.das_pages_util import PROJECT, accounts, api_ok, territory


async def test_employer_sees_hours_accepts_and_decides_leave(make_node: MakeNode) -> None:
    rn = await make_node(web={"listen": "127.0.0.1:0"})
    t = await territory(rn)
    await api_ok(rn, "POST", "/api/das/employers", {"name": "bolt", "kind": "private"})
    await api_ok(rn, "POST", "/api/das/persons", {"pseudonym": "p-0099", "status": "employee", "employer": "bolt"})
    bolt_contract = (await api_ok(rn, "POST", "/api/das/contracts",
                                  {"person": "p-0099", "hours": 10, "from": f"{t.year}-01-01", "to": f"{t.year}-12-31"}))["id"]
    leave_no = (await api_ok(rn, "POST", "/api/das/contracts", {"person": "p-0043", "hours": 70, "from": f"{t.year}-01-01",
                                                                "to": f"{t.year}-12-31", "mode": "leave"}))["id"]
    acc = await accounts(t, "paul", "acme-rh", "marie")
    for no, who in ((t.contract, "marie"), (leave_no, "paul")):
        await api_ok(rn, "POST", f"/api/das/contracts/{no}/accept", {}, token=acc[who].token)
    await api_ok(rn, "POST", f"/api/das/contracts/{leave_no}/accept", {})  # the office (owner)
    await api_ok(rn, "POST", f"/api/das/contracts/{t.contract}/accept", {})
    async with web_client() as client:
        assert await sign_in(client, rn.web_url, "acme-rh") == 303
        status, home = await page(client, rn.web_url + "/?lang=en")
        assert status == 200 and "Contracts awaiting your acceptance" in home and f"/contracts/{t.contract}/accept" in home
        for no in (t.contract, leave_no):
            status, _ = await post_form(client, rn.web_url + f"/contracts/{no}/accept", {}, rn.web_url + f"/contracts/{no}")
            assert status == 303
        status, _ = await post_form(client, rn.web_url + f"/contracts/{t.contract}/accept", {}, rn.web_url + f"/contracts/{t.contract}")
        assert status == 303  # accepting twice changes nothing
        await api_ok(rn, "POST", f"/api/das/contracts/{t.contract}/flex", {"from": f"{t.year}-Q4", "to": f"{t.year}-Q1", "hours": 2},
                     token=acc["marie"].token)
        leave = (await api_ok(rn, "POST", "/api/das/leave", {"contract": leave_no, "from": f"{t.year}-12-07", "days": 2},
                              token=acc["paul"].token))["id"]
        status, html = await page(client, rn.web_url + "/employer?lang=en")
        assert status == 200 and "p-0042" in html and "p-0043" in html and "p-0099" not in html and PROJECT not in html
        assert "2 h 00 moved from" in html and f'/employer/leave/{leave}' in html
        status, html = await post_form(client, rn.web_url + f"/employer/leave/{leave}?lang=en", {"decision": "refuse", "reason": ""},
                                       rn.web_url + "/employer")
        assert status == 400 and f'id="reason-{leave}-error"' in html
        status, _ = await post_form(client, rn.web_url + f"/employer/leave/{leave}", {"decision": "approve"}, rn.web_url + "/employer")
        assert status == 303
        flex_id = (await api_ok(rn, "GET", f"/api/das/contracts/{t.contract}"))["flexibility"][0]["id"]
        status, _ = await post_form(client, rn.web_url + f"/contracts/{t.contract}/flex/{flex_id}/accept", {},
                                    rn.web_url + "/employer")
        assert status == 303
        for path in (f"/contracts/{bolt_contract}", "/employer?employer=bolt", "/persons/p-0042"):
            status, html = await page(client, rn.web_url + path)
            assert status == 403, path
            assert "p-0099" not in html
    history = await api_ok(rn, "GET", f"/api/das/contracts/{t.contract}")
    assert history["versions"][-1]["binding"] and history["flexibility"][0]["status"] == "agreed"
    assert [x["status"] for x in (await api_ok(rn, "GET", "/api/das/leave"))["leave"]] == ["approved"]
