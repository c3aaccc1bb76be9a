"""DAS operations that leave the node: k-anonymous summaries (a signed `das.summary` record per
period), project aggregates, and the disclosures that prove one statement to an evaluator.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from node.das import rules
from node.das.base import DasContext, period_field
from node.das.persons import allocation
from node.errors import Conflict, Invalid, NodeError, NotFound
from node.jsonview import to_json
from node.storage import das_persons, das_statements, das_summaries
from node.storage.das_query import Query
from protocol import das as pdas
from protocol import merkle
from protocol.errors import ProtocolError

MAX_GROUP_CELLS = 30  # cells per group in a summary (the schema allows 32 categories, 64 families)
Cells = dict[str, dict[int, int]]  # {category or family: {person: minutes}}


@dataclass(frozen=True, slots=True)
class SummariesService:
    """k-anonymous summaries published as records, project aggregates, and the disclosures that prove a statement."""

    ctx: DasContext

    # -- summaries -------------------------------------------------------------------------

    async def summary_body(self, period: str) -> tuple[dict[str, Any], list[tuple[bytes, int | None]]]:
        p = period_field(period)
        k = self.ctx.cfg.k_anonymity
        start, end = p.start.isoformat(), p.end.isoformat()
        q = self.ctx.db
        persons = {v[0]: v[1] for v in (await das_persons.person_ids(q)).values()}
        contracts = [c for c in await das_summaries.contracts_overlapping(q, start, end) if c.person_id in persons]
        moves = await das_persons.flex(q)
        holders = {c.person_id for c in contracts}
        employed = {c.person_id for c in contracts if c.employer_id is not None}
        employers = {c.employer_id for c in contracts if c.employer_id is not None}
        granted = 0
        for c in contracts:
            d0, d1 = dt.date.fromisoformat(c.date_from), dt.date.fromisoformat(c.date_to)
            granted += rules.granted_in(d0, d1, allocation(c, moves.get(c.contract_no, [])), p.start, p.end)
        given_person, cat, fam = await _given(q, start, end, persons)

        def group(src: dict[str, dict[int, int]], total_published: bool) -> dict[str, Any]:
            return summary_group(src, k, total_published)

        status_count: dict[str, int] = defaultdict(int)
        for pid in holders:
            status_count[persons[pid]] += 1
        persons_cell = pdas.cell(len(holders), k)
        by_status = {s: pdas.cell(n, k) for s, n in status_count.items()}
        pdas.suppress_group(by_status, dict(status_count), "suppressed" not in persons_cell, k=k)
        givers = [pid for pid, m in given_person.items() if m > 0]
        given = pdas.cell(len(givers), k, minutes=max(0, sum(given_person[pid] for pid in givers)))
        current = await das_statements.current_statements(q, p.text)
        credited = pdas.cell(sum(1 for s in current.values() if s.cents > 0), k,
                             cents=sum(max(0, s.cents) for s in current.values()))
        body: dict[str, Any] = {
            "period": p.text, "k": k, "currency": self.ctx.cfg.currency,
            "persons": persons_cell, "by_status": by_status,
            "contracts": pdas.cell(len(holders), k, contracts=len(contracts)),
            "granted": pdas.cell(len(holders), k, minutes=granted),
            "given": given,
            "by_category": group(cat, "suppressed" not in given),
            "by_family": group(fam, "suppressed" not in given),
            "credited": credited,
            "employers": pdas.cell(len(employed), k, employers=len(employers)),
            # who consented, counted: acts and distinct accounts by kind and role (never an account id)
            "consents": pdas.consent_cells(await das_summaries.consent_counts(q, start, end), k),
        }
        leaves = await _statement_leaves(q, p.text)
        body["statements"] = len(leaves)
        body["statements_root"] = merkle.root_of([x[0] for x in leaves])
        return body, leaves

    async def project_aggregate(self, project: int | str, period: str) -> dict[str, Any]:
        """Validated minutes given to one project in a period, as one aggregate, refused under k persons.

        This is what may leave the node (e.g. as `twin.hours`): a total, never who gave it, and only
        when at least k persons contributed, the same k-anonymity rule as `das.summary` cells."""
        p = period_field(period)
        proj = await self.ctx.project(self.ctx.db, project)
        given = [m for m in await das_summaries.project_given(self.ctx.db, proj.id, p.start.isoformat(), p.end.isoformat()) if m > 0]
        k = self.ctx.cfg.k_anonymity
        if len(given) < k:
            raise Invalid(
                f"project {proj.id}: {'fewer than ' + str(k) + ' persons' if given else 'no person'} gave validated time in {p.text}; "
                f"an aggregate is published only when at least k={k} persons contributed (das.k_anonymity), "
                "so nothing was published: choose a longer period or report the hours with --hours"
            )
        return {"project": proj.id, "period": p.text, "minutes": sum(given), "persons_at_least": k}

    async def publish_summary(self, period: str) -> dict[str, Any]:
        t0 = self.ctx.now()
        p = period_field(period)
        if p.end >= self.ctx.today():
            # entries of a running period still change: a summary signed now would be wrong and need a correction
            raise Conflict(f"the {p.kind} {p.text} ends on {p.end}; publish after that (`das summary preview` shows it now)")
        body, leaves = await self.summary_body(period)
        previous = await das_summaries.summaries(self.ctx.db, body["period"])
        if previous:
            body["corrects"] = previous[-1].record_id
        try:
            pdas.check_summary(body)
        except ProtocolError as exc:  # a bug, never a choice: refuse to publish a cell under k
            raise Invalid(exc.message) from None
        signed = await self.ctx.node.publish("das.summary", body)
        async with self.ctx.db.write() as w:
            await das_summaries.insert_summary(w, body["period"], signed.id, body["statements"], body["statements_root"], leaves, self.ctx.now())
        return {"id": signed.id.hex(), "seq": signed.seq, "period": body["period"], "body": to_json(body), "ms": self.ctx.now() - t0}

    async def list_summaries(self, period: str | None) -> dict[str, Any]:
        rows = await das_summaries.summaries(self.ctx.db, period_field(period).text if period else None)
        return {"summaries": [{"id": r.record_id.hex(), "period": r.period, "statements": r.size, "root": r.root.hex(),
                               "published_at": r.published_at} for r in rows]}

    async def attach(self, number: int) -> dict[str, Any]:
        """A disclosure the territory hands to evaluators: it is included in this node's audit exports."""
        doc = await self.prove(number)
        async with self.ctx.db.write() as w:
            await das_summaries.attach_disclosure(w, number, self.ctx.now())
        return doc

    async def audit_disclosures(self) -> list[tuple[str, dict[str, Any]]]:
        """(scheme, disclosure) of every statement attached for evaluators and still provable."""
        out = []
        for number in await das_summaries.attached_disclosures(self.ctx.db):
            try:
                out.append(("das.bulletin", await self.prove(number)))
            except NodeError:
                continue  # its summary was replaced by a later one without it, or the holder was erased
        return out

    async def prove(self, number: int) -> dict[str, Any]:
        s = await das_statements.statement(self.ctx.db, number)
        if s is None:
            raise NotFound(f"no statement {number}")
        if s.salt is None or s.body is None:
            raise NotFound(f"statement {number} belonged to a person whose data was erased: it can no longer be disclosed")
        h = await das_summaries.summary_holding(self.ctx.db, number)
        if h is None:
            raise NotFound(f"statement {number} is in no published summary yet: `das summary publish --period {s.period}`")
        leaves = await das_summaries.summary_leaves(self.ctx.db, h.id)
        proof = merkle.inclusion_proof(h.idx, h.size, pdas.tree_nodes(leaves))
        rec = await self.ctx.node.logs.record_by_id(h.record_id)
        if rec is None:
            raise NotFound("the summary record is missing from this node's log")
        doc = pdas.make_disclosure(rec.raw, rec.sig, s.body, s.salt, h.idx, h.size, proof)
        pdas.verify_disclosure(doc, self.ctx.node.public_key)  # never hand out a disclosure that does not verify
        return doc


