"""Every page of the web door, opened in a real browser by an account allowed to see it (and the
visitors' pages by a visitor): the security headers are there, and axe-core finds no serious or
critical accessibility violation (WCAG 2.1 AA rules), in French and in English."""

from __future__ import annotations

import re
from typing import Any

from axe_playwright_python.sync_playwright import Axe

from federation.web import areas
from node.accounts.permissions import Role, allowed
from tests.accounts_util import PASSWORD, invite, make_account
from tests.conftest import Browser, call_api

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
# a role able to open pages of each action, with the scope its pages need
ROLES = (Role.OFFICE, Role.PERSON, Role.COORDINATOR, Role.EMPLOYER, Role.SECRETARIAT, Role.PARTNER, Role.EVALUATOR, Role.RESIDENT)
SCOPES: dict[Role, dict[str, Any]] = {
    Role.PERSON: {"person": "p-0042"}, Role.EMPLOYER: {"employer": "acme"}, Role.COORDINATOR: {"projects": [1]},
    Role.PARTNER: {"org": "Biocoop"},
}


def _check_headers(headers: dict[str, str], path: str) -> list[str]:
    bad = []
    csp = headers.get("content-security-policy", "")
    if "frame-ancestors 'none'" not in csp or "unsafe-inline" in csp or "script-src 'self'" not in csp:
        bad.append(f"{path}: Content-Security-Policy {csp!r}")
    if headers.get("referrer-policy") != "no-referrer":
        bad.append(f"{path}: Referrer-Policy {headers.get('referrer-policy')!r}")
    if headers.get("x-content-type-options") != "nosniff":
        bad.append(f"{path}: X-Content-Type-Options")
    return bad


def _visit(ctx: Any, web: str, who: str | None, paths: list[str]) -> list[str]:
    axe = Axe()
    page = ctx.new_page()
    problems: list[str] = []
    if who is not None:
        page.goto(web + "/login?lang=en")
        page.get_by_label("Username").fill(who)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_load_state()
    for path in paths:
        for lang in ("fr", "en"):
            url = web + path + ("&" if "?" in path else "?") + f"lang={lang}"
            response = page.goto(url)
            assert response is not None
            if response.status >= 500:
                problems.append(f"{path}: status {response.status}")
            problems += _check_headers(response.all_headers(), path)
            results = axe.run(page, options=WCAG).response
            for v in results["violations"]:
                if v["impact"] in ("serious", "critical"):
                    problems.append(f"{path} ({lang}, {who or 'visitor'}): {v['id']} ({v['impact']}) on {len(v['nodes'])} element(s)")
    return problems


def _concrete(path: str) -> str | None:
    """A path to open: parameters are filled with the first row the test territory holds."""
    values = {"ref": "p-0042", "no": "1", "id": "1", "number": "1", "code": "none"}
    filled = re.sub(r"{(\w+)}", lambda m: values.get(m.group(1), "1"), path)
    return None if "{" in filled else filled


async def test_every_page_has_the_headers_and_no_serious_accessibility_violation(make_node: Any, browser: Browser) -> None:
    rn = await make_node(web={"listen": "127.0.0.1:0"})
    await call_api(rn, "POST", "/api/das/employers", {"name": "acme", "kind": "private"})
    await call_api(rn, "POST", "/api/das/persons", {"pseudonym": "p-0042", "status": "employee", "employer": "acme"})
    await call_api(rn, "POST", "/api/das/projects", {"title": "Jardin", "sdg": 2})
    await call_api(rn, "POST", "/api/das/contracts", {"person": "p-0042", "hours": 35, "from": "2026-01-01", "to": "2026-12-31"})
    accounts = {role: await make_account(rn, str(role), f"every-{role}", **SCOPES.get(role, {})) for role in ROLES}
    pages = [p for p in areas.pages() if p.method == "GET"]
    seen: set[str] = set()
    problems: list[str] = []
    link = await invite(rn, "resident")
    visitor = ["/login", link.removeprefix(rn.web_url)]
    problems += await browser.run(lambda ctx: _visit(ctx, rn.web_url, None, visitor))
    for role in ROLES:
        mine = []
        for p in pages:
            path = _concrete(p.path)
            if path is None or p.action is None or path in seen or not allowed(role, p.action):
                continue
            seen.add(path)
            mine.append(path)
        if mine:
            username = accounts[role].username
            problems += await browser.run(lambda ctx, u=username, m=mine: _visit(ctx, rn.web_url, u, m))
    assert problems == []
    assert {"/", "/account/sessions"} <= seen
