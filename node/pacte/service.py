"""Pactes 21 on one node: check each new `pacte.*` record against the fold, publish it, refresh the cache.

Each record carries the acting account (`actor`: pseudonymous id and role, never a name). A partner
account moves only its own organisation's commitments; the office and the owner act for every one.

The log is the truth; the derived tables are the fold's cache, refreshed whenever a log that holds
`pacte.*` records grew (our own writes, or records replicated from peers), and rebuilt on demand.
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from node.accounts.principal import Principal
from node.errors import Invalid, NotFound
from node.pacte.views import pact_view
from node.service import Node
from node.storage.pacte import PacteRows, PacteStore
from protocol.credential import VC_CONTEXT, did_key, jcs, sign_credential
from protocol.encoding import to_json
from protocol.pacte import (
    Book,
    Entry,
    Pact,
    apply,
    check_evidence,
    check_salary_share,
    date_of,
    evidence_urn,
    fold,
    pact_urn,
)
from protocol.record import SignedRecord

PLACEHOLDER_ID = bytes(32)  # id of the record being checked, before it is signed
MAX_PAYROLL_CENTS = 10**13  # 100 billion euros a year: above any employer's payroll, far below integer limits
MAX_CERTIFICATE_YEARS = 10  # a certificate's validity ends within this many years of today


@dataclass(slots=True)
class PacteService:
    node: Node
    who: Principal = field(default_factory=Principal.owner)  # the account acting, recorded in what it signs

    @property
    def store(self) -> PacteStore:
        return self.node.pacte_store

    @property
    def me(self) -> bytes:
        return self.node.public_key

    def _lock(self) -> Any:
        # a lock of its own (not the log's lock, which publish takes): check + publish + refresh is atomic
        return self.node.lock(b"pacte/" + self.me)

    # -- folding -----------------------------------------------------------------------------

    async def book(self, author: bytes) -> Book:
        recs = await self.store.pacte_records(author)
        book, _ = fold(author, (Entry(r.id, r.ts, r.kind, r.body) for r in recs))
        return book

    async def refresh(self, author: bytes) -> Book:
        size = await self.store.log_size(author)
        recs = await self.store.pacte_records(author)
        book, rejected = fold(author, (Entry(r.id, r.ts, r.kind, r.body) for r in recs))
        await self.store.replace(_rows(book, size, len(rejected)))
        return book

    async def ensure_fresh(self) -> None:
        """Fold again every log holding pact records that grew since its last fold."""
        stale = [a for a in await self.store.pacte_authors() if await self.store.folded_size(a) != await self.store.log_size(a)]
        if stale:
            # under the pact lock, so a slow refold never overwrites the rows of a newer write
            async with self._lock():
                for author in stale:
                    if await self.store.folded_size(author) != await self.store.log_size(author):
                        await self.refresh(author)

    async def rebuild(self) -> dict[str, int]:
        async with self._lock():
            await self.store.clear()
            authors = await self.store.pacte_authors()
            pacts = 0
            for author in authors:
                pacts += len((await self.refresh(author)).pacts)
        return {"authors": len(authors), "pacts": pacts}

    async def _publish(self, kind: str, body: dict[str, Any]) -> SignedRecord:
        """Apply the record to the current fold first: a refused record is never signed nor stored."""
        body = {**body, "actor": self.who.act()}
        async with self._lock():
            book = await self.book(self.me)
            apply(book, Entry(PLACEHOLDER_ID, self.node.clock(), kind, body))
            signed = await self.node.publish(kind, body)
            await self.refresh(self.me)
            return signed

    async def _own(self, oid: bytes, kind: str) -> tuple[Book, Pact]:
        await self.ensure_fresh()
        found = await self.store.find(oid)
        if found is None or found[2] != kind:
            raise NotFound(f"no {kind} {oid.hex()[:16]}... on this node: check the id (`democite pacte list`)")
        if found[1] != self.me:
            raise Invalid(f"this {kind} belongs to another territory's pact; only its own node can change it")
        book = await self.book(self.me)
        return book, book.pact_of(oid, kind)

    # -- commands ----------------------------------------------------------------------------

    async def create(self, title: str, horizon: int, vision: str = "", scope: str = "", start_year: int | None = None) -> bytes:
        year = start_year if start_year is not None else int(date_of(self.node.clock())[:4])
        body: dict[str, Any] = {"title": title, "horizon": horizon, "start_year": year}
        if vision:
            body["vision"] = vision
        if scope:
            body["scope"] = scope
        return (await self._publish("pacte.create", body)).id

    async def add_partner(self, pid: bytes, org: str, org_kind: str, contact_role: str = "", since: str = "") -> bytes:
        await self._own(pid, "pacte")
        body: dict[str, Any] = {"pacte": pid, "org": org, "org_kind": org_kind, "since": since or self._today()}
        if contact_role:
            body["contact_role"] = contact_role
        return (await self._publish("pacte.partner", body)).id

    async def add_taskforce(
        self,
        pid: bytes,
        mission: str,
        criteria: list[dict[str, Any]],
        budget: list[dict[str, Any]],
        members: list[str],
        governance: str = "",
    ) -> bytes:
        await self._own(pid, "pacte")
        body: dict[str, Any] = {"pacte": pid, "mission": mission, "criteria": criteria, "budget": budget, "members": members}
        if governance:
            body["governance"] = governance
        return (await self._publish("pacte.taskforce", body)).id

    async def commit(self, tid: bytes, partner: str, deliverable: str, due: str, indicator: str = "") -> bytes:
        await self._own(tid, "taskforce")
        body: dict[str, Any] = {"taskforce": tid, "partner": partner, "deliverable": deliverable, "due": due}
        if indicator:
            body["indicator"] = indicator
        return (await self._publish("pacte.commitment", body)).id

    async def transition(self, cid: bytes, to: str, note: str = "") -> bytes:
        """Accept, start, meet, miss or withdraw: a partner account only for its own organisation's commitments."""
        _, pact = await self._own(cid, "commitment")
        if not self.who.may_org(pact.commitments[cid].partner.strip()):
            raise self.who.refuse("commitment")
        body: dict[str, Any] = {"commitment": cid, "to": to}
        if note:
            body["note"] = note
        return (await self._publish("pacte.transition", body)).id

    async def salary_share(self, pid: bytes, partner: str, share_bp: int, payroll_cents: int, year: int | None) -> bytes:
        check_salary_share(share_bp)
        if isinstance(payroll_cents, bool) or not isinstance(payroll_cents, int) or not 0 <= payroll_cents <= MAX_PAYROLL_CENTS:
            raise Invalid(f"field 'payroll_cents': a yearly payroll is 0 to {MAX_PAYROLL_CENTS // 100:,} euros, in cents")
        await self._own(pid, "pacte")
        y = year if year is not None else int(self._today()[:4])
        body = {"pacte": pid, "partner": partner, "year": y, "share_bp": share_bp, "payroll_cents": payroll_cents}
        return (await self._publish("pacte.salary_share", body)).id

    async def evaluate(
        self,
        pid: bytes,
        year: int,
        measures: Mapping[bytes, Mapping[str, int]],
        spent: Mapping[bytes, int],
        assessment: str,
        adjustments: str,
        publish: bool,
    ) -> bytes:
        """Save the year's workshop (met/missed counted and the budget planned read from the pact)."""
        _, pact = await self._own(pid, "pacte")
        for tid in (*measures, *spent):
            if tid not in pact.taskforces:
                raise Invalid(f"task force {tid.hex()[:16]}... is not in this pact")
        lines = []
        for tid in pact.taskforces:
            states = [c.state.value for c in pact.commitments.values() if c.taskforce == tid]
            lines.append(
                {
                    "taskforce": tid,
                    "measures": [{"indicator": k, "value": v} for k, v in sorted(measures.get(tid, {}).items())],
                    "met": states.count("met"),
                    "missed": states.count("missed"),
                    "spent_cents": spent.get(tid, 0),
                    "planned_cents": pact.planned_cents(tid, year) if year in pact.years else 0,
                }
            )
        body: dict[str, Any] = {"pacte": pid, "year": year, "taskforces": lines, "assessment": assessment, "published": publish}
        if adjustments:
            body["adjustments"] = adjustments
        return (await self._publish("pacte.evaluation", body)).id

    async def publish_evaluation(self, eid: bytes) -> bytes:
        _, pact = await self._own(eid, "evaluation")
        ev = next(e for e in pact.evaluations.values() if e.id == eid)
        rec = await self.node.logs.record_by_id(eid)
        assert rec is not None
        body = dict(rec.body)
        body["published"] = True
        if ev.published:
            raise Invalid(f"the {ev.year} evaluation is already published and frozen")
        return (await self._publish("pacte.evaluation", body)).id

    async def issue_certificate(
        self, pid: bytes, org: str, evidence: Iterable[bytes], until: str, since: str = "", renews: bytes | None = None
    ) -> tuple[bytes, dict[str, Any]]:
        book, pact = await self._own(pid, "pacte")
        ev = list(dict.fromkeys(evidence))
        if not ev:
            raise Invalid("a certificate cites at least one piece of evidence: --evidence COMMITMENT_OR_EVALUATION_ID")
        start = since or self._today()
        self._validity(start, until)
        # checked before signing anything, so bad evidence never produces a credential
        if org not in pact.partners:
            raise Invalid(f"'{org}' is not a partner of this pact; add it first with `democite pacte partner add`")
        check_evidence(book, pact, org, ev)
        credential = self._credential(pact, org, ev, start, until)
        body: dict[str, Any] = {
            "pacte": pid,
            "org": org,
            "evidence": ev,
            "valid_from": start,
            "valid_until": until,
            "credential": jcs(credential).decode("utf-8"),
        }
        if renews is not None:
            body["renews"] = renews
        signed = await self._publish("pacte.certificate", body)
        return signed.id, credential

    async def renew_certificate(self, cert_id: bytes, until: str) -> tuple[bytes, dict[str, Any]]:
        _, pact = await self._own(cert_id, "certificate")
        old = pact.certificates[cert_id]
        return await self.issue_certificate(pact.id, old.org, old.evidence, until, renews=cert_id)

    async def revoke_certificate(self, cert_id: bytes, reason: str) -> bytes:
        await self._own(cert_id, "certificate")
        return (await self._publish("pacte.certificate_revoke", {"certificate": cert_id, "reason": reason})).id

    # -- reads -------------------------------------------------------------------------------

    async def show(self, pid: bytes) -> dict[str, Any]:
        await self.ensure_fresh()
        row = await self.store.state(pid)
        if row is None:
            raise NotFound("no pact with this id on this node: list them with `democite pacte list`")
        out: dict[str, Any] = json.loads(row[1])
        return out

    async def all_pacts(self) -> list[dict[str, Any]]:
        await self.ensure_fresh()
        out = []
        for pid, author, title, start, horizon in await self.store.pacts():
            counts = await self.store.commitment_counts(pid)
            out.append(
                {
                    "id": pid.hex(),
                    "author": author.hex(),
                    "own": author == self.me,
                    "title": title,
                    "years": [start, start + horizon - 1],
                    "commitments": counts,
                }
            )
        return out

    async def history(self, pid: bytes) -> list[dict[str, Any]]:
        """Every record of the pact, in log order, bodies as JSON (ids in hex)."""
        await self.ensure_fresh()
        row = await self.store.state(pid)
        if row is None:
            raise NotFound("no pact with this id on this node: list them with `democite pacte list`")
        book = await self.book(row[0])
        out = []
        for rid in book.pacts[pid].records:
            rec = await self.node.logs.record_by_id(rid)
            assert rec is not None
            out.append(
                {
                    "seq": rec.seq,
                    "date": date_of(rec.ts),
                    "ts": rec.ts,
                    "kind": rec.kind,
                    "id": rid.hex(),
                    "body": to_json(rec.body),
                }
            )
        return out

    # -- helpers -----------------------------------------------------------------------------

    def _today(self) -> str:
        return date_of(self.node.clock())

    def _validity(self, start: str, until: str) -> None:
        """A certificate's dates: real days, ending today or later (an expired certificate certifies nothing), not decades away."""
        d_from, d_until = _day(start, "from"), _day(until, "until")
        today = datetime.date.fromisoformat(self._today())
        if d_until < d_from:
            raise Invalid(f"field 'until': a certificate cannot end ({until}) before it starts ({start})")
        if d_until < today:
            raise Invalid(f"field 'until': {until} is in the past; a certificate is valid until today ({today}) or later")
        n = MAX_CERTIFICATE_YEARS
        lo, hi = today.replace(year=today.year - n, day=1), today.replace(year=today.year + n, day=1)
        for name, d in (("from", d_from), ("until", d_until)):
            if not lo <= d <= hi:
                raise Invalid(f"field '{name}': a certificate's validity lies between {lo} and {hi} (within {n} years of today)")

    def _credential(self, pact: Pact, org: str, evidence: list[bytes], start: str, until: str) -> dict[str, Any]:
        if start > until:
            raise Invalid(f"a certificate cannot end ({until}) before it starts ({start})")
        items: list[dict[str, Any]] = []
        for oid in evidence:
            if oid in pact.commitments:
                c = pact.commitments[oid]
                items.append({"id": evidence_urn(oid), "type": ["CommitmentMet"], "description": c.deliverable, "due": c.due})
            else:
                year = next(e.year for e in pact.evaluations.values() if e.id == oid)
                items.append({"id": evidence_urn(oid), "type": ["PublishedEvaluation"], "year": year})
        partner = pact.partners[org]
        doc: dict[str, Any] = {
            "@context": [VC_CONTEXT],
            "id": f"urn:uuid:{uuid.uuid4()}",
            "type": ["VerifiableCredential", "TerritorialUtilityCertificate"],
            "name": "Certificat d'Utilité Territoriale",
            "description": "The organisation's activities serve a sustainable territorial economy (Pacte 21).",
            "issuer": {"id": did_key(self.me), "name": self.node.config.node.name},
            "validFrom": f"{start}T00:00:00Z",
            "validUntil": f"{until}T23:59:59Z",
            "credentialSubject": {
                "type": "Organization",
                "name": org,
                "organizationKind": partner.org_kind,
                "pact": {"id": pact_urn(pact.id), "title": pact.title},
            },
            "evidence": items,
        }
        now = datetime.datetime(1970, 1, 1) + datetime.timedelta(milliseconds=self.node.clock())
        created = now.replace(microsecond=0).isoformat() + "Z"
        return sign_credential(self.node.identity, doc, created)


def _day(text: str, name: str) -> datetime.date:
    try:
        if len(text) != 10:
            raise ValueError
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise Invalid(f"field '{name}': '{text[:12]}' is not a date YYYY-MM-DD, e.g. 2027-12-31") from None


def _rows(book: Book, size: int, rejected: int) -> PacteRows:
    pacts = []
    commitments = []
    for pid, pact in book.pacts.items():
        view = pact_view(book.author, pact)
        pacts.append((pid, pact.title, pact.start_year, pact.horizon, json.dumps(view, sort_keys=True, ensure_ascii=False)))
        for c in pact.commitments.values():
            commitments.append((c.id, pid, c.taskforce, c.partner, c.due, c.state.value))
    objects = [(oid, pid, kind) for oid, (pid, kind) in book.owner.items()]
    return PacteRows(book.author, size, rejected, pacts, objects, commitments)


