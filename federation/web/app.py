"""The web door's application: pages (sign-in first), /static/, and /api/ for account tokens,
sharing the running node's `Node`. Built by the runtime once the node is open."""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

from federation.web import areas
from federation.web.door import add_pages, web_door
from federation.web.keys import CHALLENGES, SECURE, TEMPLATES, THROTTLE, TRANSLATOR
from federation.web.templating import environment
from node.accounts.passkeys import Challenges
from node.accounts.principal import Principal
from node.accounts.service import AccountService
from node.accounts.throttle import Throttle
from node.api.framework import ALLOWED_HOSTS, NODE, TOKEN_LOOKUP, Route, add_routes
from node.i18n import Translator
from node.service import Node

STATIC = Path(__file__).parent / "static"
MAX_FORM_BYTES = 1024 * 1024


def build_web_app(node: Node, api_routes: Sequence[Route], middlewares: Sequence[Any] = ()) -> web.Application:
    app = web.Application(middlewares=[*middlewares, web_door], client_max_size=MAX_FORM_BYTES)
    app[NODE] = node
    app[TRANSLATOR] = Translator.load(node.config.node.lang)
    app[TEMPLATES] = environment()
    app[THROTTLE] = Throttle()
    app[CHALLENGES] = Challenges()
    app[SECURE] = node.config.web_url.startswith("https://")
    public_host = urllib.parse.urlsplit(node.config.web_url).hostname or ""
    app[ALLOWED_HOSTS] = tuple({*node.config.api.allowed_hosts, public_host, node.config.web.listen.rsplit(":", 1)[0]})

    async def account_token(sent: str) -> Principal | None:
        return await AccountService(node).principal_for_token(sent)

    app[TOKEN_LOOKUP] = account_token  # no API_TOKEN here: the owner's token stays on the admin socket
    add_routes(app, api_routes)
    add_pages(app, areas.pages())
    app.router.add_static("/static/", STATIC, append_version=False)
    return app
