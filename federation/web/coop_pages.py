"""Pages of cooperation (the office): reviews to give and received, twinnings (inbox, accept,
decline, withdraw), the coresponsibility fund (pledges, requests, approvals with the quorum's
progress), members and peer health.

They call the same functions as the admin routes (`federation/coop/routes.py`,
`federation/network/routes.py`, `federation/peer/routes.py`), with the signed-in account as the
actor of what they sign. A form that would record money twice carries the count of this node's
records of that kind when it was shown: sent again after it was recorded, it records nothing.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

from aiohttp import web
from babel.numbers import format_currency

from federation.coop import fund, review, twinning
from federation.coop.members import names
from federation.network.routes import member_list
from federation.peer.routes import peer_list
from federation.web.keys import SESSION
from federation.web.pages import NavLink, Page, Panel
from federation.web.templating import gettext, lang_of, render, with_lang
from node.accounts.permissions import Action
from node.api.framework import node_of
from node.errors import Invalid, NotFound
from node.ids import parse_id
from node.service import Node
from protocol.errors import ProtocolError
from protocol.twinning import State as TwinState

A = Action


def N_(text: str) -> str:
    return text


# the words shown for states and outcomes (extracted for the catalog by N_)
WORDS = {
    "twinning": {"proposed": N_("proposed"), "active": N_("active"), "declined": N_("declined"), "withdrawn": N_("withdrawn"),
                 "closed": N_("closed")},
    "answer": {"pending": N_("pending"), "accepted": N_("accepted"), "declined": N_("declined")},
    "done": {"accept": N_("twinning accepted"), "decline": N_("twinning declined"), "withdraw": N_("proposal withdrawn"),
             "review": N_("review published"), "pledge": N_("pledge recorded"), "request": N_("grant request recorded"), "approve": N_("request approved")},
}
MAX_CENTS = 10**13  # the fund routes' bound on an amount
PURPOSE_MAX = 2000
REASON_MAX = 2000
COMMENTS_MAX = 4000  # the review route's limit
_AMOUNT = re.compile(r"^\s*(\d{1,11})(?:[.,](\d{1,2}))?\s*$")
ALL = 1_000_000_000


def _actor(request: web.Request) -> dict[str, str]:
    return dict(request[SESSION].principal.act())


async def _own_count(node: Node, kind: str) -> int:
    return len(await node.logs.records(node.public_key, [kind], limit=ALL))


def cents_of(text: str, _: Any) -> tuple[int | None, str | None]:
    """An amount typed in euros ("150", "150,50" or "150.5") in cents, or the error to show by the field."""
    if not text.strip():
        return None, _("Give an amount in euros, e.g. 150 or 150,50.")
    m = _AMOUNT.match(text)
    if not m:
        return None, _("'{text}' is not an amount in euros: write e.g. 150 or 150,50.").format(text=text.strip()[:20])
    cents = int(m.group(1)) * 100 + int((m.group(2) or "0").ljust(2, "0"))
    if not 0 < cents <= MAX_CENTS:
        return None, _("The amount is more than 0 and at most {max} euros.").format(max=MAX_CENTS // 100)
    return cents, None


async def _twinnings(node: Node) -> dict[str, list[dict[str, Any]]]:
    me = node.public_key
    who = await names(node)
    ts = sorted((await twinning.all_twinnings(node)).values(), key=lambda t: t.history[0]["ts"])
    inbox = [t for t in ts if t.state is TwinState.PROPOSED and me in t.partners and me not in t.answers]
    waiting = {t.id for t in inbox}
    mine = [t for t in ts if me in t.parties and t.id not in waiting]
    return {
        "inbox": [twinning.to_json(t, who) for t in inbox],
        "mine": [{**twinning.to_json(t, who), "withdrawable": t.state is TwinState.PROPOSED and t.proposer == me} for t in mine],
    }


async def _funds(node: Node) -> list[dict[str, Any]]:
    who = await names(node)
    me = node.public_key.hex()
    out = []
    for st in (await fund.states(node)).values():
        j = fund.to_json(st, who, node.clock())
        for r in j["pending"]:
            r["approved_by_me"] = me in r["approvals"]
        j["member"] = node.public_key in st.members
        out.append(j)
    return out


async def coop_page(request: web.Request, errors: dict[str, str] | None = None, kept: dict[str, str] | None = None) -> web.StreamResponse:
    node = node_of(request)
    who = request[SESSION].principal
    lang = lang_of(request)

    def money(cents: int, currency: str) -> str:
        return str(format_currency(Decimal(cents) / 100, currency, locale=lang))

    return render(
        request, "coop/index.html.j2", status=400 if errors else 200, money=money,
        twins=await _twinnings(node), reviews=await review.overview(node), funds=await _funds(node),
        seen={"pledge": await _own_count(node, "fund.pledge"), "request": await _own_count(node, "fund.request")},
        may_act=who.may(A.COOP_ACT), errors=errors or {}, kept=kept or {}, done=request.query.get("done", ""), words=WORDS,
    )


async def twin_act(request: web.Request) -> web.StreamResponse:
    node = node_of(request)
    _ = gettext(request)
    tid = parse_id(request.match_info["id"], "twinning")
    action = request.match_info["action"]
    if action not in ("accept", "decline", "withdraw"):
        raise NotFound("no such twinning action: accept, decline or withdraw")
    form = await request.post()
    reason = str(form.get("reason", "")).strip()
    if len(reason) > REASON_MAX:
        return await coop_page(request, errors={f"reason-{tid.hex()}": _("The reason is at most {n} characters.").format(n=REASON_MAX)},
                               kept={f"reason-{tid.hex()}": reason[:REASON_MAX * 2]})
    me = node.public_key
    fields = {"reason": reason} if reason and action != "accept" else {}
    async with node.lock(b"web/twin"):  # two sends a moment apart: the second sees the first's record
        t = await twinning.get(node, tid)
        if (action in ("accept", "decline") and me in t.answers) or (action == "withdraw" and t.state is TwinState.WITHDRAWN):
            raise web.HTTPSeeOther(with_lang(request, f"/coop?done={action}"))  # sent twice: done once
        try:
            await twinning.act(node, tid, f"twin.{action}", fields, _actor(request))
        except (Invalid, ProtocolError) as exc:
            return await coop_page(request, errors={f"twin-{tid.hex()}": _(exc.message)})
    raise web.HTTPSeeOther(with_lang(request, f"/coop?done={action}"))


async def _money_form(request: web.Request, kind: str) -> tuple[dict[str, str], dict[str, str], int | None, Any]:
    form = await request.post()
    _ = gettext(request)
    kept = {k: str(form.get(k, ""))[:PURPOSE_MAX * 2] for k in ("fund", "amount", "purpose")}
    errors: dict[str, str] = {}
    cents, err = cents_of(kept["amount"], _)
    if err:
        errors[f"{kind}-amount"] = err
    return kept, errors, cents, form


def _fund_id(kept: dict[str, str]) -> bytes | None:
    return parse_id(kept["fund"], "fund") if kept["fund"] else None


async def _record_once(request: web.Request, form: Any, kind: str, publish: Any) -> str | None:
    """Publish unless this node recorded a `fund.<kind>` since the form was shown (the count it
    carries): then say so instead. Checked and published under one lock, so two sends of the same
    form a moment apart record one."""
    node = node_of(request)
    _ = gettext(request)
    try:
        seen = int(str(form.get("seen", "")))
    except ValueError:
        seen = -1
    async with node.lock(b"web/fund." + kind.encode()):
        if seen != await _own_count(node, f"fund.{kind}"):
            return str(_("This form was sent already, or another one was recorded since the page was shown: "
                         "check the figures below and send it again only if yours is missing."))
        try:
            await publish()
        except Invalid as exc:
            return str(_(exc.message))
    return None


async def pledge(request: web.Request) -> web.StreamResponse:
    kept, errors, cents, form = await _money_form(request, "pledge")
    if not errors and cents is not None:
        fid = _fund_id(kept)
        err = await _record_once(request, form, "pledge",
                                 lambda: fund.money(node_of(request), "fund.pledge", fid, cents, _actor(request)))
        if err:
            errors["pledge-amount"] = err
    if errors:
        return await coop_page(request, errors=errors, kept={f"pledge-{k}": v for k, v in kept.items()})
    raise web.HTTPSeeOther(with_lang(request, "/coop?done=pledge"))


async def grant_request(request: web.Request) -> web.StreamResponse:
    kept, errors, cents, form = await _money_form(request, "request")
    _ = gettext(request)
    purpose = kept["purpose"].strip()
    if not purpose:
        errors["request-purpose"] = _("Say what the grant is for: the purpose is required.")
    elif len(purpose) > PURPOSE_MAX:
        errors["request-purpose"] = _("The purpose is at most {n} characters.").format(n=PURPOSE_MAX)
    if not errors and cents is not None:
        fid = _fund_id(kept)
        err = await _record_once(request, form, "request",
                                 lambda: fund.request_grant(node_of(request), fid, cents, purpose, None, _actor(request)))
        if err:
            errors["request-amount"] = err
    if errors:
        return await coop_page(request, errors=errors, kept={f"request-{k}": v for k, v in kept.items()})
    raise web.HTTPSeeOther(with_lang(request, "/coop?done=request"))


async def approve(request: web.Request) -> web.StreamResponse:
    node = node_of(request)
    form = await request.post()
    rid = parse_id(str(form.get("request", "")), "request")
    await fund.resume(node)
    try:
        # approving again finds this member's own approval and signs nothing new
        await fund.approve(node, rid, _actor(request))
    except Invalid as exc:
        return await coop_page(request, errors={f"approve-{rid.hex()}": gettext(request)(exc.message)})
    raise web.HTTPSeeOther(with_lang(request, "/coop?done=approve"))


async def _waiting_review(request: web.Request) -> dict[str, Any] | None:
    rid = parse_id(request.match_info["id"], "review request").hex()
    return next((r for r in (await review.overview(node_of(request)))["requests_to_me"] if r["id"] == rid), None)


async def review_form(request: web.Request, errors: dict[str, str] | None = None, kept: dict[str, str] | None = None) -> web.StreamResponse:
    """The form of a review peers asked of this territory: one score per criterion of the framework, a verdict, comments."""
    asked = await _waiting_review(request)
    if asked is None:  # given already (or never asked): nothing left to write
        raise web.HTTPSeeOther(with_lang(request, "/coop?done=review"))
    fw = review.framework(node_of(request), asked["framework"])
    lang = lang_of(request)

    def label(m: Any) -> str:
        return str(m.get(lang) or m.get("en") or next(iter(m.values()), ""))

    criteria = [{"key": c.key, "name": label(c.name), "min": c.min, "max": c.max} for c in fw.criteria]
    return render(request, "coop/review.html.j2", status=400 if errors else 200, asked=asked, title=label(fw.title),
                  criteria=criteria, verdicts=list(fw.verdicts), errors=errors or {}, kept=kept or {})


async def review_submit(request: web.Request) -> web.StreamResponse:
    asked = await _waiting_review(request)
    if asked is None:  # the same form sent again after the review was published: published once
        raise web.HTTPSeeOther(with_lang(request, "/coop?done=review"))
    node = node_of(request)
    _ = gettext(request)
    fw = review.framework(node, asked["framework"])
    form = await request.post()
    kept = {k: str(form.get(k, ""))[:COMMENTS_MAX * 2] for k in ["verdict", "comments", *(f"score-{c.key}" for c in fw.criteria)]}
    errors: dict[str, str] = {}
    scores: dict[str, int] = {}
    for c in fw.criteria:
        text = kept[f"score-{c.key}"].strip()
        if not text.isdigit() or not c.min <= int(text) <= c.max:
            errors[f"score-{c.key}"] = _("Give a whole number from {min} to {max}.").format(min=c.min, max=c.max)
        else:
            scores[c.key] = int(text)
    if kept["verdict"] not in fw.verdicts:
        errors["verdict"] = _("Choose a verdict among those offered.")
    if len(kept["comments"]) > COMMENTS_MAX:
        errors["comments"] = _("The comments are at most {n} characters.").format(n=COMMENTS_MAX)
    if not errors:
        async with node.lock(b"web/review"):  # two sends a moment apart: the second finds the review given
            if await _waiting_review(request) is None:
                raise web.HTTPSeeOther(with_lang(request, "/coop?done=review"))
            try:
                await review.publish_review(node, bytes.fromhex(asked["target"]), fw.id, scores, kept["verdict"],
                                            kept["comments"].strip(), _actor(request))
            except Invalid as exc:
                errors["verdict"] = _(exc.message)
    if errors:
        return await review_form(request, errors, kept)
    raise web.HTTPSeeOther(with_lang(request, "/coop?done=review"))


async def network_page(request: web.Request) -> web.StreamResponse:
    """Members (as `GET /api/members`) and, for roles that read the node, peer health (as `GET /api/peers`)."""
    who = request[SESSION].principal
    members = await member_list(request, {})
    peers = (await peer_list(request, {}))["peers"] if who.may(A.NODE_READ) else None
    for p in peers or []:
        if p["last_seen"]:
            p["last_seen"] = datetime.datetime.fromtimestamp(p["last_seen"] / 1000, datetime.UTC).isoformat()
    return render(request, "coop/network.html.j2", members=members, peers=peers)


async def coop_panel(request: web.Request) -> dict[str, Any] | None:
    node = node_of(request)
    twins = await _twinnings(node)
    waiting = sum(1 for f in await _funds(node) for r in f["pending"] if not r["approved_by_me"] and not r["expired"])
    reviews = await review.overview(node)
    return {"inbox": len(twins["inbox"]), "approvals": waiting, "reviews": len(reviews["requests_to_me"])}


PAGES = [
    Page("GET", "/coop", coop_page, A.COOP_READ),
    Page("POST", "/coop/twin/{id}/{action}", twin_act, A.COOP_ACT),
    Page("GET", "/coop/review/{id}", review_form, A.COOP_ACT),
    Page("POST", "/coop/review/{id}", review_submit, A.COOP_ACT),
    Page("POST", "/coop/fund/pledge", pledge, A.COOP_ACT),
    Page("POST", "/coop/fund/request", grant_request, A.COOP_ACT),
    Page("POST", "/coop/fund/approve", approve, A.COOP_ACT),
    Page("GET", "/coop/network", network_page, A.NETWORK_READ),
]
PANELS = [Panel(A.COOP_ACT, "coop.html.j2", coop_panel, order=70)]
NAV = [NavLink(A.COOP_READ, "/coop", "Cooperation", order=70), NavLink(A.NETWORK_READ, "/coop/network", "Members and peer health", order=71)]

