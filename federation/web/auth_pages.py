"""Signing in: accepting an invitation (choosing a username and a password), signing in and out,
and one's own account: sessions (seen and ended), API tokens for scripts, the language."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from federation.web.door import CSRF_COOKIE, client_address, cookie_name, drop_cookie, set_cookie
from federation.web.keys import SESSION, THROTTLE
from federation.web.pages import Page
from federation.web.templating import gettext, render, with_lang
from node.accounts.passkeys import RelyingParty
from node.accounts.permissions import Action
from node.accounts.service import SIGN_IN_REFUSED, AccountService
from node.accounts.sessions import Sessions
from node.api.framework import node_of
from node.errors import Conflict, Invalid, NotFound

A = Action


async def invite_form(request: web.Request) -> web.StreamResponse:
    code = request.match_info["code"]
    _ = gettext(request)
    try:
        inv = await AccountService(node_of(request)).invitation(code)
    except (NotFound, Conflict) as exc:
        return render(request, "message.html.j2", status=410 if isinstance(exc, Conflict) else 404,
                      title=_("Invitation not usable"), message=_(exc.message))
    return render(request, "invite.html.j2", role=inv.role, reset=inv.account_id is not None, error=None, username="")


async def invite_submit(request: web.Request) -> web.StreamResponse:
    code = request.match_info["code"]
    form = await request.post()
    username, password, confirm = (str(form.get(k, "")) for k in ("username", "password", "confirm"))
    svc = AccountService(node_of(request))
    _ = gettext(request)
    try:
        account = await svc.accept(code, username.strip(), password, confirm, request.query.get("lang") if request.query.get("lang") in ("fr", "en") else None)
    except (Invalid, Conflict, NotFound) as exc:
        inv_ok = True
        try:
            inv = await svc.invitation(code)
        except (NotFound, Conflict):
            inv_ok = False
        if not inv_ok:
            return render(request, "message.html.j2", status=410, title=_("Invitation not usable"), message=_(exc.message))
        return render(request, "invite.html.j2", status=400, role=inv.role, reset=inv.account_id is not None,
                      error=_(exc.message), username=username[:64])
    # the new account is signed in at once: the person just proved they hold the invitation
    return await _signed_in(request, account.id, "/")


async def login_form(request: web.Request) -> web.StreamResponse:
    # shown even to someone signed in: signing in again as someone else (a shared computer) is allowed
    return login_page(request, 200, error=None, username="", next=request.query.get("next", ""))


def login_page(request: web.Request, status: int, **ctx: Any) -> web.StreamResponse:
    # the passkey button only where passkeys can work: a web address that is a name, not an IP address
    ready = RelyingParty.of(node_of(request).config.web_url, "") is not None
    return render(request, "login.html.j2", status=status, passkeys=ready, **ctx)


def safe_next(target: str) -> str:
    # only a path of this site: never //elsewhere or a scheme
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


async def login_submit(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    username, password = str(form.get("username", "")).strip()[:64], str(form.get("password", ""))
    target = safe_next(str(form.get("next", "")) or "/")
    _ = gettext(request)
    throttle, now = request.app[THROTTLE], node_of(request).clock()
    wait = throttle.blocked(username, client_address(request), now)
    if wait:
        minutes = max(1, -(-wait // 60_000))
        return login_page(request, 429, username=username, next=target,
                      error=_("Too many failed attempts. Wait {minutes} minutes, or ask the office to reset your password.")
                      .format(minutes=minutes))
    account = await AccountService(node_of(request)).check_password(username, password)
    if account is None:
        throttle.failed(username, client_address(request), now)
        return login_page(request, 401, username=username, next=target, error=_(SIGN_IN_REFUSED))
    throttle.succeeded(username)
    return await _signed_in(request, account.id, target)


async def start_session(request: web.Request, account_id: str, response: web.StreamResponse) -> None:
    """A new session for this account, its cookie on `response` (the one the sign-in answers with)."""
    old = request.get(SESSION)
    sessions = Sessions(node_of(request))
    if old is not None:  # a new id at every sign-in: a planted cookie never becomes a session
        await sessions.end(old.id_hash)
    sid, _session = await sessions.start(account_id, request.headers.get("User-Agent", ""))
    set_cookie(request, response, cookie_name(request), sid)
    drop_cookie(request, response, CSRF_COOKIE)


async def _signed_in(request: web.Request, account_id: str, target: str) -> web.StreamResponse:
    response = web.HTTPSeeOther(with_lang(request, target))
    await start_session(request, account_id, response)
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    session = request.get(SESSION)
    if session is not None:
        await Sessions(node_of(request)).end(session.id_hash)
    response = web.HTTPSeeOther(with_lang(request, "/login"))
    drop_cookie(request, response)
    raise response


async def sessions_page(request: web.Request) -> web.StreamResponse:
    s = request[SESSION]
    items = await Sessions(node_of(request)).of_account(s.principal.account_id, s.id_hash)
    return render(request, "sessions.html.j2", sessions=items)


async def session_revoke(request: web.Request) -> web.StreamResponse:
    s = request[SESSION]
    form = await request.post()
    which = str(form.get("session", ""))
    await Sessions(node_of(request)).revoke(s.principal.account_id, which)
    if which == s.handle:
        response = web.HTTPSeeOther(with_lang(request, "/login"))
        drop_cookie(request, response)
        raise response
    raise web.HTTPSeeOther(with_lang(request, "/account/sessions"))


async def tokens_page(request: web.Request, created: dict[str, str] | None = None, error: str | None = None) -> web.StreamResponse:
    s = request[SESSION]
    items = await AccountService(node_of(request)).tokens(s.principal.account_id)
    return render(request, "tokens.html.j2", status=400 if error else 200, tokens=items, created=created, error=error,
                  web_url=node_of(request).config.web_url)


async def token_create(request: web.Request) -> web.StreamResponse:
    s = request[SESSION]
    form = await request.post()
    try:
        created = await AccountService(node_of(request)).create_token(s.principal.account_id, str(form.get("label", "")))
    except (Invalid, Conflict) as exc:
        return await tokens_page(request, error=gettext(request)(exc.message))
    return await tokens_page(request, created=created)


async def token_revoke(request: web.Request) -> web.StreamResponse:
    s = request[SESSION]
    form = await request.post()
    await AccountService(node_of(request)).revoke_token(s.principal.account_id, str(form.get("label", "")))
    raise web.HTTPSeeOther(with_lang(request, "/account/tokens"))


async def set_lang(request: web.Request) -> web.StreamResponse:
    s = request[SESSION]
    form = await request.post()
    lang = str(form.get("lang", ""))
    if lang not in ("fr", "en"):
        raise Invalid("field 'lang': fr or en")
    await AccountService(node_of(request)).set_lang(s.principal.account_id, lang)
    raise web.HTTPSeeOther("/account/sessions")


PAGES = [
    Page("GET", "/invite/{code}", invite_form, None),
    Page("POST", "/invite/{code}", invite_submit, None),
    Page("GET", "/login", login_form, None),
    Page("POST", "/login", login_submit, None),
    Page("POST", "/logout", logout, None),
    Page("GET", "/account/sessions", sessions_page, A.ACCOUNT_SELF),
    Page("POST", "/account/sessions/revoke", session_revoke, A.ACCOUNT_SELF),
    Page("GET", "/account/tokens", tokens_page, A.ACCOUNT_SELF),
    Page("POST", "/account/tokens", token_create, A.ACCOUNT_SELF),
    Page("POST", "/account/tokens/revoke", token_revoke, A.ACCOUNT_SELF),
    Page("POST", "/account/lang", set_lang, A.ACCOUNT_SELF),
]
