"""The whole DAS loop in a real browser, four people in four sessions: the office invites a person,
an employer's representative and a coordinator (through the API); each opens the invitation and
creates their account; the person, the employer and the office accept the contract from their own
session; the person records 90 minutes; the coordinator validates them; the office issues the
quarter's statement (API) and the person opens it. A failing step leaves a screenshot in the test's
temporary folder."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.accounts_util import PASSWORD, make_account
from tests.conftest import Browser, MakeNode, browser  # noqa: F401  (the module's browser)
from tests.web.das_pages_util import PROJECT, api_ok, territory


def _kept(shots: Path, name: str, steps: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`steps(page)` in a new page; on failure a screenshot of where it stood, then the failure."""

    def run(ctx: Any) -> Any:
        page = ctx.new_page()
        try:
            return steps(page)
        except Exception:
            page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
            raise

    return run


def _create(page: Any, url: str, user: str) -> None:
    page.goto(url + "?lang=en")
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_load_state()


def _sign_in(page: Any, web: str, user: str) -> None:
    page.goto(web + "/login?lang=en")
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def _accept_from_home(page: Any) -> str:
    page.get_by_role("button", name=re.compile(r"^\s*accept", re.I)).first.click()
    page.wait_for_load_state()
    return str(page.get_by_role("status").inner_text())


async def test_das_loop_across_four_sessions(make_node: MakeNode, browser: Browser, tmp_path: Path) -> None:  # noqa: F811
    rn = await make_node(web={"listen": "127.0.0.1:0"})
    t = await territory(rn)
    web = rn.web_url
    office = await make_account(rn, "office", "office1")
    urls = {}
    for user, scope in (("marie", {"role": "person", "person": "p-0042"}), ("acme-rh", {"role": "employer", "employer": "acme"}),
                        ("coord", {"role": "coordinator", "projects": [t.project]})):
        urls[user] = (await api_ok(rn, "POST", "/api/accounts/invitations", scope, token=office.token))["url"]

    def person_accepts(page: Any) -> str:
        _create(page, urls["marie"], "marie")
        page.goto(web + "/?lang=en")
        return _accept_from_home(page)

    def employer_accepts(page: Any) -> str:
        _create(page, urls["acme-rh"], "acme-rh")
        page.goto(web + "/?lang=en")
        return _accept_from_home(page)

    def office_accepts(page: Any) -> str:
        _sign_in(page, web, "office1")
        page.goto(web + "/?lang=en")
        return _accept_from_home(page)

    for name, steps in (("person", person_accepts), ("employer", employer_accepts), ("office", office_accepts)):
        assert "Your acceptance is recorded." in await browser.run(_kept(tmp_path, name, steps))
    assert (await api_ok(rn, "GET", f"/api/das/contracts/{t.contract}"))["versions"][-1]["binding"]

    def person_records(page: Any) -> str:
        _sign_in(page, web, "marie")
        page.get_by_role("link", name="Record time").first.click()
        page.get_by_label("Project").select_option(label=PROJECT)
        page.get_by_label("Date").fill(f"{t.year}-03-14")
        page.get_by_label("Minutes").fill("90")
        page.get_by_role("button", name="Record").click()
        page.wait_for_load_state()
        return str(page.get_by_role("status").inner_text())

    assert "Your time is recorded" in await browser.run(_kept(tmp_path, "record", person_records))

    def coordinator_validates(page: Any) -> str:
        _create(page, urls["coord"], "coord")
        page.goto(web + "/?lang=en")
        page.get_by_role("link", name="Open the pending queue").click()
        page.get_by_role("button", name="Validate", exact=True).first.click()
        page.wait_for_load_state()
        return str(page.get_by_role("status").inner_text())

    assert "1 validated" in await browser.run(_kept(tmp_path, "validate", coordinator_validates))
    issued = await api_ok(rn, "POST", "/api/das/statements", {"person": "p-0042", "period": f"{t.year}-Q1"}, token=office.token)

    def person_opens_statement(page: Any) -> dict[str, str]:
        _sign_in(page, web, "marie")
        home = page.inner_text("main")
        page.goto(web + "/statements?lang=en")
        page.get_by_role("link", name=f"Statement no. {issued['number']}").click()
        page.wait_for_load_state()
        return {"home": home, "statement": page.inner_text("body"), "url": page.url}

    seen = await browser.run(_kept(tmp_path, "statement", person_opens_statement))
    assert "Hours left" in seen["home"] and "1 h 30" in seen["home"]
    assert seen["url"].endswith(f"/statements/{issued['number']}?lang=en")
    assert "Societal Activity Statement" in seen["statement"] and PROJECT in seen["statement"] and "1:30" in seen["statement"]
