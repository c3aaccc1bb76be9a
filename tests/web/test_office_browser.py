"""The office's main flow and the secretariat's decision in a real Chromium, by the labels people
read: invite a person, see the dashboard, issue the quarter's statements, preview and publish its
summary; record the assembly's decision on a proposed project."""

from __future__ import annotations

from typing import Any

from tests.accounts_util import PASSWORD, make_account
from tests.conftest import Browser
from tests.web.office_util import WEB, api
from tests.web.test_office_dashboard import territory


def _sign_in(ctx: Any, web_url: str, username: str) -> Any:
    page = ctx.new_page()
    page.goto(web_url + "/login?lang=en")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    return page


def _office_flow(ctx: Any, web_url: str, period: str) -> dict[str, Any]:
    page = _sign_in(ctx, web_url, "bureau")
    seen: dict[str, Any] = {"home": page.get_by_role("region", name="Office", exact=True).inner_text()}
    page.get_by_role("link", name="Accounts").click()
    page.get_by_label("Role").select_option("person")
    page.get_by_label("Person (pseudonym)").fill("marie")
    page.get_by_role("button", name="Invite").click()
    page.wait_for_load_state()
    seen["link"] = page.locator("#invitation-link").inner_text()
    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_load_state()
    seen["pending"] = page.get_by_role("table").first.inner_text()
    seen["preview"] = page.locator("#preview").inner_text()
    page.get_by_role("button", name=f"Issue all statements of {period}").click()
    page.wait_for_load_state()
    seen["issued"] = page.locator("#issued").inner_text()
    page.get_by_role("button", name="Publish").click()
    page.wait_for_load_state()
    seen["published"] = page.locator("#published").inner_text()
    return seen


async def test_office_invites_issues_and_publishes(make_node: Any, browser: Browser) -> None:
    rn = await make_node(web=WEB)
    period, _pid = await territory(rn)
    await make_account(rn, "office", "bureau")
    seen = await browser.run(lambda ctx: _office_flow(ctx, rn.web_url, period))
    assert "Entries pending: 1" in seen["home"]
    assert seen["link"].startswith(rn.web_url + "/invite/")
    assert "Jardin" in seen["pending"] and "suppressed" in seen["preview"]
    assert seen["issued"].startswith(f"Statements of {period}: 1 issued")
    assert f"The summary of {period} is published" in seen["published"]
    assert len((await api(rn, "GET", "/api/das/summaries"))["summaries"]) == 1


def _decide(ctx: Any, web_url: str, pid: int) -> dict[str, Any]:
    page = _sign_in(ctx, web_url, "greffe")
    page.get_by_role("link", name="Projects awaiting the assembly").first.click()
    page.wait_for_load_state()
    section = page.get_by_role("region", name=f"Project {pid}: Jardin")
    section.get_by_label("Reference of the assembly's decision").fill("Délibération AT-2026-07")
    section.get_by_label("Date of the decision").fill("2026-03-12")
    section.get_by_role("button", name="Record the decision").click()
    page.wait_for_load_state()
    return {"notice": page.get_by_role("status").inner_text(), "left": page.locator("main").inner_text()}


async def test_secretariat_records_the_decision(make_node: Any, browser: Browser) -> None:
    rn = await make_node(web=WEB)
    await api(rn, "POST", "/api/das/persons", {"pseudonym": "paul", "status": "retired"})
    pid = (await api(rn, "POST", "/api/das/projects", {"title": "Jardin", "sdg": 11, "coordinator": "paul"}))["id"]
    await make_account(rn, "secretariat", "greffe")
    seen = await browser.run(lambda ctx: _decide(ctx, rn.web_url, pid))
    assert f"The decision on project {pid} is recorded" in seen["notice"]
    assert "No project awaits the assembly's decision." in seen["left"]
    project = await api(rn, "GET", f"/api/das/projects/{pid}")
    assert project["status"] == "validated" and project["decision"] == "Délibération AT-2026-07"
