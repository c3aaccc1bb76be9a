"""The permission table is the only judge of what a role may do: every admin route and every web
page, called by an account of every role, answers 403 `not_permitted` exactly where the table says
no; and docs/accounts.md prints the table as the code has it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from federation.runtime import admin_routes
from federation.web import areas
from node.accounts.permissions import GRANTS, Action, Role, allowed, markdown_table
from tests.accounts_util import make_account, sign_in, web_client
from tests.conftest import call_api

ROOT = Path(__file__).resolve().parents[2]
# a value for each path parameter that names nothing: an allowed call fails later (404, 400), never acts
NOTHING = {"id": "999999", "no": "999999", "number": "999999", "ref": "zz-nobody", "username": "zz-nobody", "action": "zz",
           "code": "zz"}
SCOPES: dict[Role, dict[str, Any]] = {
    Role.PERSON: {"person": "p-perm"}, Role.EMPLOYER: {"employer": "perm-emp"}, Role.COORDINATOR: {"projects": [1]},
    Role.PARTNER: {"org": "Biocoop"},
}


def _path(template: str) -> str:
    return re.sub(r"{(\w+)}", lambda m: NOTHING[m.group(1)], template)


def test_the_documented_table_is_the_code_s() -> None:
    doc = (ROOT / "docs" / "accounts.md").read_text()
    between = doc.split("<!-- permission-table -->")[1].split("<!-- /permission-table -->")[0].strip()
    assert between == markdown_table(), "docs/accounts.md: paste the output of node.accounts.permissions.markdown_table()"


def test_every_role_is_granted_something_and_the_owner_everything() -> None:
    assert GRANTS[Role.OWNER] == frozenset(Action)
    assert all(Action.ACCOUNT_SELF in GRANTS[r] for r in Role)
    used = {r.action for r in admin_routes()} | {p.action for p in areas.pages() if p.action}
    assert set(Action) - used <= {Action.LEAVE_REQUEST, Action.LEAVE_DECIDE}, "an action no route performs"


@pytest.fixture
async def accounts(make_node: Any) -> tuple[Any, dict[Role, Any]]:
    rn = await make_node(web={"listen": "127.0.0.1:0"})
    await call_api(rn, "POST", "/api/das/employers", {"name": "perm-emp", "kind": "private"})
    await call_api(rn, "POST", "/api/das/persons", {"pseudonym": "p-perm", "status": "employee", "employer": "perm-emp"})
    status, body = await call_api(rn, "POST", "/api/das/projects", {"title": "Jardin", "sdg": 2})
    assert status == 200, body
    made = {}
    for role in Role:
        if role is not Role.OWNER:
            made[role] = await make_account(rn, str(role), f"perm-{role}", **SCOPES.get(role, {}))
    return rn, made


async def test_every_route_refuses_exactly_the_roles_the_table_refuses(accounts: tuple[Any, dict[Role, Any]]) -> None:
    rn, made = accounts
    wrong = []
    for route in admin_routes():
        assert route.action is not None
        for role, acct in made.items():
            status, code = await _call(rn, route.method, _path(route.path), acct.token)
            refused = status == 403 and code == "not_permitted"
            if refused == allowed(role, route.action):
                wrong.append(f"{route.method} {route.path} as {role}: {status} ({route.action})")
    assert wrong == []


async def _call(rn: Any, method: str, path: str, token: str) -> tuple[int, str | None]:
    """Status and error code of one call (some answers are CSV or gzip bundles: read bytes)."""
    async with aiohttp.ClientSession() as s:
        body = {} if method == "POST" else None
        async with s.request(method, rn.api_url + path, json=body, headers={"Authorization": f"Bearer {token}"}) as r:
            raw = await r.read()
            try:
                return r.status, json.loads(raw)["error"]["code"]
            except (ValueError, KeyError, TypeError):
                return r.status, None


async def test_every_page_refuses_exactly_the_roles_the_table_refuses(accounts: tuple[Any, dict[Role, Any]]) -> None:
    rn, made = accounts
    wrong = []
    for role, acct in made.items():
        async with web_client() as c:
            assert await sign_in(c, rn.web_url, acct.username) == 303
            for p in areas.pages():
                if p.action is None or p.method != "GET":
                    continue
                # the door's refusal of the role ("Not allowed"), not a page's own refusal of rows outside the
                # account's scope (another person's record, a statement that is not theirs: "Refused", 403 too)
                async with c.get(rn.web_url + _path(p.path) + "?lang=en", allow_redirects=False) as r:
                    refused = r.status == 403 and "<h1>Not allowed</h1>" in await r.text()
                    if refused == allowed(role, p.action):
                        wrong.append(f"{p.method} {p.path} as {role}: {r.status}")
    assert wrong == []
