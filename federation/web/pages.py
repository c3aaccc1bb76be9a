"""How the web door's pieces are declared: a page (method, path, handler and the action it
performs: the same permission table as the admin API; `None` for people not signed in yet), a
home-page panel (what one role sees first) and a navigation link. Each area's module exports
`PAGES`, `PANELS` and `NAV`; `federation/web/areas.py` lists the modules."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from node.accounts.permissions import Action

PageHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Page:
    method: str
    path: str
    handler: PageHandler
    action: Action | None  # None: open to visitors (sign-in, invitations)
    upload: bool = False  # a form sending a file: up to web.max_upload_mb instead of the form limit


ACTION = web.RequestKey("page_action", str)  # what the matched page declared, for the door's check


PanelLoader = Callable[[web.Request], Awaitable["dict[str, Any] | None"]]


@dataclass(frozen=True, slots=True)
class Panel:
    """A block of the home page: shown to accounts whose role may `action`, when `load` gives a
    context (None: nothing to show this account); rendered with `template` (in templates/panels/)."""

    action: Action
    template: str
    load: PanelLoader
    order: int = 50  # lower first


@dataclass(frozen=True, slots=True)
class NavLink:
    """A link of the top navigation, shown to accounts whose role may `action`; `label` is an
    English message id (translated when shown)."""

    action: Action
    path: str
    label: str
    order: int = 50
