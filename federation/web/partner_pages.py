"""Pages of a Pacte partner: its organisation's pacts and commitments (accept, report progress) and
its certificates (view, verify). Every act goes through `PacteService` with the signed-in account,
as `POST /api/pacte/commitments/{id}/transition` does: a partner moves only its own organisation's
commitments (403 otherwise), and the record names the account."""

from __future__ import annotations

import datetime
import json
from typing import Any

from aiohttp import web

from federation.web.keys import SESSION
from federation.web.pages import NavLink, Page, Panel
from federation.web.templating import gettext, render, with_lang
from node.accounts.permissions import Action
from node.accounts.principal import Principal
from node.api.framework import node_of
from node.errors import Invalid, NotFound
from node.ids import parse_id
from node.pacte.service import PacteService
from protocol.credential import CredentialError, parse, verify_credential
from protocol.errors import ProtocolError
from protocol.pacte import TRANSITIONS, CommitmentState

A = Action


def N_(text: str) -> str:
    return text


# the words shown for states (extracted for the catalog by N_)
STATES = {"proposed": N_("proposed"), "accepted": N_("accepted"), "in_progress": N_("in progress"), "met": N_("met"),
          "missed": N_("missed"), "withdrawn": N_("withdrawn")}
CERT_STATES = {"valid": N_("valid"), "renewed": N_("renewed"), "revoked": N_("revoked")}
NOTE_MAX = 1000  # the transition route's limit on a note
ACCEPT = "accepted"


def _svc(request: web.Request) -> PacteService:
    return PacteService(node_of(request), request[SESSION].principal)


def next_steps(state: str) -> list[str]:
    """The states a progress report may move a commitment to (accepting has its own button)."""
    return sorted(e.value for (s, e) in TRANSITIONS if s.value == state and e.value != ACCEPT)


async def my_pacts(request: web.Request) -> list[dict[str, Any]]:
    """The pacts this account's organisation takes part in, each with only its commitments."""
    svc, who = _svc(request), request[SESSION].principal
    out = []
    for p in await svc.all_pacts():
        pact = await svc.show(bytes.fromhex(p["id"]))
        if not who.staff and not any(who.may_org(x["org"]) for x in pact["partners"]):
            continue
        commitments = [{**c, "steps": next_steps(c["state"])} for state in pact["commitments"].values() for c in state
                       if who.may_org(c["partner"].strip())]
        certificates = [c for c in pact["certificates"] if who.may_org(c["org"])]
        out.append({"id": pact["id"], "title": pact["title"], "years": pact["years"], "own": p["own"],
                    "commitments": sorted(commitments, key=lambda c: (c["due"], c["id"])), "certificates": certificates})
    return out


async def partner_home(request: web.Request, errors: dict[str, dict[str, str]] | None = None,
                       kept: dict[str, dict[str, str]] | None = None) -> web.StreamResponse:
    return render(request, "partner/pacts.html.j2", status=400 if errors else 200, pacts=await my_pacts(request),
                  errors=errors or {}, kept=kept or {}, done=request.query.get("done", ""), note_max=NOTE_MAX,
                  states=STATES, cert_states=CERT_STATES)


def _cid(request: web.Request) -> bytes:
    return parse_id(request.match_info["id"], "commitment")


async def _state_of(request: web.Request, cid: bytes) -> str | None:
    for pact in await my_pacts(request):
        for c in pact["commitments"]:
            if c["id"] == cid.hex():
                return str(c["state"])
    return None


async def accept(request: web.Request) -> web.StreamResponse:
    cid = _cid(request)
    if await _state_of(request, cid) == ACCEPT:  # the same form sent twice: accepted once, nothing more
        raise web.HTTPSeeOther(with_lang(request, "/partner?done=accepted"))
    try:
        await _svc(request).transition(cid, ACCEPT)
    except (Invalid, ProtocolError) as exc:
        _ = gettext(request)
        return await partner_home(request, errors={cid.hex(): {"accept": _(exc.message)}})
    raise web.HTTPSeeOther(with_lang(request, "/partner?done=accepted"))


