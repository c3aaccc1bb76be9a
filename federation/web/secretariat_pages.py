"""Pages of the assembly's secretariat: the projects of general interest awaiting the territorial
assembly's decision, each with a form recording that decision (its reference and date), which
validates the project."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from federation.web.office_forms import Errors, Fld, Values, opt, read
from federation.web.pages import NavLink, Page, Panel
from federation.web.templating import gettext, render, with_lang
from node.accounts.permissions import Action
from node.api.framework import node_of
from node.das import rules
from node.das.service import DasService
from protocol.errors import DemociteError

A = Action


def N_(text: str) -> str:
    return text  # marked for the catalog, translated when shown
DECISION = (Fld("decision", max_len=300), Fld("date", required=False, kind="date", max_len=10), Fld("note", required=False, max_len=500))


async def _waiting(request: web.Request) -> list[dict[str, Any]]:
    return list((await DasService(node_of(request)).programme.list_projects("proposed"))["projects"])


async def projects_page(request: web.Request, which: int | None = None, values: Values | None = None, errors: Errors | None = None,
                        error: str | None = None) -> web.StreamResponse:
    return render(request, "secretariat/projects.html.j2", status=400 if errors or error else 200, projects=await _waiting(request),
                  which=which, values=values or {}, errors=errors or {}, error=error,
                  recorded=request.query.get("recorded", "") if request.query.get("recorded", "").isdigit() else "")


async def projects_get(request: web.Request) -> web.StreamResponse:
    return await projects_page(request)


async def decide(request: web.Request) -> web.StreamResponse:
    pid = request.match_info["id"]
    if not pid.isdigit() or len(pid) > 9:
        raise web.HTTPNotFound()
    values, errors = await read(request, DECISION)
    if errors:
        return await projects_page(request, int(pid), values, errors)
    try:
        # a second click finds the project validated already: the state table refuses it, nothing is recorded twice
        await DasService(node_of(request)).programme.project_transition(int(pid), rules.ProjectEvent.VALIDATE, values["decision"],
                                                                         opt(values, "date"), values["note"])
    except DemociteError as exc:
        return await projects_page(request, int(pid), values, error=gettext(request)(exc.message))
    raise web.HTTPSeeOther(with_lang(request, f"/secretariat?recorded={pid}"))


async def panel(request: web.Request) -> dict[str, Any] | None:
    return {"waiting": len(await _waiting(request))}


PAGES: list[Page] = [
    Page("GET", "/secretariat", projects_get, A.PROJECT_DECIDE),
    Page("POST", "/secretariat/projects/{id}/decision", decide, A.PROJECT_DECIDE),
]
PANELS: list[Panel] = [Panel(A.PROJECT_DECIDE, "secretariat.html.j2", panel, order=40)]
NAV: list[NavLink] = [NavLink(A.PROJECT_DECIDE, "/secretariat", N_("Projects awaiting the assembly"), order=40)]
