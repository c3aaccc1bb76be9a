"""The cooperation area's admin HTTP handlers and their `ROUTES`, mounted by `federation.runtime.admin_routes`.

Each handler reads the request, calls the domain module (`review`, `twinning`, `fund`, `evidence`:
no aiohttp there) and shapes the answer.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from federation.coop import evidence, fund, review, twinning
from federation.coop.members import names, resolve
from node.accounts.permissions import Action as A
from node.api.framework import Route, declare_path, node_of, principal_of
from node.errors import Invalid, NotFound
from node.ids import parse_id
from protocol.schema import Field
from protocol.twinning import State as TwinState


def _act(request: web.Request) -> dict[str, str]:
    """The acting account as the records it signs name it (pseudonymous id and role, never a name)."""
    return principal_of(request).act()


# -- peer review -----------------------------------------------------------------------------------


async def _review_request(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    node = node_of(request)
    reviewers = [await resolve(node, k, bool(body.get("unknown_key")), "reviewer territory") for k in body["reviewers"]]
    rid = await review.request_review(node, parse_id(body["target"]), reviewers, body["framework"], body.get("message") or "",
                                      _act(request))
    return {"id": rid.hex()}


async def _review_publish(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    node = node_of(request)
    scores = body["scores"]
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in scores.values()):
        raise Invalid("each score is an integer on the criterion's scale")
    rid = await review.publish_review(node, parse_id(body["target"]), body["framework"], scores, body["verdict"], body.get("comments") or "",
                                      _act(request))
    return {"id": rid.hex()}


async def _review_respond(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    node = node_of(request)
    return {"id": (await review.respond(node, parse_id(body["review"], "review"), body["text"], _act(request))).hex()}


async def _review_list(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    node = node_of(request)
    return await review.overview(node, await resolve(node, body["about"]) if body.get("about") else None)


async def _frameworks(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    return review.frameworks_json(node_of(request).config.data_dir)


async def _one_framework(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    fws = (await _frameworks(request, body))["frameworks"]
    for f in fws:
        if f["id"] == request.match_info["id"]:
            return dict(f)
    raise NotFound("no such review framework")


REVIEW_ROUTES = [
    Route("POST", "/api/review/request", _review_request,
          "Ask chosen peers (key, key prefix of 8+ hex, or name) to review one of this territory's records",
          body=(Field("target", str, max_len=64), Field("reviewers", list, items=str, max_len=32),
                Field("framework", str, max_len=64), Field("message", str, required=False, max_len=2000),
                Field("unknown_key", bool, required=False)), tag="cooperation", action=A.COOP_ACT),
    Route("POST", "/api/review", _review_publish, "Publish a review of another territory's record",
          body=(Field("target", str, max_len=64), Field("framework", str, max_len=64), Field("scores", dict, max_len=32),
                Field("verdict", str, max_len=32), Field("comments", str, required=False, max_len=4000)), tag="cooperation", action=A.COOP_ACT),
    Route("POST", "/api/review/respond", _review_respond, "Answer a review of this territory",
          body=(Field("review", str, max_len=64), Field("text", str, max_len=4000)), tag="cooperation", action=A.COOP_ACT),
    Route("GET", "/api/review", _review_list, "Reviews received and given, averages per criterion per year, requests waiting",
          query=(Field("about", str, required=False, max_len=200),), tag="cooperation", action=A.COOP_READ),
    Route("GET", "/api/review/frameworks", _frameworks, "Review frameworks this node knows", tag="cooperation", action=A.COOP_READ),
    Route("GET", "/api/review/frameworks/{id}", _one_framework, "One review framework", tag="cooperation", action=A.COOP_READ),
]

# -- twinning --------------------------------------------------------------------------------------


async def _twin_propose(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    node = node_of(request)
    partners = [await resolve(node, k, bool(body.get("unknown_key")), "partner territory") for k in body["with"]]
    tid = await twinning.propose(node, partners, body["title"], body["objectives"], body["until"], _act(request))
    return {"id": tid.hex(), "state": "proposed"}


async def _twin_list(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    node = node_of(request)
    who = await names(node)
    ts = sorted((await twinning.all_twinnings(node)).values(), key=lambda t: t.history[0]["ts"])
    return {"twinnings": [twinning.to_json(t, who) for t in ts if node.public_key in t.parties or body.get("all")]}


async def _twin_inbox(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    node = node_of(request)
    me = node.public_key
    who = await names(node)
    ts = await twinning.all_twinnings(node)
    waiting = [t for t in ts.values() if t.state is TwinState.PROPOSED and me in t.partners and me not in t.answers]
    reports = [t for t in ts.values() if t.state is TwinState.ACTIVE and any(me not in s for s in t.signatures.values())]
    return {"proposals": [twinning.to_json(t, who) for t in waiting], "reports_to_sign": [twinning.to_json(t, who) for t in reports]}


async def _twin_show(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    node = node_of(request)
    return twinning.to_json(await twinning.get(node, parse_id(request.match_info["id"], "twinning")), await names(node))


async def _twin_act(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    node = node_of(request)
    tid = parse_id(request.match_info["id"], "twinning")
    action = request.match_info["action"]
    if action == "report":
        t = await twinning.close_report(node, tid, body.get("text"), _act(request))
    elif action == "hours" and body.get("from_das") is not None:
        t = await twinning.hours_from_das(node, tid, body, _act(request))
    elif action in ("accept", "decline", "withdraw", "milestone", "hours"):
        fields = {k: v for k, v in body.items() if v is not None and k != "from_das"}
        t = await twinning.act(node, tid, f"twin.{action}", fields, _act(request))
    else:
        raise NotFound(f"no twinning action '{action[:32]}': use accept, decline, withdraw, milestone, hours or report")
    return twinning.to_json(t, await names(node))


TWIN_ROUTES = [
    Route(
        "POST",
        "/api/twin",
        _twin_propose,
        "Propose a twinning project to partner territories, each named by key, key prefix (8+ hex) or name "
        "(a key this node never heard of needs unknown_key)",
        body=(
            Field("with", list, items=str, max_len=16),
            Field("title", str, max_len=200),
            Field("objectives", str, max_len=4000),
            Field("until", str, max_len=10),
            Field("unknown_key", bool, required=False),
        ),
        tag="cooperation", action=A.COOP_ACT
    ),
    Route("GET", "/api/twin", _twin_list, "Twinnings this territory is part of (all=true: every one known)",
          query=(Field("all", bool, required=False),), tag="cooperation", action=A.COOP_READ),
    Route("GET", "/api/twin/inbox", _twin_inbox, "Proposals and closing reports waiting for this territory", tag="cooperation", action=A.COOP_READ),
    Route("GET", "/api/twin/{id}", _twin_show, "One twinning: state, parties, milestones, hours, reports, history", tag="cooperation", action=A.COOP_READ),
    Route(
        "POST",
        "/api/twin/{id}/{action}",
        _twin_act,
        "accept, decline (reason), withdraw (reason; the proposer, before every partner accepted), milestone (title, text), "
        "hours (minutes or from_das project, period), report (text; none: co-sign)",
        body=(
            Field("reason", str, required=False, max_len=2000),
            Field("title", str, required=False, max_len=200),
            Field("text", str, required=False, max_len=8000),
            Field("minutes", int, required=False, min=0, max=10**9),
            Field("period", str, required=False, max_len=32),
            Field("from_das", int, required=False, min=1),
        ),
        tag="cooperation", action=A.COOP_ACT
    ),
]

# -- the coresponsibility fund ---------------------------------------------------------------------


def _fid(body: dict[str, Any]) -> bytes | None:
    return parse_id(body["fund"], "fund") if body.get("fund") else None


async def _fund_create(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    fid = await fund.create(node_of(request), body["name"], body.get("currency") or "EUR", body.get("expiry_days") or 30, _act(request))
    return {"id": fid.hex()}


async def _fund_money(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    kind = "fund." + request.path.rsplit("/", 1)[-1]
    return {"id": (await fund.money(node_of(request), kind, _fid(body), body["amount"], _act(request))).hex()}


async def _fund_request(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    node = node_of(request)
    target = parse_id(body["for"]) if body.get("for") else None
    return {"id": (await fund.request_grant(node, _fid(body), body["amount"], body["purpose"], target, _act(request))).hex()}


async def _fund_approve(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    node = node_of(request)
    await fund.resume(node)
    return await fund.approve(node, parse_id(body["request"], "request"), _act(request))


async def _fund_ack(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    return {"id": (await fund.ack(node_of(request), parse_id(body["request"], "request"), _act(request))).hex()}


async def _fund_status(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    node = node_of(request)
    who = await names(node)
    funds = [await fund.state(node, _fid(body))] if body.get("fund") else list((await fund.states(node)).values())
    return {"funds": [fund.to_json(st, who, node.clock()) for st in funds]}


async def _fund_certificate(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    return await fund.certificate(node_of(request), parse_id(request.match_info["id"], "request"))


_FUND = Field("fund", str, required=False, max_len=64)
_AMOUNT = Field("amount", int, min=1, max=10**13)
FUND_ROUTES = [
    Route("POST", "/api/fund", _fund_create, "Create a coresponsibility fund with its rules",
          body=(Field("name", str, max_len=200), Field("currency", str, required=False, max_len=3),
                Field("expiry_days", int, required=False, min=1, max=3650)), tag="cooperation", action=A.COOP_ACT),
    Route("POST", "/api/fund/pledge", _fund_money, "Pledge a contribution (cents)", body=(_FUND, _AMOUNT), tag="cooperation", action=A.COOP_ACT),
    Route("POST", "/api/fund/contribute", _fund_money, "Confirm paying a contribution (cents)", body=(_FUND, _AMOUNT), tag="cooperation", action=A.COOP_ACT),
    Route("POST", "/api/fund/request", _fund_request, "Request a grant (cents), often for a twinning",
          body=(_FUND, _AMOUNT, Field("purpose", str, max_len=2000), Field("for", str, required=False, max_len=64)), tag="cooperation", action=A.COOP_ACT),
    Route("POST", "/api/fund/approve", _fund_approve, "Approve a grant request (stored durably before it is signed)",
          body=(Field("request", str, max_len=64),), tag="cooperation", action=A.COOP_ACT),
    Route("POST", "/api/fund/ack", _fund_ack, "The grantee acknowledges receiving a certified grant",
          body=(Field("request", str, max_len=64),), tag="cooperation", action=A.COOP_ACT),
    Route("GET", "/api/fund", _fund_status, "Fund figures per member and in total, grants, pending requests, equivocations",
          query=(_FUND,), tag="cooperation", action=A.COOP_READ),
    Route("GET", "/api/fund/grants/{id}/certificate", _fund_certificate, "A certified grant's signed records, verified",
          tag="cooperation", action=A.COOP_READ),
]

# -- fork evidence ---------------------------------------------------------------------------------


async def _evidence_publish(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    return {"published": await evidence.publish_evidence(node_of(request), _act(request))}


EVIDENCE_ROUTES = [
    Route("POST", "/api/forks/evidence", _evidence_publish, "Publish an evidence.fork record for each fork proof held and not yet claimed",
          tag="network", action=A.COOP_ACT),
]

# twinning and grant ids are record ids; a review framework's id is a name, a twinning action a
# word its handler checks (both left as text)
_ID = Field("id", str, format="hex64")
ROUTES = [*REVIEW_ROUTES, *declare_path([*TWIN_ROUTES, *FUND_ROUTES], _ID), *EVIDENCE_ROUTES]
