"""Rendering pages: one Jinja2 environment (autoescaped), the request's language and its catalog,
and what every page shares (the signed-in account, the CSRF token, the language switch)."""

from __future__ import annotations

from typing import Any

import jinja2
from aiohttp import web
from babel.dates import format_datetime

from federation.web.keys import ANON_CSRF, LANG, SESSION, TEMPLATES, TRANSLATOR
from node.i18n import Translator


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("federation.web", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]  # real ones come with each render
    return env


def lang_of(request: web.Request) -> str:
    return request.get(LANG) or request.app[TRANSLATOR].default


def gettext(request: web.Request) -> Any:
    return request.app[TRANSLATOR].get(lang_of(request)).gettext


def with_lang(request: web.Request, path: str) -> str:
    """A link or form action that keeps a ?lang= the page was opened with."""
    lang = request.query.get("lang")
    if lang not in ("fr", "en"):
        return path
    return path + ("&" if "?" in path else "?") + f"lang={lang}"


def render(request: web.Request, name: str, status: int = 200, **ctx: Any) -> web.Response:
    tr: Translator = request.app[TRANSLATOR]
    lang = lang_of(request)
    catalog = tr.get(lang)
    session = request.get(SESSION)

    def when(ms_or_iso: Any) -> str:
        import datetime as dt

        if ms_or_iso is None:
            return ""
        d = dt.datetime.fromisoformat(str(ms_or_iso).replace("Z", "+00:00"))
        return format_datetime(d, "medium", locale=lang)

    html = request.app[TEMPLATES].get_template(name).render(
        gettext=catalog.gettext, ngettext=catalog.ngettext, _=catalog.gettext, lang=lang, when=when,
        me=session.principal if session else None, csrf=session.csrf if session else request.get(ANON_CSRF, ""),
        here=request.path, keep=lambda p: with_lang(request, p), nav=_nav(session.principal) if session else [], **ctx,
    )
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def _nav(who: Any) -> list[Any]:
    """The top links this account's role may follow."""
    from federation.web.areas import nav  # the areas import this module: resolved at call time

    return [n for n in nav() if who.may(n.action)]
