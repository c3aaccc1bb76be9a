"""Pages of a person holding a DAS: home, record time, entries, statements, contract and profile, own data.

Every read and write goes through the DAS service with the signed-in account, as the admin routes
do: a person sees and records only their own rows (the service refuses others with 403). The
contract pages every party shares (accepting, flexibility, leave) are in `contract_pages`.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from federation.web import contract_pages
from federation.web.das_view import (
    N_,
    Refusal,
    das,
    date_text,
    formats,
    home_contracts,
    own_ref,
    text_field,
    who,
    whole,
    year_hours,
)
from federation.web.pages import NavLink, Page, Panel
from federation.web.templating import gettext, lang_of, render, with_lang
from node.accounts.permissions import Action, Role
from node.das import render as statement_render
from node.das import rules, scope
from protocol.errors import DemociteError

A = Action
PAGE_SIZE = 50
MAX_HOME_ENTRIES = 100_000  # a person's entries over a contract's years: a few hundred at most
NOTE_MAX = 500


async def home_panel(request: web.Request) -> dict[str, Any] | None:
    p = who(request)
    if p.role is not Role.PERSON:
        return None
    svc = das(request)
    year = svc.ctx.today().year
    ref = await own_ref(request)
    items = (await home_contracts(request))["contracts"]
    mine = await svc.programme.list_entries(p, None, None, None, MAX_HOME_ENTRIES, 0)
    balance = await svc.statements.balances(ref)
    return {"year": year, "hours": year_hours(items, mine["entries"], year), "balance": balance["balance_cents"],
            "pending": sum(1 for e in mine["entries"] if e["status"] == "pending"), "ref": ref, **formats(request)}


# -- recording time --------------------------------------------------------------------------


async def _record_context(request: web.Request) -> dict[str, Any]:
    """The projects this person may record on (open, and not someone else's individual project) and their agreed competences."""
    svc, p = das(request), who(request)
    me = await svc.persons.get_person(p, await own_ref(request))
    projects = [x for x in (await svc.programme.list_projects(None))["projects"]
                if x["status"] in ("validated", "active") and x["holder"] in (None, me["pseudonym"])]
    agreed = [x for x in me["profiles"] if x["status"] == "agreed"]
    competences = [c["competence"] for c in agreed[-1]["competences"]] if agreed else []
    last = await svc.programme.list_entries(p, None, None, None, 1, 0)
    newest = await svc.programme.list_entries(p, None, None, None, 1, max(0, last["total"] - 1))
    after = newest["entries"][-1]["id"] if newest["entries"] else 0
    return {"projects": projects, "competences": competences, "after": after}


async def record_form(request: web.Request) -> web.StreamResponse:
    ctx = await _record_context(request)
    values = {"project": request.query.get("project", ""), "date": das(request).ctx.today().isoformat(), "minutes": "",
              "competence": "", "note": "", "after": str(ctx["after"])}
    return render(request, "person/record.html.j2", values=values, errors={}, error=None, **ctx)


def _check_record(request: web.Request, form: Any, ctx: dict[str, Any], bad: Refusal) -> tuple[int, str, int, str | None, str]:
    pid = whole(text_field(form, "project", 12))
    if pid is None or pid not in {x["id"] for x in ctx["projects"]}:
        bad.add("project", N_("Choose one of the projects listed."))
    when = date_text(text_field(form, "date", 20))
    if when is None:
        bad.add("date", N_("Write the date as YYYY-MM-DD, for example 2026-03-14."))
    minutes = whole(text_field(form, "minutes", 12))
    if minutes is None or not 1 <= minutes <= rules.MAX_ENTRY_MINUTES:
        bad.add("minutes", N_("Write a whole number of minutes from 1 to {most} (12 hours)."), most=rules.MAX_ENTRY_MINUTES)
    competence = text_field(form, "competence", 300)
    if competence and competence not in ctx["competences"]:
        bad.add("competence", N_("Choose a competence of your agreed profile, or none."))
    note = str(form.get("note", ""))
    if len(note) > NOTE_MAX:
        bad.add("note", N_("A note is at most {most} characters."), most=NOTE_MAX)
    return pid or 0, when.isoformat() if when else "", minutes or 0, competence or None, note.strip()


async def _already_recorded(request: web.Request, after: int, project: int, date: str, minutes: int) -> bool:
    """The same form sent twice (a double click, a reload, the back button): an entry like it was recorded since the form was shown."""
    svc, p = das(request), who(request)
    total = (await svc.programme.list_entries(p, None, None, None, 1, 0))["total"]
    recent = await svc.programme.list_entries(p, None, None, None, PAGE_SIZE, max(0, total - PAGE_SIZE))
    return any(e["id"] > after and e["project"] == project and e["date"] == date and e["minutes"] == minutes for e in recent["entries"])


async def record(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    ctx = await _record_context(request)
    bad = Refusal(request)
    project, date, minutes, competence, note = _check_record(request, form, ctx, bad)
    after = whole(text_field(form, "after", 12)) or 0
    if not bad and await _already_recorded(request, after, project, date, minutes):
        raise web.HTTPSeeOther(with_lang(request, "/entries?again=1"))
    if not bad:
        try:
            done = await das(request).programme.add_entry(who(request), None, project, date, minutes, competence, note)
        except DemociteError as exc:
            bad.general = gettext(request)(exc.message)
        else:
            raise web.HTTPSeeOther(with_lang(request, f"/entries?recorded={done['id']}"))
    values = {k: str(form.get(k, ""))[:NOTE_MAX] for k in ("project", "date", "minutes", "competence", "note")}
    values["after"] = str(after)
    return render(request, "person/record.html.j2", status=400, values=values, errors=bad.fields, error=bad.general, **ctx)


# -- entries, statements ---------------------------------------------------------------------


async def entries_page(request: web.Request) -> web.StreamResponse:
    svc, p = das(request), who(request)
    total = (await svc.programme.list_entries(p, None, None, None, 1, 0))["total"]
    page = min(max(1, whole(request.query.get("page", "1")) or 1), max(1, -(-total // PAGE_SIZE)))
    start = max(0, total - page * PAGE_SIZE)  # newest first: page 1 is the last PAGE_SIZE entries
    count = total - (page - 1) * PAGE_SIZE - start
    rows = (await svc.programme.list_entries(p, None, None, None, max(1, count), start))["entries"] if count > 0 else []
    titles = {x["id"]: x["title"] for x in (await svc.programme.list_projects(None))["projects"]}
    return render(request, "person/entries.html.j2", entries=list(reversed(rows)), titles=titles, total=total, page=page,
                  more=start > 0, recorded=whole(request.query.get("recorded", "")), again=bool(request.query.get("again")),
                  **formats(request))


async def statements_page(request: web.Request) -> web.StreamResponse:
    svc = das(request)
    ref = await scope.person_ref(svc.ctx, who(request), None) if who(request).person_id is not None else None
    listing = await svc.statements.list_statements(ref, None, 200, 0) if ref else {"statements": []}
    return render(request, "person/statements.html.j2", statements=listing["statements"], **formats(request))


STATEMENT_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


async def statement(request: web.Request) -> web.StreamResponse:
    """One statement: the printable page (its own inline style, no script), or a CSV or JSON download."""
    number = whole(request.match_info["number"])
    if number is None or number < 1:
        raise web.HTTPNotFound()
    svc = das(request)
    await scope.statement(svc.ctx, who(request), number)
    st = await svc.statements.statement_json(number)
    fmt = request.query.get("format", "html")
    lang = lang_of(request)
    if fmt == "csv":
        return web.Response(text=statement_render.to_csv(st, lang), content_type="text/csv", charset="utf-8",
                            headers={"Content-Disposition": f'attachment; filename="statement-{number}.csv"'})
    if fmt == "json":
        return web.Response(text=json.dumps(st, ensure_ascii=False, indent=1), content_type="application/json", charset="utf-8",
                            headers={"Content-Disposition": f'attachment; filename="statement-{number}.json"'})
    return web.Response(text=statement_render.html(st, lang), content_type="text/html", charset="utf-8",
                        headers={"Content-Security-Policy": STATEMENT_CSP})


# -- own data, a person's record -------------------------------------------------------------


async def my_data(request: web.Request) -> web.StreamResponse:
    ref = await own_ref(request)
    return render(request, "person/my_data.html.j2", ref=ref)


async def my_data_export(request: web.Request) -> web.StreamResponse:
    data = await das(request).persons.export_person(who(request), await own_ref(request))
    return web.Response(text=json.dumps(data, ensure_ascii=False, indent=1, default=str), content_type="application/json",
                        charset="utf-8", headers={"Content-Disposition": 'attachment; filename="my-das-data.json"'})


async def person_record(request: web.Request) -> web.StreamResponse:
    """A person's record: their own for a person, anyone's for the office (403 page outside the scope, nothing shown)."""
    ref = request.match_info["ref"][:100]
    record_ = await das(request).persons.get_person(who(request), ref)
    return render(request, "person/record_view.html.j2", person=record_, **formats(request))


PAGES = [
    Page("GET", "/time/new", record_form, A.ENTRY_RECORD),
    Page("POST", "/time", record, A.ENTRY_RECORD),
    Page("GET", "/entries", entries_page, A.ENTRY_READ),
    Page("GET", "/statements", statements_page, A.STATEMENT_READ),
    Page("GET", "/statements/{number}", statement, A.STATEMENT_READ),
    Page("GET", "/my-data", my_data, A.PERSON_READ),
    Page("GET", "/my-data/export", my_data_export, A.PERSON_READ),
    Page("GET", "/persons/{ref}", person_record, A.PERSON_READ),
    *contract_pages.PAGES,
]
PANELS: list[Panel] = [Panel(A.ENTRY_RECORD, "person.html.j2", home_panel, order=20), *contract_pages.PANELS]
# a person's own links: LEAVE_REQUEST is the action only persons hold (the office records time too, but not its own)
NAV: list[NavLink] = [
    NavLink(A.LEAVE_REQUEST, "/time/new", N_("Record time"), order=10),
    NavLink(A.LEAVE_REQUEST, "/entries", N_("My entries"), order=11),
    NavLink(A.LEAVE_REQUEST, "/statements", N_("My statements"), order=12),
    NavLink(A.LEAVE_REQUEST, "/my-data", N_("My data"), order=14),
    *contract_pages.NAV,
]
