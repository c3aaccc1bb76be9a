"""Pages of a coordinator: the queue of pending entries of their projects, validated or rejected
(with a reason) one by one or as a selection. The service checks each entry is of the account's
projects (the office, which may decide any entry, sees the whole territory's queue)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from federation.web.das_view import N_, Refusal, das, formats, text_field, who, whole
from federation.web.pages import NavLink, Page, Panel
from federation.web.templating import render, with_lang
from node.accounts.permissions import Action, Role
from protocol.errors import DemociteError

A = Action
QUEUE_ROWS = 200
REASON_MAX = 500


async def queue_panel(request: web.Request) -> dict[str, Any] | None:
    p = who(request)
    if p.role is not Role.COORDINATOR:
        return None
    pending = await das(request).programme.list_entries(p, None, None, "pending", 1, 0)
    return {"pending": pending["total"], "projects": len(p.projects)}


async def queue_page(request: web.Request, status: int = 200, errors: dict[str, str] | None = None, error: str | None = None,
                     reasons: dict[str, str] | None = None, selected: frozenset[int] = frozenset()) -> web.StreamResponse:
    svc, p = das(request), who(request)
    listing = await svc.programme.list_entries(p, None, None, "pending", QUEUE_ROWS, 0)
    titles = {x["id"]: x["title"] for x in (await svc.programme.list_projects(None))["projects"]}
    q = request.query
    done = {k: whole(q.get(k, "")) or 0 for k in ("validated", "rejected", "skipped")}
    return render(request, "coordinator/queue.html.j2", status=status, entries=listing["entries"], total=listing["total"],
                  titles=titles, errors=errors or {}, error=error, reasons=reasons or {}, selected=selected, done=done,
                  **formats(request))


async def _decide(request: web.Request, ids: list[int], approve: bool, reason: str) -> tuple[dict[str, int], list[DemociteError]]:
    """Each entry decided on its own: one already decided (a second click) or outside the account's projects is skipped."""
    done, refused = {"validated": 0, "rejected": 0, "skipped": 0}, []
    for eid in ids:
        try:
            await das(request).programme.review_entry(who(request), eid, approve, reason)
        except DemociteError as exc:
            done["skipped"] += 1
            refused.append(exc)
        else:
            done["validated" if approve else "rejected"] += 1
    return done, refused


def _after(request: web.Request, done: dict[str, int]) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(with_lang(request, "/queue?" + "&".join(f"{k}={v}" for k, v in done.items())))


async def decide_one(request: web.Request) -> web.StreamResponse:
    eid = whole(request.match_info["id"])
    if eid is None or eid < 1:
        raise web.HTTPNotFound()
    form = await request.post()
    decision, reason = text_field(form, "decision", 10), str(form.get("reason", ""))
    bad = Refusal(request)
    if decision not in ("validate", "reject"):
        bad.refuse(N_("Choose Validate or Reject."))
    elif decision == "reject" and not reason.strip():
        bad.add(f"reason-{eid}", N_("Say why the time is rejected, so the person can correct it."))
    elif len(reason) > REASON_MAX:
        bad.add(f"reason-{eid}", N_("A reason is at most {most} characters."), most=REASON_MAX)
    if bad:
        return await queue_page(request, 400, bad.fields, bad.general, {str(eid): reason[:REASON_MAX]})
    done, refused = await _decide(request, [eid], decision == "validate", reason.strip())
    for exc in refused:  # another project's entry is a 403 page; one already decided (a second click) is only counted
        if exc.code != "conflict":
            raise exc
    raise _after(request, done)


async def decide_many(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    ids = [n for n in (whole(str(v)) for v in form.getall("entry", [])) if n]
    decision, reason = text_field(form, "decision", 10), str(form.get("reason", ""))
    bad = Refusal(request)
    if not ids:
        bad.add("selection", N_("Select at least one entry."))
    if decision not in ("validate", "reject"):
        bad.refuse(N_("Choose Validate or Reject."))
    elif decision == "reject" and not reason.strip():
        bad.add("reason", N_("Say why the time is rejected, so the person can correct it."))
    elif len(reason) > REASON_MAX:
        bad.add("reason", N_("A reason is at most {most} characters."), most=REASON_MAX)
    if bad:
        return await queue_page(request, 400, bad.fields, bad.general, {"all": reason[:REASON_MAX]}, frozenset(ids))
    done, _refused = await _decide(request, ids[:QUEUE_ROWS], decision == "validate", reason.strip())
    raise _after(request, done)


PAGES = [
    Page("GET", "/queue", queue_page, A.ENTRY_DECIDE),
    Page("POST", "/queue", decide_many, A.ENTRY_DECIDE),
    Page("POST", "/queue/{id}", decide_one, A.ENTRY_DECIDE),
]
PANELS: list[Panel] = [Panel(A.ENTRY_DECIDE, "coordinator.html.j2", queue_panel, order=20)]
NAV: list[NavLink] = [NavLink(A.ENTRY_DECIDE, "/queue", N_("Pending queue"), order=20)]
