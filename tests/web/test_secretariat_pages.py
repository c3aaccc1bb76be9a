"""The secretariat records the assembly's decision on a proposed project: refusals next to the
field, a second submit recording nothing more, and no other role may do it."""

from __future__ import annotations

from typing import Any

from tests.accounts_util import page, post_form
from tests.web.office_util import WEB, api, signed_in


async def test_record_the_assembly_decision(make_node: Any) -> None:
    rn = await make_node(web=WEB)
    await api(rn, "POST", "/api/das/persons", {"pseudonym": "paul", "status": "retired"})
    pid = (await api(rn, "POST", "/api/das/projects", {"title": "Jardin <partagé>", "sdg": 11, "coordinator": "paul"}))["id"]
    async with await signed_in(rn, "secretariat", "greffe") as c:
        status, html = await page(c, rn.web_url + "/?lang=en")
        assert "Projects awaiting the assembly&#39;s decision: 1" in html
        url = rn.web_url + "/secretariat?lang=en"
        status, html = await page(c, url)
        assert status == 200 and "Jardin &lt;partagé&gt;" in html
        action = rn.web_url + f"/secretariat/projects/{pid}/decision?lang=en"
        status, html = await post_form(c, action, {"decision": "", "date": "31/03/2026"}, csrf_from=url)
        assert status == 400
        assert f'id="e-decision-{pid}" class="error">Fill in this field.' in html
        assert f'id="e-date-{pid}" class="error">Type a date' in html and 'value="31/03/2026"' in html
        status, html = await post_form(c, action, {"decision": "d" * 301}, csrf_from=url)
        assert status == 400 and "Too long: at most 300 characters." in html
        form = {"decision": "Assemblée du 12 mars, délibération <7>", "date": "2026-03-12"}
        status, _ = await post_form(c, action, form, csrf_from=url)
        assert status == 303
        status, html = await post_form(c, action, form, csrf_from=url)  # the same form again
        assert status == 400
        project = await api(rn, "GET", f"/api/das/projects/{pid}")
        assert project["status"] == "validated" and project["decision"] == form["decision"]
        assert len([e for e in project["history"] if "validated" in str(e)]) == 1
        status, html = await page(c, rn.web_url + "/office?lang=en")
        assert status == 403


async def test_the_office_may_not_record_a_decision(make_node: Any) -> None:
    rn = await make_node(web=WEB)
    await api(rn, "POST", "/api/das/persons", {"pseudonym": "paul", "status": "retired"})
    pid = (await api(rn, "POST", "/api/das/projects", {"title": "Jardin", "sdg": 11, "coordinator": "paul"}))["id"]
    async with await signed_in(rn, "office", "bureau") as c:
        status, html = await post_form(c, rn.web_url + f"/secretariat/projects/{pid}/decision?lang=en", {"decision": "x"},
                                       csrf_from=rn.web_url + "/office")
        assert status == 403 and "Your account may not record the assembly" in html
    assert (await api(rn, "GET", f"/api/das/projects/{pid}"))["status"] == "proposed"
