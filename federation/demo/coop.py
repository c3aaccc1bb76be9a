"""The cooperation part of `democite demo`: a peer review round, a twinning project and a fund grant.

Called from the demo with its running nodes; every step goes through the same functions as the
admin API, and records travel between nodes by ordinary sync rounds.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from typing import Any

from federation.coop import fund, review, twinning
from federation.peer.peering import sync_round
from federation.runtime import RunningNode
from protocol.coop import format_cents


def say(msg: str) -> None:
    print(msg, flush=True)
    sys.stdout.flush()


async def _sync(nodes: Sequence[RunningNode], rounds: int = 2) -> None:
    for _ in range(rounds):
        for rn in nodes:
            await sync_round(rn.node, rn.session, traffic=rn.traffic)


async def cooperation_round(nodes: Sequence[RunningNode]) -> dict[str, object]:
    """Run the three cooperation processes among the nodes whose keys are not frozen."""
    frozen: set[bytes] = set()
    for rn in nodes:
        frozen.update(h.key for h in await rn.node.logs.heads() if h.frozen)
    live = [rn for rn in nodes if rn.node.public_key not in frozen]
    if len(live) < 2:
        say("cooperation: fewer than two territories can publish; skipped")
        return {}
    a, b = live[0], live[1]
    await _sync(live)
    reviews = await _peer_review(a, live)
    tid, state = await _twinning(a, b, live)
    totals, same = await _fund(a, b, live, tid)
    return {"reviews": reviews, "twinning": state, "granted": totals["granted"], "agree": same}


async def _peer_review(a: RunningNode, live: Sequence[RunningNode]) -> int:
    """Up to three territories review `a`'s published DAS summary; returns the reviews published."""
    say("cooperation: peer review")
    name_a = a.config.node.name
    summaries = await a.node.logs.records(a.node.public_key, ["das.summary"], limit=1000)
    if summaries:
        target = summaries[-1].id  # the territory's published DAS summary, as peers evaluate it
    else:
        target = (await a.node.publish("note", {"text": f"Bilan annuel des Droits d'Activité Sociétale de {name_a}"})).id
    fw = review.framework(a.node, "democite21")
    reviewers = [rn for rn in live if rn is not a][:3]
    await review.request_review(a.node, target, [rn.node.public_key for rn in reviewers], fw.id, "Merci de relire notre bilan")
    await _sync(live)
    reviews = 0
    for i, rn in enumerate(reviewers):
        scores = {c.key: (c.min + c.max + i) // 2 % (c.max + 1) for c in fw.criteria}
        await review.publish_review(rn.node, target, fw.id, scores, fw.verdicts[min(i, len(fw.verdicts) - 1)], "Relecture par les pairs")
        reviews += 1
        say(f"  {rn.config.node.name} reviewed {name_a}'s summary against {fw.id}")
    await _sync(live)
    summary = await review.overview(a.node)
    for period, per in summary["averages"].items():
        say(f"  {name_a} averages {period}: " + ", ".join(f"{k} {v['average']}" for k, v in per.items()))
    return reviews


async def _twinning(a: RunningNode, b: RunningNode, live: Sequence[RunningNode]) -> tuple[bytes, str]:
    """`a` proposes a twinning to `b`, which accepts; returns its id and state."""
    name_a, name_b = a.config.node.name, b.config.node.name
    say("cooperation: twinning")
    # a twinning ends after today: the end of next year, whenever the demo runs
    until = f"{dt.datetime.fromtimestamp(a.node.clock() / 1000, dt.UTC).year + 1}-12-31"
    tid = await twinning.propose(a.node, [b.node.public_key], f"Jumelage {name_a} - {name_b}", "Partager les pratiques du DAS", until)
    say(f"  {name_a} proposed twinning {tid.hex()[:16]} to {name_b}")
    await _sync(live)
    await twinning.act(b.node, tid, "twin.accept", {})
    await _sync(live)
    t = await twinning.get(a.node, tid)
    say(f"  {name_b} accepted: the twinning is {t.state.value} on both sides")
    await twinning.act(a.node, tid, "twin.milestone", {"title": "Première visite croisée"})
    await twinning.act(b.node, tid, "twin.hours", {"minutes": 42 * 60, "period": "2026"})
    return tid, t.state.value


async def _fund(a: RunningNode, b: RunningNode, live: Sequence[RunningNode], tid: bytes) -> tuple[dict[str, Any], bool]:
    """A fund every live territory pays into, and a grant `b` requests for the twinning.

    Returns the fund's totals and whether every territory computes the same figures.
    """
    say("cooperation: coresponsibility fund")
    fid = await fund.create(a.node, "Fonds universel de coresponsabilité", "EUR", 30)
    await _sync(live)
    for i, rn in enumerate(live):
        await fund.money(rn.node, "fund.pledge", fid, 50_000 + 10_000 * i)
        await fund.money(rn.node, "fund.contribute", fid, 50_000 + 10_000 * i)
    await _sync(live)
    rid = await fund.request_grant(b.node, fid, 60_000, "Visites croisées du jumelage", tid)
    say(f"  {b.config.node.name} requested {format_cents(60_000)} EUR for the twinning")
    await _sync(live)
    await _approve_grant(b, live, fid, rid)
    figures = {rn.config.node.name: (await fund.state(rn.node, fid)).summary()["total"] for rn in live}
    totals = next(iter(figures.values()))
    same = all(f == totals for f in figures.values())
    say(f"  fund: contributed {format_cents(int(totals['contributed']))}, granted {format_cents(int(totals['granted']))}, "
        f"paid {format_cents(int(totals['paid']))}, available {format_cents(int(totals['available']))} EUR"
        + ("; every territory computes the same figures" if same else "; figures still differ between territories"))
    return totals, same


async def _approve_grant(b: RunningNode, live: Sequence[RunningNode], fid: bytes, rid: bytes) -> None:
    """Members approve `b`'s request until the quorum certifies it; `b` then acknowledges it."""
    for rn in live:
        r = await fund.approve(rn.node, rid)
        say(f"  {rn.config.node.name} approved ({r['approvals']} approvals known, quorum {r['quorum']})")
        if r["certified"]:
            say(f"  grant certified with {r['approvals']} approvals (quorum {r['quorum']}: more than two thirds of the fund's members)")
            break
        await _sync(live, 1)
    await _sync(live)
    st = await fund.state(b.node, fid)
    if any(req.id == rid for req in st.certified.values()):
        await fund.ack(b.node, rid)
        await _sync(live)
    else:
        # a frozen (proven equivocating) member still counts among the members but can sign
        # nothing more: with few territories the quorum can then be out of reach
        say(f"  the grant is not certified: {len(st.approvers.get(rid, ()))} approvals of the {st.quorum} needed")
