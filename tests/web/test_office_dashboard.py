"""The office's dashboard: entries pending by project, the period's statements issued in one go,
the summary previewed cell by cell (suppressed cells shown as such) and published once."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from federation.runtime import RunningNode
from tests.accounts_util import page, post_form
from tests.web.office_util import WEB, api, signed_in


def last_quarter() -> tuple[str, str]:
    """(period, a day in it): the quarter before today's."""
    today = dt.date.today()
    q = (today.month - 1) // 3 + 1
    year, q = (today.year - 1, 4) if q == 1 else (today.year, q - 1)
    return f"{year}-Q{q}", dt.date(year, 3 * q - 1, 15).isoformat()


async def territory(rn: RunningNode) -> tuple[str, int]:
    """One person with a binding contract over last quarter, 90 minutes validated and 30 pending on one project."""
    period, day = last_quarter()
    year = day[:4]
    await api(rn, "POST", "/api/das/employers", {"name": "Mairie", "kind": "public"})
    for who in ("marie", "paul"):
        await api(rn, "POST", "/api/das/persons", {"pseudonym": who, "status": "employee", "employer": "Mairie"})
    await api(rn, "POST", "/api/das/contracts", {"person": "marie", "hours": 100, "from": f"{year}-01-01", "to": f"{year}-12-31",
                                                 "paper_consent": "signed paper 1"})
    pid = (await api(rn, "POST", "/api/das/projects", {"title": "Jardin", "sdg": 11, "coordinator": "paul"}))["id"]
    await api(rn, "POST", f"/api/das/projects/{pid}/validate", {"decision": "AT-2026-01"})
    await api(rn, "POST", f"/api/das/projects/{pid}/activate", {})
    e1 = await api(rn, "POST", "/api/das/entries", {"person": "marie", "project": pid, "date": day, "minutes": 90})
    await api(rn, "POST", f"/api/das/entries/{e1['id']}/validate", {})
    await api(rn, "POST", "/api/das/entries", {"person": "marie", "project": pid, "date": day, "minutes": 30})
    return period, pid


async def test_issue_statements_then_preview_and_publish_the_summary(make_node: Any) -> None:
    rn = await make_node(web=WEB)
    period, pid = await territory(rn)
    async with await signed_in(rn, "office", "bureau") as c:
        status, html = await page(c, rn.web_url + "/office?lang=en")
        assert status == 200 and f"Statements of {period}" in html
        assert re.search(rf"<td>{pid} — Jardin</td><td>1</td>", html)  # one entry pending on the project
        assert "0 statements issued for 2 persons." in html
        assert "suppressed (fewer than" in html  # one person: every cell of the preview is suppressed
        status, html = await post_form(c, rn.web_url + "/office/statements?lang=en", {"period": period}, csrf_from=rn.web_url + "/office")
        assert status == 303
        status, html = await page(c, rn.web_url + f"/office?lang=en&period={period}&issued=1&unchanged=0&stale=0")
        assert f"Statements of {period}: 1 issued" in html and "1 statements issued for 2 persons." in html
        # issuing again issues nothing more
        await post_form(c, rn.web_url + "/office/statements", {"period": period}, csrf_from=rn.web_url + "/office")
        assert (await api(rn, "GET", "/api/das/statements"))["total"] == 1
        form = {"period": period, "seen": "0"}
        status, _ = await post_form(c, rn.web_url + "/office/summary", form, csrf_from=rn.web_url + "/office")
        assert status == 303
        status, html = await post_form(c, rn.web_url + "/office/summary?lang=en", form, csrf_from=rn.web_url + "/office")
        assert status == 400 and "already published: nothing more was published" in html
        assert len((await api(rn, "GET", "/api/das/summaries"))["summaries"]) == 1


async def test_dashboard_refuses_a_malformed_period(make_node: Any) -> None:
    rn = await make_node(web=WEB)
    async with await signed_in(rn, "office", "bureau") as c:
        status, html = await page(c, rn.web_url + "/office?lang=en&period=<script>")
        assert status == 400 and 'id="e-period" class="error">Type a period' in html
        assert "<script>" not in html and 'value="&lt;script&gt;"' in html
        status, html = await post_form(c, rn.web_url + "/office/statements?lang=en", {"period": "2026-Q5"}, csrf_from=rn.web_url + "/office")
        assert status == 400 and "Type a period" in html
        status, html = await post_form(c, rn.web_url + "/office/summary?lang=en", {"period": "2026-Q1", "seen": "x" * 50},
                                       csrf_from=rn.web_url + "/office")
        assert status == 400 and "Too long" in html
        this_q = f"{dt.date.today().year}-Q{(dt.date.today().month - 1) // 3 + 1}"
        status, html = await post_form(c, rn.web_url + "/office/summary?lang=en", {"period": this_q, "seen": "0"},
                                       csrf_from=rn.web_url + "/office")
        assert status == 400 and "publish after that" in html
        assert (await api(rn, "GET", "/api/das/summaries"))["summaries"] == []
