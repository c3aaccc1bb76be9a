"""Twinning projects between territories: propose, answer, report work, close (admin routes: `federation.coop.routes`).

Each action is a record in the actor's own log; sync carries it to the other parties and every
node folds the same records into the same state (`protocol.twinning`).
"""

from __future__ import annotations

import datetime
from typing import Any

from federation.coop.members import load_entries
from node.das.service import DasService
from node.errors import Invalid, NotFound
from node.service import Node
from protocol import twinning
from protocol.actor import Actor, acted
from protocol.errors import ProtocolError

KINDS = ["twin.*"]


async def all_twinnings(node: Node) -> dict[bytes, twinning.Twinning]:
    return twinning.fold_all(await load_entries(node, KINDS))


async def get(node: Node, tid: bytes) -> twinning.Twinning:
    t = (await all_twinnings(node)).get(tid)
    if t is None:
        raise NotFound("no twinning with this id here: sync with its proposer (`democite sync`), then retry")
    return t


async def propose(node: Node, partners: list[bytes], title: str, objectives: str, until: str, actor: Actor | None = None) -> bytes:
    body = {"partners": partners, "title": title.strip(), "objectives": objectives.strip(), "until": until.strip()}
    try:
        twinning.check_proposal(node.public_key, body)
    except ProtocolError as exc:
        raise Invalid(exc.message) from None
    _check_until(until.strip(), node.clock())
    return (await node.publish("twin.propose", acted(body, actor))).id


MAX_TWINNING_YEARS = 10  # a twinning ends within this many years of today (a typo like 9999 is refused)


def _check_until(until: str, now_ms: int) -> None:
    """A local rule, not the protocol's: the date must make sense today (peers may judge by their own day)."""
    try:
        end = datetime.date.fromisoformat(until)
    except ValueError:
        raise Invalid(f"--until {until[:20]} is not a date: write YYYY-MM-DD, e.g. 2027-12-31") from None
    today = datetime.datetime.fromtimestamp(now_ms / 1000, datetime.UTC).date()
    if end < today:
        raise Invalid(f"--until {until} is in the past: a twinning ends after today ({today.isoformat()})")
    if end.year > today.year + MAX_TWINNING_YEARS:
        raise Invalid(f"--until {until} is more than {MAX_TWINNING_YEARS} years away: check the year")


async def act(node: Node, tid: bytes, kind: str, body: dict[str, Any], actor: Actor | None = None) -> twinning.Twinning:
    """Check the action against the current state, publish it, return the new state."""
    t = await get(node, tid)
    twinning.check_action(t, node.public_key, kind, body)
    await node.publish(kind, acted({**body, "proposal": tid}, actor))
    return await get(node, tid)


async def close_report(node: Node, tid: bytes, text: str | None, actor: Actor | None = None) -> twinning.Twinning:
    """With text: write the closing report. Without: co-sign the report another party wrote."""
    if text:
        return await act(node, tid, "twin.report", {"text": text}, actor)
    t = await get(node, tid)
    unsigned = [r for r, who in t.signatures.items() if node.public_key not in who]
    if not unsigned:
        raise Invalid("no closing report waits for this territory's signature: write one with --text")
    return await act(node, tid, "twin.cosign", {"report": sorted(unsigned)[0]}, actor)


async def hours_from_das(node: Node, tid: bytes, body: dict[str, Any], actor: Actor | None = None) -> twinning.Twinning:
    """Report the validated DAS minutes given to a local project in a period, as one aggregate.

    Only the total leaves the node, and only when at least k persons contributed (das.k_anonymity)."""
    if body.get("minutes") is not None:
        raise Invalid("give either 'minutes' or 'from_das' (a local DAS project id), not both")
    if not body.get("period"):
        raise Invalid("field 'period' is required with 'from_das', e.g. 2026-Q1 or 2026")
    # an unknown twinning, or one that cannot take hours now, is reported before any DAS data is read
    twinning.check_action(await get(node, tid), node.public_key, "twin.hours", {"minutes": 0, "period": body["period"]})
    agg = await DasService(node).project_aggregate(body["from_das"], body["period"])
    return await act(node, tid, "twin.hours", {"minutes": agg["minutes"], "period": agg["period"]}, actor)


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
