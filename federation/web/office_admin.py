"""The office's pages for the node's people and files: accounts and invitations (the link shown
once; mailed when [mail] is configured), disabling, enabling and resetting an account, and the
CSV import (uploaded, checked line by line in one transaction: the report, or every refused line
with its number and reason, nothing written)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from federation.web.keys import SESSION
from federation.web.office_forms import Errors, Fld, Values, check, opt
from federation.web.pages import Page
from federation.web.templating import gettext, lang_of, render, with_lang
from node.accounts import mail
from node.accounts.permissions import INVITES, Action, Role
from node.accounts.service import AccountService
from node.api.framework import node_of
from node.das.importer import ImportRefused, run_import
from node.das.service import DasService
from protocol.errors import DemociteError

A = Action
KINDS = ("employers", "persons", "contracts", "entries")
INVITE = (Fld("role", max_len=20, kind="choice", choices=tuple(str(r) for r in Role)), Fld("person", required=False, max_len=100),
          Fld("employer", required=False), Fld("projects", required=False, kind="list", max_len=200),
          Fld("org", required=False), Fld("email", required=False, max_len=254))
USERNAME_MAX = 64


def _roles(request: web.Request) -> list[str]:
    return sorted(str(r) for r in INVITES.get(request[SESSION].principal.role, frozenset()))


async def accounts_page(request: web.Request, values: Values | None = None, errors: Errors | None = None, error: str | None = None,
                        link: dict[str, Any] | None = None) -> web.StreamResponse:
    node = node_of(request)
    return render(request, "office/accounts.html.j2", status=400 if errors or error else 200,
                  accounts=await AccountService(node).list(), roles=_roles(request), mail=bool(node.config.mail.host),
                  values=values or {}, errors=errors or {}, error=error, link=link)


async def accounts_get(request: web.Request) -> web.StreamResponse:
    return await accounts_page(request)


async def invite(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    values, errors = check(form, INVITE, request)
    if not errors and values["role"] not in _roles(request):
        errors["role"] = gettext(request)("Choose one of the listed values.")
    if errors:
        return await accounts_page(request, values, errors)
    node, who = node_of(request), request[SESSION].principal
    svc = AccountService(node)
    try:
        role = Role(values["role"])
        projects = [int(x) for x in values["projects"].split(",")] if values["projects"] else []
        scope = await svc.resolve_scope(role, opt(values, "person"), opt(values, "employer"), projects, opt(values, "org"))
        if values["email"]:  # before the invitation exists: a refused address leaves nothing behind
            mail.check_address(node.config, values["email"])
        out = await svc.invite(who, role, scope, node.config.web_url)
        if values["email"]:
            out["mailed"] = await mail.send_invitation(node, values["email"], out, lang_of(request))
    except DemociteError as exc:
        return await accounts_page(request, values, error=gettext(request)(exc.message))
    return await accounts_page(request, link=out)


def _account_action(what: str) -> Any:
    async def handler(request: web.Request) -> web.StreamResponse:
        username = request.match_info["username"]
        if not 1 <= len(username) <= USERNAME_MAX:
            raise web.HTTPNotFound()
        node, who = node_of(request), request[SESSION].principal
        svc = AccountService(node)
        try:
            if what == "reset":
                return await accounts_page(request, link=await svc.reset(who, username, node.config.web_url))
            await svc.set_state(who, username, what == "enable")
        except DemociteError as exc:
            return await accounts_page(request, error=gettext(request)(exc.message))
        raise web.HTTPSeeOther(with_lang(request, "/office/accounts"))

    return handler


# -- the CSV import ----------------------------------------------------------------------------


async def import_page(request: web.Request) -> web.StreamResponse:
    return render(request, "office/import.html.j2", kinds=KINDS, values={}, errors={}, error=None, report=None, rejected=None,
                  progress=None)


async def import_upload(request: web.Request) -> web.StreamResponse:
    form = await request.post()  # the door caps a request at 1 MiB (larger: a 413 page); bigger files go through the CLI
    _ = gettext(request)
    values, errors = check(form, (Fld("kind", required=False, kind="choice", choices=KINDS, max_len=12),), request)
    upload = form.get("file")
    text = ""
    if not isinstance(upload, web.FileField) or not upload.filename:
        errors["file"] = _("Choose a CSV file.")
    else:
        try:
            text = upload.file.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            errors["file"] = _("The file is not UTF-8 text: save it as CSV UTF-8 and try again.")
    ctx: dict[str, Any] = {"kinds": KINDS, "values": values, "errors": errors, "error": None, "report": None, "rejected": None,
                           "progress": None}
    if errors:
        return render(request, "office/import.html.j2", status=400, **ctx)
    try:
        async for ev in run_import(DasService(node_of(request)), text, opt(values, "kind"), request[SESSION].principal):
            if "report" in ev:
                ctx["report"] = ev["report"]
            else:
                ctx["progress"] = ev
    except ImportRefused as exc:
        ctx["rejected"] = {"errors": exc.errors, "more": exc.more}
    except DemociteError as exc:
        ctx["error"] = _(exc.message)
    return render(request, "office/import.html.j2", status=200 if ctx["report"] else 400, **ctx)


PAGES = [
    Page("GET", "/office/accounts", accounts_get, A.ACCOUNT_MANAGE),
    Page("POST", "/office/accounts", invite, A.ACCOUNT_MANAGE),
    Page("POST", "/office/accounts/{username}/disable", _account_action("disable"), A.ACCOUNT_MANAGE),
    Page("POST", "/office/accounts/{username}/enable", _account_action("enable"), A.ACCOUNT_MANAGE),
    Page("POST", "/office/accounts/{username}/reset", _account_action("reset"), A.ACCOUNT_MANAGE),
    Page("GET", "/office/import", import_page, A.LEDGER),
    Page("POST", "/office/import", import_upload, A.LEDGER),
]
