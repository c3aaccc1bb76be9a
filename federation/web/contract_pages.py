"""The DAS contract as its parties see it, one page for all of them: the person, the employer's
representative and the Engagement 21 office each open /contracts/{no} and accept it from their own
session (the service decides which party the account speaks for and refuses anyone else with 403).
The same pages carry flexibility moves to agree, the person's competence profile to accept, and
leave requests on a contract taken as leave days. Part of the person's area (`person_pages`)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from federation.web.das_view import (
    N_,
    Refusal,
    awaiting,
    contracts,
    das,
    date_text,
    formats,
    home_contracts,
    own_ref,
    party,
    text_field,
    who,
    whole,
)
from federation.web.pages import NavLink, Page, Panel
from federation.web.templating import gettext, render, with_lang
from node.accounts.permissions import Action, Role
from node.das import leave as leave_rules
from protocol.errors import DemociteError

A = Action
PANEL_ROWS = 20


def _no(request: web.Request, name: str = "no") -> int:
    n = whole(request.match_info[name])
    if n is None or n < 1:
        raise web.HTTPNotFound()
    return n


async def awaiting_panel(request: web.Request) -> dict[str, Any] | None:
    """Contracts waiting for this account's acceptance (a person's own, an employer's employees'), on its home page."""
    p = who(request)
    if p.staff or p.role not in (Role.PERSON, Role.EMPLOYER):
        return None
    items = awaiting((await home_contracts(request))["contracts"], p)
    return {"contracts": items[:PANEL_ROWS], "more": max(0, len(items) - PANEL_ROWS), "office": False, **formats(request)} if items else None


async def office_panel(request: web.Request) -> dict[str, Any] | None:
    """The office's home: contracts every other party accepted or not, still waiting for the office's acceptance."""
    p = who(request)
    if not p.staff:
        return None
    items = awaiting((await contracts(request))["contracts"], p)
    return {"contracts": items[:PANEL_ROWS], "more": max(0, len(items) - PANEL_ROWS), "office": True, **formats(request)}


async def contracts_page(request: web.Request) -> web.StreamResponse:
    p = who(request)
    items = (await contracts(request))["contracts"]
    if p.staff:  # every contract of the territory would be a long page: the office sees what waits for someone
        items = [c for c in items if c["missing_acceptances"]]
    profile = None
    if p.role is Role.PERSON:
        me = await das(request).persons.get_person(p, await own_ref(request))
        profile = me["profiles"][-1] if me["profiles"] else None
    return render(request, "person/contracts.html.j2", contracts=items, profile=profile, mine=party(p), staff=p.staff,
                  **formats(request))


async def contract_page(request: web.Request, status: int = 200, errors: dict[str, str] | None = None, error: str | None = None,
                        values: dict[str, str] | None = None) -> web.StreamResponse:
    no, p = _no(request), who(request)
    svc = das(request)
    history = await svc.persons.contract_history(p, no)  # 403 for anyone who is not a party of it
    current = next((v for v in history["versions"] if not v["superseded"]), history["versions"][-1])
    mine = party(p)
    leave = None
    if current["mode"] == "leave":
        leave = (await svc.leave.list(p, None, no, None))["leave"]
    return render(request, "person/contract.html.j2", status=status, no=no, c=current, versions=history["versions"],
                  flex=history["flexibility"], mine=mine, leave=leave, may_request=p.role is Role.PERSON and current["binding"],
                  errors=errors or {}, error=error, values=values or {"from": "", "days": "", "note": ""},
                  accepted=request.query.get("accepted") == "1", **formats(request))


async def accept(request: web.Request) -> web.StreamResponse:
    no = _no(request)
    await das(request).consent.accept_contract(who(request), no, None, None)  # accepting twice changes nothing
    raise web.HTTPSeeOther(with_lang(request, f"/contracts/{no}?accepted=1"))


async def flex_accept(request: web.Request) -> web.StreamResponse:
    no, fid = _no(request), _no(request, "id")
    try:
        await das(request).consent.accept_flex(who(request), no, fid, None)
    except DemociteError as exc:
        return await contract_page(request, 409 if exc.code == "conflict" else 400, error=gettext(request)(exc.message))
    raise web.HTTPSeeOther(with_lang(request, f"/contracts/{no}"))


async def profile_accept(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    version = whole(text_field(form, "version", 9))
    try:
        await das(request).consent.accept_profile(who(request), await own_ref(request), version, None, None)
    except DemociteError as exc:
        if exc.code != "conflict":  # already agreed (a second click): nothing to do
            raise
    raise web.HTTPSeeOther(with_lang(request, "/contracts"))


async def leave_request(request: web.Request) -> web.StreamResponse:
    no = _no(request)
    form = await request.post()
    bad = Refusal(request)
    start = date_text(text_field(form, "from", 20))
    if start is None:
        bad.add("from", N_("Write the date as YYYY-MM-DD, for example 2026-03-14."))
    days = whole(text_field(form, "days", 9))
    if days is None or not 1 <= days <= leave_rules.MAX_LEAVE_DAYS:
        bad.add("days", N_("Write a whole number of days from 1 to {most}."), most=leave_rules.MAX_LEAVE_DAYS)
    note = text_field(form, "note", 500)
    if not bad and start is not None:
        try:
            await das(request).leave.request(who(request), no, start.isoformat(), None, days, note)
        except DemociteError as exc:
            if exc.code in ("forbidden", "not_permitted", "not_found"):
                raise
            bad.general = gettext(request)(exc.message)
        else:
            raise web.HTTPSeeOther(with_lang(request, f"/contracts/{no}"))
    values = {k: str(form.get(k, ""))[:500] for k in ("from", "days", "note")}
    return await contract_page(request, 400, bad.fields, bad.general, values)


PAGES = [
    Page("GET", "/contracts", contracts_page, A.CONTRACT_READ),
    Page("GET", "/contracts/{no}", contract_page, A.CONTRACT_READ),
    Page("POST", "/contracts/{no}/accept", accept, A.CONTRACT_ACCEPT),
    Page("POST", "/contracts/{no}/flex/{id}/accept", flex_accept, A.FLEX_AGREE),
    Page("POST", "/contracts/{no}/leave", leave_request, A.LEAVE_REQUEST),
    Page("POST", "/profile/accept", profile_accept, A.PROFILE_AGREE),
]
PANELS = [
    Panel(A.CONTRACT_ACCEPT, "contracts_awaiting.html.j2", awaiting_panel, order=5),
    Panel(A.CONTRACT_MANAGE, "contracts_awaiting.html.j2", office_panel, order=5),
]
NAV = [NavLink(A.CONTRACT_READ, "/contracts", N_("Contracts"), order=13)]
