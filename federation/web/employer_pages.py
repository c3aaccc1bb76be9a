"""Pages of an employer's representative: its persons' hours (pseudonyms and hours only, never
projects or causes: the employer's view is purpose-limited), contracts and flexibility agreements
to accept, and DAS leave requests to approve or refuse. The office may open any employer's page."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from federation.web.das_view import N_, Refusal, awaiting, contracts, das, formats, text_field, who, whole
from federation.web.pages import NavLink, Page, Panel
from federation.web.templating import render, with_lang
from node.accounts.permissions import Action, Role
from node.errors import Conflict, Invalid

A = Action
REASON_MAX = 500


def _totals(employees: list[dict[str, Any]]) -> dict[str, int]:
    granted = sum(e["granted_minutes"] for e in employees)
    used = sum(e["used_minutes"] for e in employees)
    return {"persons": len({e["person"] for e in employees}), "granted": granted, "used": used, "left": granted - used}


async def _flex_waiting(request: web.Request, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Flexibility moves the person proposed on the employer's contracts, waiting for the employer."""
    out = []
    for c in items:
        history = await das(request).persons.contract_history(who(request), c["id"])
        out += [m | {"person": c["person"]} for m in history["flexibility"] if m["status"] == "proposed" and "employer" not in m["parties"]]
    return out


async def employer_panel(request: web.Request) -> dict[str, Any] | None:
    p = who(request)
    if p.role is not Role.EMPLOYER or p.employer_id is None:
        return None
    view = await das(request).persons.employer_view(p, str(p.employer_id), None)
    leave = await das(request).leave.list(p, None, None, "requested")
    items = (await contracts(request))["contracts"]
    return {"year": view["period"], "totals": _totals(view["employees"]), "to_accept": len(awaiting(items, p)),
            "leave": len(leave["leave"]), **formats(request)}


async def employer_page(request: web.Request, status: int = 200, errors: dict[str, str] | None = None,
                        reasons: dict[str, str] | None = None) -> web.StreamResponse:
    p, svc = who(request), das(request)
    # an employer's own page; another employer's (asked for by ?employer=) is refused by the service, 403
    ref = request.query.get("employer", "")[:100] or (str(p.employer_id) if p.employer_id is not None else "")
    if not ref:  # the office: one employer at a time, chosen from the list
        employers = (await svc.persons.list_employers())["employers"] if p.staff else []
        return render(request, "employer/choose.html.j2", employers=employers)
    year = request.query.get("year", "")
    view = await svc.persons.employer_view(p, ref, year if len(year) == 4 and year.isdigit() else None)
    items = [c for c in (await contracts(request))["contracts"] if p.role is Role.EMPLOYER]
    leave = (await svc.leave.list(p, None, None, "requested"))["leave"] if p.role is Role.EMPLOYER else []
    return render(request, "employer/employer.html.j2", status=status, view=view, totals=_totals(view["employees"]),
                  to_accept=awaiting(items, p), flex=await _flex_waiting(request, items), leave=leave, errors=errors or {},
                  reasons=reasons or {}, **formats(request))


async def leave_decide(request: web.Request) -> web.StreamResponse:
    lid = whole(request.match_info["id"])
    if lid is None or lid < 1:
        raise web.HTTPNotFound()
    form = await request.post()
    decision, reason = text_field(form, "decision", 10), str(form.get("reason", ""))
    bad = Refusal(request)
    if decision not in ("approve", "refuse"):
        raise Invalid("field 'decision': approve or refuse")
    if decision == "refuse" and not reason.strip():
        bad.add(f"reason-{lid}", N_("Say why the leave is refused."))
    elif len(reason) > REASON_MAX:
        bad.add(f"reason-{lid}", N_("A reason is at most {most} characters."), most=REASON_MAX)
    if bad:
        return await employer_page(request, 400, bad.fields, {str(lid): reason[:REASON_MAX]})
    try:
        await das(request).leave.decide(who(request), lid, decision == "approve", reason.strip())
    except Conflict:  # already decided: the same form sent twice changes nothing
        pass
    raise web.HTTPSeeOther(with_lang(request, "/employer"))


PAGES = [
    Page("GET", "/employer", employer_page, A.EMPLOYER_VIEW),
    Page("POST", "/employer/leave/{id}", leave_decide, A.LEAVE_DECIDE),
]
PANELS: list[Panel] = [Panel(A.EMPLOYER_VIEW, "employer.html.j2", employer_panel, order=20)]
NAV: list[NavLink] = [NavLink(A.EMPLOYER_VIEW, "/employer", N_("Employees' hours"), order=20)]
