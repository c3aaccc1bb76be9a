"""The web door's middleware: security headers, the session behind the cookie, the language, the
CSRF check on every form that changes state, the page's permission, and errors as pages.

The same socket serves /api/ for account API tokens (the admin framework's guard); the owner's
api.token is never accepted here: it stays on the loopback admin socket.
"""

from __future__ import annotations

import logging
import secrets as pysecrets
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from federation.web.keys import ANON_CSRF, LANG, SECURE, SESSION, TRANSLATOR, UPLOADS
from federation.web.pages import Page
from federation.web.templating import gettext, render, with_lang
from node.accounts import secrets
from node.accounts.principal import describe
from node.accounts.sessions import Sessions
from node.api.framework import ADMIN_STATUS, PRINCIPAL, guard, node_of, operation_line
from protocol.errors import DemociteError

log = logging.getLogger("democite.web")
pages_log = logging.getLogger("democite.web.ops")  # one line per page served, as the admin API's
SESSION_COOKIE = "democite_session"
CSRF_COOKIE = "democite_csrf"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",  # an invitation's code is in its URL: never hand it to another site
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
MIB = 1024 * 1024
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def client_address(request: web.Request) -> str:
    """Who is on the other end, for throttling: the connection's address, or, when it is one of
    `[web] trusted_proxies`, the last address the proxies added to X-Forwarded-For that is not
    itself a proxy (the leftmost entries are the client's own claims, never believed)."""
    remote = request.remote or "?"
    trusted = node_of(request).config.web.trusted_proxies
    if remote not in trusted:
        return remote
    hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if hop not in trusted:
            return hop[:64]
    return remote


def cookie_name(request: web.Request, base: str = SESSION_COOKIE) -> str:
    # the __Host- prefix makes the browser refuse the cookie unless Secure, path / and no Domain
    return "__Host-" + base if request.app[SECURE] else base


def set_cookie(request: web.Request, response: web.StreamResponse, name: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(name, value, httponly=True, samesite="Lax", secure=request.app[SECURE], path="/", max_age=max_age)


def drop_cookie(request: web.Request, response: web.StreamResponse, base: str = SESSION_COOKIE) -> None:
    # the same attributes as when set: a browser ignores a __Host- deletion that is not Secure
    response.del_cookie(cookie_name(request, base), path="/", secure=request.app[SECURE], httponly=True, samesite="Lax")


@web.middleware
async def web_door(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith("/api/"):
        return await guard(request, handler)
    started, status = time.perf_counter(), 0
    try:
        response = await _answer(request, handler)
        status = response.status
        return response
    except web.HTTPException as exc:  # a redirect after a form, or to the sign-in page
        status = exc.status
        for k, v in HEADERS.items():
            exc.headers.setdefault(k, v)
        raise
    finally:
        operation_line(request, status or "cancelled", (time.perf_counter() - started) * 1000, pages_log)


async def _answer(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The page, or the page that says why not: never a traceback."""
    try:
        response = await _page(request, handler)
    except web.HTTPException as exc:
        if exc.status in (301, 302, 303, 307, 308):
            raise
        _ = gettext(request)
        response = render(request, "message.html.j2", status=exc.status, title=_("Not found") if exc.status == 404 else exc.reason,
                          message=_("There is no page at this address.") if exc.status == 404 else exc.reason)
    except DemociteError as exc:
        _ = gettext(request)  # fixed messages are in the catalog; others show as they are
        response = render(request, "message.html.j2", status=ADMIN_STATUS.get(exc.code, 400), title=_("Refused"),
                          message=_(exc.message))
    except Exception:
        route = request.match_info.route.resource.canonical if request.match_info.route.resource else "?"
        log.exception("internal error on web page %s", route)
        _ = gettext(request)
        response = render(request, "message.html.j2", status=500, title=_("Something went wrong"),
                          message=_("The node could not answer; its log has the details. Try again later."))
    for k, v in HEADERS.items():
        response.headers.setdefault(k, v)
    return response


async def _page(request: web.Request, handler: Handler) -> web.StreamResponse:
    sessions = Sessions(node_of(request))
    session = await sessions.load(request.cookies.get(cookie_name(request), ""))
    if session is not None:
        request[SESSION] = session
        request[PRINCIPAL] = session.principal
    tr = request.app[TRANSLATOR]
    request[LANG] = tr.pick(request.query.get("lang"), session.principal.lang if session else None)
    new_anon = None
    if session is None:
        anon = request.cookies.get(cookie_name(request, CSRF_COOKIE), "")
        if not (16 <= len(anon) <= 64):
            anon = new_anon = pysecrets.token_urlsafe(24)
        request[ANON_CSRF] = anon
    if request.method == "POST":
        resource = request.match_info.route.resource
        limit = request.client_max_size
        if resource is not None and resource.canonical in request.app.get(UPLOADS, frozenset()):
            limit = node_of(request).config.web.max_upload_mb * MIB
            request = request.clone(client_max_size=limit)
        try:
            form = await request.post()  # files go to a temporary file past a few hundred KiB, not memory
        except web.HTTPRequestEntityTooLarge:
            _ = gettext(request)
            return render(request, "message.html.j2", status=413, title=_("Too large"),
                          message=_("What you sent is larger than the {mb} MB this page accepts.").format(mb=max(1, limit // MIB)))
        sent = str(form.get("csrf", ""))
        expected = session.csrf if session is not None else request.cookies.get(cookie_name(request, CSRF_COOKIE), "")
        if not sent or not expected or not secrets.same(sent, expected):
            _ = gettext(request)
            return render(request, "message.html.j2", status=403, title=_("Form refused"),
                          message=_("This form expired or did not come from this site. Go back, reload the page and try again."))
    response = await handler(request)
    if new_anon is not None:
        set_cookie(request, response, cookie_name(request, CSRF_COOKIE), new_anon)
    return response


def page_handler(page: Page) -> Handler:
    """The page's handler behind its permission: visitors are sent to sign in, a role the table
    refuses gets a 403 page before the handler runs."""
    action = page.action

    async def run(request: web.Request) -> web.StreamResponse:
        if action is not None:
            session = request.get(SESSION)
            if session is None:
                raise web.HTTPSeeOther(with_lang(request, "/login?next=" + _quote(request.path)))
            if not session.principal.may(action):
                _ = gettext(request)
                return render(request, "message.html.j2", status=403, title=_("Not allowed"),
                              message=_("Your account may not {what}.").format(what=_(describe(action))))
        return await page.handler(request)

    return run


def _quote(text: str) -> str:
    import urllib.parse

    return urllib.parse.quote(text, safe="")


def add_pages(app: web.Application, pages: list[Page]) -> None:
    app[UPLOADS] = frozenset(p.path for p in pages if p.upload)
    for p in pages:
        app.router.add_route(p.method, p.path, page_handler(p))