async def progress(request: web.Request) -> web.StreamResponse:
    cid = _cid(request)
    form = await request.post()
    to, note = str(form.get("to", "")).strip(), str(form.get("note", "")).strip()
    kept = {cid.hex(): {"to": to[:32], "note": note[:NOTE_MAX * 2]}}
    _ = gettext(request)
    state = await _state_of(request, cid)
    if state is None:  # not among this account's commitments: the service says 403 (another organisation's) or 404
        await _svc(request).transition(cid, to, note)
    errors: dict[str, str] = {}
    if state is not None and to not in next_steps(state):
        if to == state:  # the same report sent twice: recorded once
            raise web.HTTPSeeOther(with_lang(request, "/partner?done=progress"))
        errors["to"] = _("Choose the new state among those offered.")
    if not note:
        errors["note"] = _("Write what was done: the note is required.")
    elif len(note) > NOTE_MAX:
        errors["note"] = _("The note is at most {n} characters.").format(n=NOTE_MAX)
    if not errors:
        try:
            await _svc(request).transition(cid, to, note)  # a commitment of another organisation: 403 here
        except (Invalid, ProtocolError) as exc:
            errors["to"] = _(exc.message)
    if errors:
        return await partner_home(request, errors={cid.hex(): errors}, kept=kept)
    raise web.HTTPSeeOther(with_lang(request, "/partner?done=progress"))


async def _certificate(request: web.Request) -> tuple[dict[str, Any], dict[str, Any]]:
    """The certificate's row and its credential, if it certifies this account's organisation."""
    cert_id = parse_id(request.match_info["id"], "certificate")
    who: Principal = request[SESSION].principal
    svc = _svc(request)
    for p in await svc.all_pacts():
        for c in (await svc.show(bytes.fromhex(p["id"])))["certificates"]:
            if c["id"] == cert_id.hex():
                if not who.may_org(c["org"]):
                    raise who.refuse("certificate")
                rec = await node_of(request).logs.record_by_id(cert_id)
                if rec is None:
                    break
                return {**c, "pact": p["title"]}, parse(str(rec.body["credential"]))
    raise NotFound("no certificate with this id on this node")


async def certificate_page(request: web.Request) -> web.StreamResponse:
    cert, credential = await _certificate(request)
    return render(request, "partner/certificate.html.j2", cert=cert, credential=json.dumps(credential, indent=2, ensure_ascii=False),
                  verified=None, cert_states=CERT_STATES)


async def certificate_verify(request: web.Request) -> web.StreamResponse:
    """The certificate checked as anyone would check it offline (`democite verify`): signature, issuer, dates."""
    cert, credential = await _certificate(request)
    today = datetime.datetime.fromtimestamp(node_of(request).clock() / 1000, datetime.UTC).date().isoformat()
    try:
        verify_credential(credential, today)
        verified: dict[str, Any] = {"ok": True, "reason": ""}
    except CredentialError as exc:
        verified = {"ok": False, "reason": exc.message}
    return render(request, "partner/certificate.html.j2", cert=cert, credential=json.dumps(credential, indent=2, ensure_ascii=False),
                  verified=verified, cert_states=CERT_STATES)


async def certificate_file(request: web.Request) -> web.StreamResponse:
    cert, credential = await _certificate(request)
    return web.Response(text=json.dumps(credential, indent=2, ensure_ascii=False), content_type="application/json", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="certificate-{cert["id"][:16]}.json"'})


async def waiting_panel(request: web.Request) -> dict[str, Any] | None:
    """A partner's home: the commitments proposed to its organisation, waiting for its acceptance."""
    who = request[SESSION].principal
    if who.staff:
        return None  # the office's home has its own dashboard
    waiting = [{**c, "pact": p["title"]} for p in await my_pacts(request) for c in p["commitments"]
               if c["state"] == CommitmentState.PROPOSED.value]
    return {"waiting": waiting, "org": who.org or ""}


PAGES = [
    Page("GET", "/partner", partner_home, A.PACTE_COMMIT),
    Page("POST", "/partner/commitments/{id}/accept", accept, A.PACTE_COMMIT),
    Page("POST", "/partner/commitments/{id}/progress", progress, A.PACTE_COMMIT),
    Page("GET", "/partner/certificates/{id}", certificate_page, A.PACTE_COMMIT),
    Page("GET", "/partner/certificates/{id}/verify", certificate_verify, A.PACTE_COMMIT),
    Page("GET", "/partner/certificates/{id}/credential.json", certificate_file, A.PACTE_COMMIT),
]
PANELS = [Panel(A.PACTE_COMMIT, "partner.html.j2", waiting_panel, order=20)]
NAV = [NavLink(A.PACTE_COMMIT, "/partner", "Pacts and commitments", order=60)]

