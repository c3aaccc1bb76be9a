"""Twinning projects between territories: propose, answer, report work, close; and their admin routes.

Each action is a record in the actor's own log; sync carries it to the other parties and every
node folds the same records into the same state (`protocol.twinning`).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from federation.coop.members import load_entries, names, resolve
from node.api.framework import Route, node_of
from node.das.service import DasService
from node.errors import Invalid, NotFound
from node.ids import parse_id
from node.service import Node
from protocol import twinning
from protocol.errors import ProtocolError
from protocol.schema import Field

KINDS = ["twin.*"]


async def all_twinnings(node: Node) -> dict[bytes, twinning.Twinning]:
    return twinning.fold_all(await load_entries(node, KINDS))


async def get(node: Node, tid: bytes) -> twinning.Twinning:
    t = (await all_twinnings(node)).get(tid)
    if t is None:
        raise NotFound("no twinning with this id here: sync with its proposer (`democite sync`), then retry")
    return t


async def propose(node: Node, partners: list[bytes], title: str, objectives: str, until: str) -> bytes:
    body = {"partners": partners, "title": title.strip(), "objectives": objectives.strip(), "until": until.strip()}
    try:
        twinning.check_proposal(node.public_key, body)
    except ProtocolError as exc:
        raise Invalid(exc.message) from None
    return (await node.publish("twin.propose", body)).id


async def act(node: Node, tid: bytes, kind: str, body: dict[str, Any]) -> twinning.Twinning:
    """Check the action against the current state, publish it, return the new state."""
    t = await get(node, tid)
    twinning.check_action(t, node.public_key, kind, body)
    await node.publish(kind, {**body, "proposal": tid})
    return await get(node, tid)


async def close_report(node: Node, tid: bytes, text: str | None) -> twinning.Twinning:
    """With text: write the closing report. Without: co-sign the report another party wrote."""
    if text:
        return await act(node, tid, "twin.report", {"text": text})
    t = await get(node, tid)
    unsigned = [r for r, who in t.signatures.items() if node.public_key not in who]
    if not unsigned:
        raise Invalid("no closing report waits for this territory's signature: write one with --text")
    return await act(node, tid, "twin.cosign", {"report": sorted(unsigned)[0]})


async def hours_from_das(node: Node, tid: bytes, body: dict[str, Any]) -> twinning.Twinning:
    """Report the validated DAS minutes given to a local project in a period, as one aggregate.

    Only the total leaves the node, and only when at least k persons contributed (das.k_anonymity)."""
    if body.get("minutes") is not None:
        raise Invalid("give either 'minutes' or 'from_das' (a local DAS project id), not both")
    if not body.get("period"):
        raise Invalid("field 'period' is required with 'from_das', e.g. 2026-Q1 or 2026")
    # an unknown twinning, or one that cannot take hours now, is reported before any DAS data is read
    twinning.check_action(await get(node, tid), node.public_key, "twin.hours", {"minutes": 0, "period": body["period"]})
    agg = await DasService(node).project_aggregate(body["from_das"], body["period"])
    return await act(node, tid, "twin.hours", {"minutes": agg["minutes"], "period": agg["period"]})


def to_json(t: twinning.Twinning, who: dict[bytes, str]) -> dict[str, Any]:
    def party(k: bytes) -> dict[str, str]:
        return {"key": k.hex(), "name": who.get(k, "")}

    return {
        "id": t.id.hex(),
        "state": t.state.value,
        "title": t.title,
        "objectives": t.objectives,
        "until": t.until,
        "proposer": party(t.proposer),
        "partners": [{**party(p), "answer": t.answers.get(p, "pending")} for p in t.partners],
        "milestones": [{**m, "id": m["id"].hex(), "author": m["author"].hex()} for m in t.milestones],
        "hours": {k.hex(): {"minutes": v, "hours": f"{v // 60}:{v % 60:02d}"} for k, v in sorted(t.minutes.items())},
        "reports": [
            {"id": r.hex(), "author": a.hex(), "signed_by": sorted(s.hex() for s in t.signatures[r]), "closing": r == t.closing_report}
            for r, a in t.reports.items()
        ],
        "history": [{**h, "id": h["id"].hex(), "author": h["author"].hex()} for h in t.history],
        "ignored": [{**h, "id": h["id"].hex(), "author": h["author"].hex()} for h in t.ignored],
    }


# -- admin routes ----------------------------------------------------------------------------------


async def _propose(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    node = node_of(request)
    partners = [await resolve(node, k, bool(body.get("unknown_key")), "partner territory") for k in body["with"]]
    tid = await propose(node, partners, body["title"], body["objectives"], body["until"])
    return {"id": tid.hex(), "state": "proposed"}


async def _list(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    node = node_of(request)
    who = await names(node)
    ts = sorted((await all_twinnings(node)).values(), key=lambda t: t.history[0]["ts"])
    return {"twinnings": [to_json(t, who) for t in ts if node.public_key in t.parties or body.get("all")]}


async def _inbox(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    node = node_of(request)
    me = node.public_key
    who = await names(node)
    ts = await all_twinnings(node)
    waiting = [t for t in ts.values() if t.state is twinning.State.PROPOSED and me in t.partners and me not in t.answers]
    reports = [t for t in ts.values() if t.state is twinning.State.ACTIVE and any(me not in s for s in t.signatures.values())]
    return {"proposals": [to_json(t, who) for t in waiting], "reports_to_sign": [to_json(t, who) for t in reports]}


async def _show(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    node = node_of(request)
    return to_json(await get(node, parse_id(request.match_info["id"], "twinning")), await names(node))


async def _act(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    node = node_of(request)
    tid = parse_id(request.match_info["id"], "twinning")
    action = request.match_info["action"]
    if action == "report":
        t = await close_report(node, tid, body.get("text"))
    elif action == "hours" and body.get("from_das") is not None:
        t = await hours_from_das(node, tid, body)
    elif action in ("accept", "decline", "withdraw", "milestone", "hours"):
        fields = {k: v for k, v in body.items() if v is not None and k != "from_das"}
        t = await act(node, tid, f"twin.{action}", fields)
    else:
        raise NotFound(f"no twinning action '{action[:32]}': use accept, decline, withdraw, milestone, hours or report")
    return to_json(t, await names(node))


ROUTES = [
    Route(
        "POST",
        "/api/twin",
        _propose,
        "Propose a twinning project to partner territories, each named by key, key prefix (8+ hex) or name "
        "(a key this node never heard of needs unknown_key)",
        body=(
            Field("with", list, items=str, max_len=16),
            Field("title", str, max_len=200),
            Field("objectives", str, max_len=4000),
            Field("until", str, max_len=10),
            Field("unknown_key", bool, required=False),
        ),
        tag="cooperation",
    ),
    Route("GET", "/api/twin", _list, "Twinnings this territory is part of (all=true: every one known)",
          query=(Field("all", bool, required=False),), tag="cooperation"),
    Route("GET", "/api/twin/inbox", _inbox, "Proposals and closing reports waiting for this territory", tag="cooperation"),
    Route("GET", "/api/twin/{id}", _show, "One twinning: state, parties, milestones, hours, reports, history", tag="cooperation"),
    Route(
        "POST",
        "/api/twin/{id}/{action}",
        _act,
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
        tag="cooperation",
    ),
]