async def _given(q: Query, start: str, end: str, persons: dict[int, str]) -> tuple[dict[int, int], Cells, Cells]:
    """Validated minutes in [start, end] of persons not erased: per person, per public category and per family."""
    titles = await das_statements.project_titles(q)
    per_person: dict[int, int] = defaultdict(int)
    cat: Cells = defaultdict(lambda: defaultdict(int))
    fam: Cells = defaultdict(lambda: defaultdict(int))
    for pid, proj, family, minutes in await das_summaries.given_by(q, start, end):
        if pid not in persons:
            continue
        _title, sdg, theme, _ = titles[proj]
        per_person[pid] += minutes
        cat[pdas.public_category(sdg, theme)][pid] += minutes
        fam[family][pid] += minutes
    return per_person, cat, fam


async def _statement_leaves(q: Query, period: str) -> list[tuple[bytes, int | None]]:
    """The period's statement leaves (with their numbers), padded with random leaves so the tree's
    size says little about how many statements there are, and sorted so a leaf's place says nothing."""
    real = await das_statements.period_leaves(q, period)
    size = pdas.padded_size(len(real))
    leaves: list[tuple[bytes, int | None]] = [(leaf, no) for no, leaf in real]
    leaves += [(secrets.token_bytes(32), None) for _ in range(size - len(real))]
    leaves.sort(key=lambda x: x[0])
    return leaves


def summary_group(src: dict[str, dict[int, int]], k: int, total_published: bool) -> dict[str, Any]:
    """One group of a summary ({name: {person: minutes}} -> {name: cell}), k-anonymous.

    A group holds at most MAX_GROUP_CELLS cells (the record schema bounds it): beyond that, the
    families with the fewest persons are merged into "other"."""
    src = {name: dict(per) for name, per in src.items()}
    if len(src) > MAX_GROUP_CELLS:
        ranked = sorted(src, key=lambda n: (-sum(1 for m in src[n].values() if m > 0), n))
        merged: dict[int, int] = defaultdict(int)
        for name in ranked[MAX_GROUP_CELLS - 1 :]:
            for pid, m in src.pop(name).items():
                merged[pid] += m
        into = src.setdefault("other", {})
        for pid, m in merged.items():
            into[pid] = into.get(pid, 0) + m
    members = {name: frozenset(pid for pid, m in per.items() if m > 0) for name, per in src.items()}
    raw = {name: len(who) for name, who in members.items()}
    cells = {name: pdas.cell(raw[name], k, minutes=max(0, sum(per.values()))) for name, per in src.items() if raw[name] > 0}
    pdas.suppress_group(cells, raw, total_published, k=k, members=members)
    return cells
