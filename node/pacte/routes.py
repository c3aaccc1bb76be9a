"""Admin API routes of Pactes 21 (`/api/pacte/...`): each one is a thin call into PacteService."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node.accounts.permissions import Action as A
from node.api.framework import Route, declare_path, node_of, principal_of
from node.errors import Invalid
from node.ids import parse_id
from node.pacte.service import PacteService
from node.pacte.views import history_csv
from protocol.kinds_pacte import ORG_KINDS
from protocol.schema import Field


def _svc(request: web.Request) -> PacteService:
    return PacteService(node_of(request), principal_of(request))


def _id(request: web.Request, what: str) -> bytes:
    return parse_id(request.match_info["id"], what)


async def create(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    pid = await _svc(request).create(
        body["title"], body["horizon"], body.get("vision", ""), body.get("scope", ""), body.get("start_year")
    )
    return {"id": pid.hex()}


async def list_pacts(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    return {"pacts": await _svc(request).all_pacts()}


async def show(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    return await _svc(request).show(_id(request, "pact"))


async def history(request: web.Request, body: dict[str, Any]) -> Any:
    rows = await _svc(request).history(_id(request, "pact"))
    fmt = body.get("format", "json")
    if fmt == "csv":
        return web.Response(text=history_csv(rows), content_type="text/csv", charset="utf-8")
    if fmt != "json":
        raise Invalid("format is json or csv")
    return {"pacte": request.match_info["id"], "records": rows}


async def partner(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    rid = await _svc(request).add_partner(
        _id(request, "pact"), body["org"], body["kind"], body.get("contact_role", ""), body.get("since", "")
    )
    return {"id": rid.hex(), "org": body["org"]}


async def taskforce(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    tid = await _svc(request).add_taskforce(
        _id(request, "pact"),
        body["mission"],
        body.get("criteria", []),
        body.get("budget", []),
        body.get("members", []),
        body.get("governance", ""),
    )
    return {"id": tid.hex()}


async def commitment(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    cid = await _svc(request).commit(
        _id(request, "task force"), body["partner"], body["deliverable"], body["due"], body.get("indicator", "")
    )
    return {"id": cid.hex(), "state": "proposed"}


async def transition(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    if body.get("by") is not None:
        raise Invalid("field 'by': the record names the acting account itself now; drop 'by' and act from the "
                      "organisation's partner account (or the office's)")
    rid = await _svc(request).transition(_id(request, "commitment"), body["to"], body.get("note", ""))
    return {"id": rid.hex(), "commitment": request.match_info["id"], "state": body["to"]}


async def salary_share(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    rid = await _svc(request).salary_share(
        _id(request, "pact"), body["partner"], body["share_bp"], body.get("payroll_cents", 0), body.get("year")
    )
    return {"id": rid.hex(), "partner": body["partner"], "share_bp": body["share_bp"]}


async def evaluation(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    measures: dict[bytes, dict[str, int]] = {}
    for tid, values in body.get("measures", {}).items():
        if not isinstance(values, dict) or not all(isinstance(v, int) and not isinstance(v, bool) for v in values.values()):
            raise Invalid("measures is {taskforce id: {indicator: integer value}}")
        measures[parse_id(tid, "task force")] = values
    spent: dict[bytes, int] = {}
    for tid, cents in body.get("spent_cents", {}).items():
        if not isinstance(cents, int) or isinstance(cents, bool) or cents < 0:
            raise Invalid("spent_cents is {taskforce id: non-negative integer cents}")
        spent[parse_id(tid, "task force")] = cents
    eid = await _svc(request).evaluate(
        _id(request, "pact"),
        body["year"],
        measures,
        spent,
        body["assessment"],
        body.get("adjustments", ""),
        bool(body.get("publish", False)),
    )
    return {"id": eid.hex(), "year": body["year"], "published": bool(body.get("publish", False))}


async def publish_evaluation(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    eid = await _svc(request).publish_evaluation(_id(request, "evaluation"))
    return {"id": eid.hex(), "published": True}


async def certificate(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    evidence = [parse_id(x, "evidence") for x in body["evidence"]]
    cid, credential = await _svc(request).issue_certificate(
        _id(request, "pact"), body["org"], evidence, body["until"], body.get("from", "")
    )
    return {"id": cid.hex(), "credential": credential}


async def renew(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    cid, credential = await _svc(request).renew_certificate(_id(request, "certificate"), body["until"])
    return {"id": cid.hex(), "renews": request.match_info["id"], "credential": credential}


async def revoke(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    rid = await _svc(request).revoke_certificate(_id(request, "certificate"), body["reason"])
    return {"id": rid.hex(), "certificate": request.match_info["id"], "status": "revoked"}


async def rebuild(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    return await _svc(request).rebuild()


_T = "pacte"
ROUTES = [
    Route(
        "POST",
        "/api/pacte",
        create,
        "Create a pact (title, horizon in years, optional vision, scope, first year)",
        body=(
            Field("title", str, max_len=200, min=1),
            Field("horizon", int, min=1, max=20),
            Field("vision", str, required=False, max_len=4000),
            Field("scope", str, required=False, max_len=400),
            Field("start_year", int, required=False, min=1900, max=9999),
        ),
        tag=_T, action=A.PACTE_MANAGE
    ),
    Route("GET", "/api/pacte", list_pacts, "Pacts held by this node (own and replicated)", tag=_T, action=A.PACTE_READ),
    Route("GET", "/api/pacte/{id}", show, "A pact's state: partners, task forces, indicators, commitments by state", tag=_T, action=A.PACTE_READ),
    Route(
        "GET",
        "/api/pacte/{id}/history",
        history,
        "A pact's full history (every record), as JSON or CSV",
        query=(Field("format", str, required=False, choices=frozenset({"json", "csv"})),),
        tag=_T,
        produces=("text/csv",), action=A.PACTE_READ
    ),
    Route(
        "POST",
        "/api/pacte/{id}/partners",
        partner,
        "Sign up a partner organisation (adhesion dated today unless `since`)",
        body=(
            Field("org", str, max_len=200, min=1),
            Field("kind", str, choices=ORG_KINDS),
            Field("contact_role", str, required=False, max_len=200),
            Field("since", str, required=False, max_len=10, format="date"),
        ),
        tag=_T, action=A.PACTE_MANAGE
    ),
    Route(
        "POST",
        "/api/pacte/{id}/taskforces",
        taskforce,
        "Create a task force: mission, criteria, budget plan, members, governance",
        body=(
            Field("mission", str, max_len=1000, min=1),
            Field("criteria", list, required=False, items=dict, max_len=64),
            Field("budget", list, required=False, items=dict, max_len=256),
            Field("members", list, required=False, items=str, max_len=256),
            Field("governance", str, required=False, max_len=4000),
        ),
        tag=_T, action=A.PACTE_MANAGE
    ),
    Route(
        "POST",
        "/api/pacte/taskforces/{id}/commitments",
        commitment,
        "Record a partner's commitment in a task force (state: proposed)",
        body=(
            Field("partner", str, max_len=200, min=1),
            Field("deliverable", str, max_len=1000, min=1),
            Field("due", str, max_len=10, format="date"),
            Field("indicator", str, required=False, max_len=200),
        ),
        tag=_T, action=A.PACTE_MANAGE
    ),
    Route(
        "POST",
        "/api/pacte/commitments/{id}/transition",
        transition,
        "Move a commitment to a new state, dated and attributed to the acting account (a partner: its own "
        "organisation's commitments); `by` is refused: the account is recorded",
        body=(
            Field("to", str, max_len=32),
            Field("by", str, required=False, max_len=200),
            Field("note", str, required=False, max_len=1000),
        ),
        tag=_T, action=A.PACTE_COMMIT
    ),
    Route(
        "POST",
        "/api/pacte/{id}/salary-shares",
        salary_share,
        "Record a partner's local-currency salary share (basis points, at most 1000 = 10%)",
        body=(
            Field("partner", str, max_len=200, min=1),
            Field("share_bp", int),
            Field("payroll_cents", int, required=False, min=0),
            Field("year", int, required=False, min=1900, max=9999),
        ),
        tag=_T, action=A.PACTE_MANAGE
    ),
    Route(
        "POST",
        "/api/pacte/{id}/evaluations",
        evaluation,
        "Save (or publish) the yearly evaluation workshop; a published evaluation is frozen",
        body=(
            Field("year", int, min=1900, max=9999),
            Field("measures", dict, required=False, max_len=64),
            Field("spent_cents", dict, required=False, max_len=64),
            Field("assessment", str, max_len=8000),
            Field("adjustments", str, required=False, max_len=8000),
            Field("publish", bool, required=False),
        ),
        tag=_T, action=A.PACTE_MANAGE
    ),
    Route("POST", "/api/pacte/evaluations/{id}/publish", publish_evaluation, "Publish (freeze) a draft evaluation", tag=_T, action=A.PACTE_MANAGE),
    Route(
        "POST",
        "/api/pacte/{id}/certificates",
        certificate,
        "Issue a Certificate of Territorial Utility (W3C VC, eddsa-jcs-2022) citing evidence",
        body=(
            Field("org", str, max_len=200, min=1),
            Field("evidence", list, items=str, max_len=64, min=1, format="hex64"),
            Field("until", str, max_len=10, format="date"),
            Field("from", str, required=False, max_len=10, format="date"),
        ),
        tag=_T, action=A.PACTE_MANAGE
    ),
    Route(
        "POST",
        "/api/pacte/certificates/{id}/renew",
        renew,
        "Renew a certificate with a new end date (the old one is marked renewed)",
        body=(Field("until", str, max_len=10, format="date"),),
        tag=_T, action=A.PACTE_MANAGE
    ),
    Route(
        "POST",
        "/api/pacte/certificates/{id}/revoke",
        revoke,
        "Revoke a certificate",
        body=(Field("reason", str, max_len=1000, min=1),),
        tag=_T, action=A.PACTE_MANAGE
    ),
    Route("POST", "/api/pacte/rebuild", rebuild, "Rebuild the pact tables from the logs alone", tag=_T, action=A.PACTE_MANAGE),
]
ROUTES = declare_path(ROUTES, Field("id", str, format="hex64"))  # every {id} is a record id
