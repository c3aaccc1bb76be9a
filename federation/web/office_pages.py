"""Pages of the Engagement 21 office: the dashboard (contracts awaiting consent, entries pending by
project, the period's statements issued in one go, the quarter's k-anonymous summary previewed cell
by cell before it is published). Persons, employers, contracts and projects are in
`office_people`, accounts, invitations and the CSV import in `office_admin`."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from federation.web import office_admin, office_people
from federation.web.keys import SESSION
from federation.web.office_forms import Errors, Fld, Values, check, read
from federation.web.pages import NavLink, Page, Panel
from federation.web.templating import gettext, render, with_lang
from node.accounts.permissions import Action
from node.api.framework import node_of
from node.das.service import DasService
from protocol import das as pdas
from protocol.errors import DemociteError

A = Action
PERIOD = Fld("period", kind="period", max_len=10)
PUBLISH = (PERIOD, Fld("seen", kind="int", lo=0, hi=10_000, max_len=6))
GROUPS = ("by_status", "by_category", "by_family")
CELLS = ("persons", "contracts", "granted", "given", "credited", "employers")


def N_(text: str) -> str:
    return text  # marked for the catalog, translated when shown


# what each cell of a summary and each value in a cell means, for the preview
LABELS = {
    "persons": N_("Persons holding a contract"), "contracts": N_("Contracts"), "granted": N_("Hours granted"),
    "given": N_("Time given"), "credited": N_("Local currency credited"), "employers": N_("Employers"),
    "by_status": N_("By status"), "by_category": N_("By category"), "by_family": N_("By family of competences"),
    "statements": N_("Leaves of the statements' tree (padded with random leaves)"), "minutes": N_("minutes"), "cents": N_("cents"), "suppressed": N_("suppressed"),
    "consents": N_("Consents"), "acts": N_("acts"), "accounts": N_("accounts"), "paper": N_("on paper"),
}


def das(request: web.Request) -> DasService:
    return DasService(node_of(request))


def last_quarter(svc: DasService) -> str:
    today = svc.ctx.today()
    q = (today.month - 1) // 3 + 1
    return f"{today.year - 1}-Q4" if q == 1 else f"{today.year}-Q{q - 1}"


async def awaiting_consent(request: web.Request) -> int:
    contracts = (await das(request).persons.list_contracts(request[SESSION].principal, None))["contracts"]
    return sum(1 for c in contracts if not c["binding"])


async def pending_by_project(request: web.Request) -> list[dict[str, Any]]:
    svc, who = das(request), request[SESSION].principal
    out = []
    for p in (await svc.programme.list_projects(None))["projects"]:
        if p["status"] in ("validated", "active"):
            n = (await svc.programme.list_entries(who, None, p["id"], "pending", 1, 0))["total"]
            if n:
                out.append({"id": p["id"], "title": p["title"], "pending": n})
    return out


async def dashboard(request: web.Request, values: Values | None = None, errors: Errors | None = None,
                    error: str | None = None, which: str = "") -> web.StreamResponse:
    svc = das(request)
    values, errors = dict(values or {}), dict(errors or {})
    asked, asked_errors = check(request.query, (Fld("period", required=False, kind="period", max_len=10),), request)
    period = asked["period"] if asked["period"] and not asked_errors else last_quarter(svc)
    if values.get("period") and "period" not in errors:  # a refused form: the period it was sent for
        period = values["period"]
    if asked_errors and not errors:
        errors, values = asked_errors, asked
    values["period"] = values.get("period") or period
    p = pdas.parse_period(period)
    body, _leaves = await svc.summaries.summary_body(period)
    published = (await svc.summaries.list_summaries(period))["summaries"]
    q = request.query
    done = {k: q[k] for k in ("issued", "unchanged", "stale", "published") if q.get(k, "").isdigit()}
    return render(
        request, "office/dashboard.html.j2", status=400 if errors or error else 200,
        period=period, values=values, errors=errors, error=error, which=which,
        awaiting=await awaiting_consent(request), pending=await pending_by_project(request),
        issued=(await svc.statements.list_statements(None, period, 1, 0))["total"],
        persons=len((await svc.persons.list_persons(None))["persons"]),
        preview=body, cells=[(c, body[c]) for c in CELLS], groups=[(g, body[g]) for g in GROUPS],
        consents=[(kind, role, cell) for kind, roles in body["consents"].items() for role, cell in roles.items()],
        labels=LABELS, published=published, ended=p.end < svc.ctx.today(), period_end=p.end.isoformat(), done=done,
    )


async def dashboard_page(request: web.Request) -> web.StreamResponse:
    return await dashboard(request)


async def issue_statements(request: web.Request) -> web.StreamResponse:
    values, errors = await read(request, (PERIOD,))
    if errors:
        return await dashboard(request, values, errors, which="issue")
    try:
        out = await das(request).statements.issue_all(values["period"], False)
    except DemociteError as exc:
        return await dashboard(request, values, error=gettext(request)(exc.message), which="issue")
    raise web.HTTPSeeOther(with_lang(request, f"/office?period={out['period']}&issued={out['issued']}"
                                              f"&unchanged={out['unchanged']}&stale={out['changed_not_corrected']}"))


async def publish_summary(request: web.Request) -> web.StreamResponse:
    values, errors = await read(request, PUBLISH)
    if errors:
        return await dashboard(request, values, errors, which="publish")
    svc, _ = das(request), gettext(request)
    try:
        # the page said how many summaries of this period existed: a second click of the same
        # button (or a reload) finds one more and publishes nothing
        if len((await svc.summaries.list_summaries(values["period"]))["summaries"]) != int(values["seen"]):
            return await dashboard(request, values, error=_("This summary was already published: nothing more was published."),
                                   which="publish")
        out = await svc.summaries.publish_summary(values["period"])
    except DemociteError as exc:
        return await dashboard(request, values, error=_(exc.message), which="publish")
    raise web.HTTPSeeOther(with_lang(request, f"/office?period={out['period']}&published={out['seq']}"))


async def panel(request: web.Request) -> dict[str, Any] | None:
    return {"awaiting": await awaiting_consent(request), "pending": sum(p["pending"] for p in await pending_by_project(request))}


PAGES: list[Page] = [
    Page("GET", "/office", dashboard_page, A.STATEMENT_ISSUE),
    Page("POST", "/office/statements", issue_statements, A.STATEMENT_ISSUE),
    Page("POST", "/office/summary", publish_summary, A.SUMMARY_PUBLISH),
    *office_people.PAGES,
    *office_admin.PAGES,
]
PANELS: list[Panel] = [Panel(A.STATEMENT_ISSUE, "office.html.j2", panel, order=30)]
NAV: list[NavLink] = [
    NavLink(A.STATEMENT_ISSUE, "/office", N_("Dashboard"), order=30),
    NavLink(A.PERSON_MANAGE, "/office/persons", N_("Persons and employers"), order=31),
    NavLink(A.CONTRACT_MANAGE, "/office/contracts", N_("Contracts"), order=32),
    NavLink(A.PROJECT_MANAGE, "/office/projects", N_("Projects"), order=33),
    NavLink(A.LEDGER, "/office/import", N_("CSV import"), order=34),
    NavLink(A.ACCOUNT_MANAGE, "/office/accounts", N_("Accounts"), order=35),
]
