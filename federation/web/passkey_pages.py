"""Passkeys on the web door: the page where a signed-in account adds and removes its passkeys, and
signing in with one. The browser side is static/passkeys.js (WebAuthn needs JavaScript); the
exchanges are small form posts carrying the page's CSRF token, answered in JSON."""

from __future__ import annotations

from aiohttp import web

from federation.web.auth_pages import safe_next, start_session
from federation.web.keys import CHALLENGES, SESSION
from federation.web.pages import Page
from federation.web.templating import gettext, render, with_lang
from node.accounts.passkeys import NO_RP, PASSKEY_REFUSED, Passkeys
from node.accounts.permissions import Action
from node.accounts.service import AccountService
from node.api.framework import ADMIN_STATUS, node_of
from node.errors import NotFound
from protocol.errors import DemociteError

A = Action


def passkeys(request: web.Request) -> Passkeys:
    return Passkeys(node_of(request), request.app[CHALLENGES])


def refused(request: web.Request, exc: DemociteError) -> web.Response:
    return web.json_response({"error": gettext(request)(exc.message)}, status=ADMIN_STATUS.get(exc.code, 400))


async def passkeys_page(request: web.Request, error: str | None = None) -> web.StreamResponse:
    s = request[SESSION]
    pk = passkeys(request)
    items = await pk.of_account(s.principal.account_id)
    return render(request, "passkeys.html.j2", status=400 if error else 200, passkeys=items, available=pk.rp is not None,
                  no_rp=NO_RP, error=error)


async def register_options(request: web.Request) -> web.StreamResponse:
    account = await AccountService(node_of(request)).account(request[SESSION].principal.account_id)
    if account is None:
        raise NotFound("no such account")
    try:
        return web.json_response(await passkeys(request).registration_options(account))
    except DemociteError as exc:
        return refused(request, exc)


async def register(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    try:
        added = await passkeys(request).register(request[SESSION].principal.account_id, str(form.get("handle", "")),
                                                 str(form.get("credential", "")), str(form.get("label", "")))
    except DemociteError as exc:
        return refused(request, exc)
    return web.json_response(added)


async def remove(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    await passkeys(request).remove(request[SESSION].principal.account_id, str(form.get("passkey", "")))
    raise web.HTTPSeeOther(with_lang(request, "/account/passkeys"))


async def sign_in_options(request: web.Request) -> web.StreamResponse:
    try:
        return web.json_response(await passkeys(request).authentication_options())
    except DemociteError as exc:
        return refused(request, exc)


async def sign_in(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    try:
        account = await passkeys(request).authenticate(str(form.get("handle", "")), str(form.get("credential", "")))
    except DemociteError as exc:
        return refused(request, exc)
    if account is None:
        return web.json_response({"error": gettext(request)(PASSKEY_REFUSED)}, status=401)
    response = web.json_response({"next": with_lang(request, safe_next(str(form.get("next", "")) or "/"))})
    await start_session(request, account.id, response)
    return response


PAGES = [
    Page("GET", "/account/passkeys", passkeys_page, A.ACCOUNT_SELF),
    Page("POST", "/account/passkeys/options", register_options, A.ACCOUNT_SELF),
    Page("POST", "/account/passkeys", register, A.ACCOUNT_SELF),
    Page("POST", "/account/passkeys/remove", remove, A.ACCOUNT_SELF),
    Page("POST", "/login/passkey/options", sign_in_options, None),
    Page("POST", "/login/passkey", sign_in, None),
]
