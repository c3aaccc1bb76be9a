"""The office's pages for the territory's rows: persons and employers (list, add), contracts
(drafted here, binding once each party accepted it on /contracts/{no} or the office typed the
reference of their signed paper) and the programme's projects (proposed to the assembly, or a
person's individual project; activated, closed)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from federation.web.keys import SESSION
from federation.web.office_forms import Errors, Fld, Values, num, opt, read
from federation.web.pages import Page
from federation.web.templating import gettext, render, with_lang
from node.accounts.permissions import Action
from node.api.framework import node_of
from node.das import rules
from node.das.service import DasService
from protocol.errors import DemociteError

A = Action
PERSON = (Fld("pseudonym", max_len=100), Fld("status", kind="choice", choices=rules.STATUSES, max_len=20),
          Fld("employer", required=False))
EMPLOYER = (Fld("name"), Fld("kind", kind="choice", choices=rules.EMPLOYER_KINDS, max_len=10))
CONTRACT = (Fld("person", max_len=100), Fld("hours", kind="int", lo=1, hi=10_000, max_len=5), Fld("from", kind="date", max_len=10),
            Fld("to", kind="date", max_len=10), Fld("mode", kind="choice", choices=rules.MODES, max_len=8),
            Fld("paper_consent", required=False))
PROJECT = (Fld("title", max_len=300), Fld("sdg", kind="int", lo=1, hi=17, max_len=2),
           Fld("kind", kind="choice", choices=rules.PROJECT_KINDS, max_len=30),
           Fld("theme", required=False, kind="choice", choices=rules.THEMES, max_len=20),
           Fld("coordinator", required=False, max_len=100), Fld("person", required=False, max_len=100))
NOTE = (Fld("note", required=False, max_len=500),)


def das(request: web.Request) -> DasService:
    return DasService(node_of(request))


def _refusal(request: web.Request, exc: DemociteError) -> str:
    return str(gettext(request)(exc.message))


# -- persons and employers -------------------------------------------------------------------


async def persons_page(request: web.Request, which: str = "", values: Values | None = None, errors: Errors | None = None,
                       error: str | None = None) -> web.StreamResponse:
    svc = das(request)
    employers = (await svc.persons.list_employers())["employers"]
    return render(request, "office/persons.html.j2", status=400 if errors or error else 200,
                  persons=(await svc.persons.list_persons(None))["persons"], employers=employers,
                  status_choices=[(s, s) for s in rules.STATUSES], kind_choices=[(k, k) for k in rules.EMPLOYER_KINDS],
                  employer_choices=[(e["name"], e["name"]) for e in employers], which=which, values=values or {}, errors=errors or {},
                  error=error, added=request.query.get("added", "")[:100])


async def persons_get(request: web.Request) -> web.StreamResponse:
    return await persons_page(request)


async def person_add(request: web.Request) -> web.StreamResponse:
    values, errors = await read(request, PERSON)
    if errors:
        return await persons_page(request, "person", values, errors)
    try:
        await das(request).persons.add_person(values["pseudonym"], values["status"], opt(values, "employer"), None)
    except DemociteError as exc:
        return await persons_page(request, "person", values, error=_refusal(request, exc))
    raise web.HTTPSeeOther(with_lang(request, "/office/persons?added=person"))


async def employer_add(request: web.Request) -> web.StreamResponse:
    values, errors = await read(request, EMPLOYER)
    if errors:
        return await persons_page(request, "employer", values, errors)
    try:
        await das(request).persons.add_employer(values["name"], values["kind"])
    except DemociteError as exc:
        return await persons_page(request, "employer", values, error=_refusal(request, exc))
    raise web.HTTPSeeOther(with_lang(request, "/office/persons?added=employer"))


# -- contracts ---------------------------------------------------------------------------------


async def contracts_page(request: web.Request, values: Values | None = None, errors: Errors | None = None,
                         error: str | None = None) -> web.StreamResponse:
    contracts = (await das(request).persons.list_contracts(request[SESSION].principal, None))["contracts"]
    contracts.sort(key=lambda c: (c["binding"], -c["id"]))  # those awaiting consent first
    return render(request, "office/contracts.html.j2", status=400 if errors or error else 200, contracts=contracts,
                  modes=rules.MODES, values=values or {"mode": "spread"}, errors=errors or {}, error=error,
                  drafted=request.query.get("drafted", "") if request.query.get("drafted", "").isdigit() else "")


async def contracts_get(request: web.Request) -> web.StreamResponse:
    return await contracts_page(request)


async def contract_add(request: web.Request) -> web.StreamResponse:
    values, errors = await read(request, CONTRACT)
    if errors:
        return await contracts_page(request, values, errors)
    try:
        out = await das(request).persons.add_contract(request[SESSION].principal, values["person"], num(values, "hours"), values["from"],
                                                      values["to"], None, values["mode"], 420, opt(values, "paper_consent"))
    except DemociteError as exc:
        return await contracts_page(request, values, error=_refusal(request, exc))
    raise web.HTTPSeeOther(with_lang(request, f"/office/contracts?drafted={out['id']}"))


# -- the programme -----------------------------------------------------------------------------


async def projects_page(request: web.Request, values: Values | None = None, errors: Errors | None = None,
                        error: str | None = None) -> web.StreamResponse:
    projects = (await das(request).programme.list_projects(None))["projects"]
    return render(request, "office/projects.html.j2", status=400 if errors or error else 200, projects=projects,
                  theme_choices=[(t, t) for t in rules.THEMES], values=values or {"kind": "programme"}, errors=errors or {},
                  error=error)


async def projects_get(request: web.Request) -> web.StreamResponse:
    return await projects_page(request)


async def project_add(request: web.Request) -> web.StreamResponse:
    values, errors = await read(request, PROJECT)
    if errors:
        return await projects_page(request, values, errors)
    svc, _ = das(request), gettext(request)
    # a second click of the same form (or a reload) would propose the same project twice
    waiting = [p for p in (await svc.programme.list_projects(None))["projects"]
               if p["title"] == values["title"] and p["status"] != "closed" and p["kind"] == values["kind"]
               and (p["holder"] or "") == values["person"]]
    if waiting:
        return await projects_page(request, values, error=_("Project {id} already has this title: nothing was added.").format(
            id=waiting[0]["id"]))
    try:
        await svc.programme.add_project(values["title"], num(values, "sdg") or 0, opt(values, "coordinator"), values["kind"],
                                        opt(values, "theme"), opt(values, "person"))
    except DemociteError as exc:
        return await projects_page(request, values, error=_refusal(request, exc))
    raise web.HTTPSeeOther(with_lang(request, "/office/projects"))


def _transition(event: rules.ProjectEvent) -> Any:
    async def handler(request: web.Request) -> web.StreamResponse:
        values, errors = await read(request, NOTE)
        pid = request.match_info["id"]
        if not pid.isdigit() or len(pid) > 9:
            raise web.HTTPNotFound()
        if errors:
            return await projects_page(request, error=next(iter(errors.values())))
        try:
            await das(request).programme.project_transition(int(pid), event, None, None, values["note"])
        except DemociteError as exc:
            return await projects_page(request, error=_refusal(request, exc))
        raise web.HTTPSeeOther(with_lang(request, "/office/projects"))

    return handler


PAGES = [
    Page("GET", "/office/persons", persons_get, A.PERSON_MANAGE),
    Page("POST", "/office/persons", person_add, A.PERSON_MANAGE),
    Page("POST", "/office/employers", employer_add, A.EMPLOYER_MANAGE),
    Page("GET", "/office/contracts", contracts_get, A.CONTRACT_MANAGE),
    Page("POST", "/office/contracts", contract_add, A.CONTRACT_MANAGE),
    Page("GET", "/office/projects", projects_get, A.PROJECT_MANAGE),
    Page("POST", "/office/projects", project_add, A.PROJECT_MANAGE),
    Page("POST", "/office/projects/{id}/activate", _transition(rules.ProjectEvent.ACTIVATE), A.PROJECT_MANAGE),
    Page("POST", "/office/projects/{id}/close", _transition(rules.ProjectEvent.CLOSE), A.PROJECT_MANAGE),
]
