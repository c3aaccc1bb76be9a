"""The home page: the panels of the areas the account's role may see (a person's hours, a
coordinator's queue, the office's dashboard, ...), each loaded by its area."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from federation.web.keys import SESSION
from federation.web.pages import NavLink, Page, Panel
from federation.web.templating import render
from node.accounts.permissions import Action


async def home(request: web.Request) -> web.StreamResponse:
    from federation.web.areas import panels

    who = request[SESSION].principal
    shown: list[tuple[str, dict[str, Any]]] = []
    for panel in panels():
        if who.may(panel.action):
            ctx = await panel.load(request)
            if ctx is not None:
                shown.append((panel.template, ctx))
    return render(request, "home.html.j2", panels=shown)


PAGES = [Page("GET", "/", home, Action.ACCOUNT_SELF)]
PANELS: list[Panel] = []
NAV: list[NavLink] = []
