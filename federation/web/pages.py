"""How a web page is declared: its method, path, handler and the action it performs (the same
permission table as the admin API; `None` for the pages of people not signed in yet)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from node.accounts.permissions import Action

PageHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Page:
    method: str
    path: str
    handler: PageHandler
    action: Action | None  # None: open to visitors (sign-in, invitations)


ACTION = web.RequestKey("page_action", str)  # what the matched page declared, for the door's check
