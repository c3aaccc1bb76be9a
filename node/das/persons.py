"""DAS operations on persons and their contracts: employers (and their purpose-limited view),
persons with their competence profiles, export and erasure, contracts and their amendments.
Acceptances, profile agreements and flexibility moves are acts of each party: `node.das.consent`.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from node.accounts.permissions import Role
from node.accounts.principal import Principal
from node.das import rules, scope
from node.das.base import DasContext, period_field
from node.das.consent import ConsentService, accept_all, consent_json, paper, profile_json
from node.errors import Conflict, Invalid, NotFound
from node.jsonview import to_json
from node.storage import das_persons, das_rights, das_statements
from node.storage.das_persons import Contract, FlexMove
from node.storage.das_query import Query
from node.storage.das_statements import Statement
from protocol import das as pdas


@dataclass(frozen=True, slots=True)
class PersonsService:
    """Employers, persons (profiles, export, erasure) and their DAS contracts."""

    ctx: DasContext

    # -- employers -------------------------------------------------------------------------

    async def add_employer(self, name: str, kind: str) -> dict[str, Any]:
        name = name.strip()
        if not name:
            raise Invalid("field 'name': an employer needs a name")
        async with self.ctx.db.write() as w:
            if await das_persons.employer(w, name) is not None:
                raise Conflict(f"field 'name': employer '{name[:60]}' already exists")
            eid = await das_persons.insert_employer(w, name, kind, self.ctx.now())
        return {"id": eid, "name": name, "kind": kind}

    async def list_employers(self) -> dict[str, Any]:
        return {"employers": [asdict(e) for e in await das_persons.employers(self.ctx.db)]}

    async def employer_view(self, who: Principal, ref: str, period: str | None) -> dict[str, Any]:
        """Purpose limitation: hours used against each employee's quota, never projects or causes."""
        e = await scope.employer(self.ctx, self.ctx.db, who, ref)
        p = period_field(period) if period else period_field(str(self.ctx.today().year))
        rows = await das_persons.employer_quota(self.ctx.db, e.id, p.start.isoformat(), p.end.isoformat())
        employees = [asdict(r) | {"remaining_minutes": r.granted_minutes - r.used_minutes} for r in rows]
        return {"employer": e.name, "period": p.text, "employees": employees}

    # -- persons ---------------------------------------------------------------------------

    async def add_person(self, pseudonym: str, status: str, employer: str | None, name: str | None, local_id: str | None = None) -> dict[str, Any]:
        pseudonym = pseudonym.strip()
        if not pseudonym:
            raise Invalid("field 'pseudonym': a person needs a pseudonym")
        lid = (local_id or "").strip() or new_local_id()
        async with self.ctx.db.write() as w:
            if await das_persons.person(w, pseudonym) is not None:
                raise Conflict("field 'pseudonym': this pseudonym is already used")
            if await das_persons.person(w, lid) is not None:
                raise Conflict("field 'local_id': this local id is already used")
            eid = (await self.ctx.employer(w, employer)).id if employer else None
            await das_persons.insert_person(w, lid, pseudonym, name, status, eid, secrets.token_bytes(pdas.SALT_BYTES), self.ctx.now())
        return {"id": lid, "status": status, "employer": employer}

    async def list_persons(self, status: str | None) -> dict[str, Any]:
        return {"persons": [asdict(p) for p in await das_persons.persons(self.ctx.db, status)]}

    async def get_person(self, who: Principal, ref: str) -> dict[str, Any]:
        p = await scope.person(self.ctx, self.ctx.db, who, ref)
        moves = await das_persons.flex(self.ctx.db)
        emp = None
        if p.employer_id:
            row = await das_persons.employer(self.ctx.db, str(p.employer_id))
            emp = row.name if row else None
        return {
            "id": p.local_id,
            "pseudonym": p.pseudonym,
            "name": p.name,
            "status": p.status,
            "employer": emp,
            "profiles": [profile_json(x) for x in await das_persons.profiles(self.ctx.db, p.id)],
            "contracts": [contract_json(c, moves.get(c.contract_no, [])) for c in await das_persons.contracts(self.ctx.db, person_id=p.id)],
        }

    async def set_profile(self, who: Principal, ref: str, competences: list[Any], agreed_on: str | None,
                          paper_consent: str | None = None) -> dict[str, Any]:
        """A new version recorded by the office: agreed once the person accepts it (`consent.accept_profile`)."""
        items: list[tuple[str, int, str]] = []
        seen = set()
        for i, c in enumerate(competences):
            if isinstance(c, str):
                c = rules.parse_competence(c)
            if not isinstance(c, dict) or not isinstance(c.get("competence"), str) or not c["competence"].strip():
                raise Invalid(f"field 'competences[{i}]': each competence is {{competence, level, family}}")
            label = c["competence"].strip()[:300]
            level = c.get("level")
            if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 4:
                raise Invalid(f"field 'competences[{i}].level' is 1 (basic) to 4 (expert)")
            family = str(c.get("family") or "general").strip()[:40] or "general"
            if label in seen:
                raise Invalid(f"field 'competences[{i}]': competence listed twice")
            seen.add(label)
            items.append((label, level, family))
        if not items:
            raise Invalid("field 'competences': a profile lists at least one competence")
        return await ConsentService(self.ctx).record_profile(who, ref, items, agreed_on, paper_consent)

    async def export_person(self, who: Principal, ref: str) -> dict[str, Any]:
        p = await scope.person(self.ctx, self.ctx.db, who, ref)
        data = await das_rights.person_export(self.ctx.db, p.id)
        emp = await das_persons.employer(self.ctx.db, str(p.employer_id)) if p.employer_id else None
        return {
            "format": "democite/das-person-export/v1",
            "exported_on": self.ctx.today().isoformat(),
            "person": {
                "id": p.local_id, "pseudonym": p.pseudonym, "name": p.name, "status": p.status,
                "employer": emp.name if emp else None, "created_at": p.created_at,
            },
            "profiles": [profile_json(x) for x in await das_persons.profiles(self.ctx.db, p.id)],
            "contracts": [asdict(c) for c in data.contracts],
            "flexibility": [asdict(f) for f in data.flexibility],
            "entries": [asdict(e) for e in data.entries],
            "statements": [_exported_statement(s) for s in data.statements],
            "ledger": [asdict(x) for x in data.ledger],
            "coordinates": [asdict(x) for x in data.coordinates],
            "leave": [asdict(x) for x in data.leave],
            "balance_cents": await das_statements.balance(self.ctx.db, f"person:{p.id}"),
        }

    async def erase_person(self, ref: str) -> dict[str, Any]:
        async with self.ctx.db.write() as w:
            p = await self.ctx.person(w, ref)
            bal = await das_statements.balance(w, f"person:{p.id}")
            counts = await das_rights.erase_person(w, p.id, self.ctx.now())
        await self.ctx.db.purge()
        return {"id": p.local_id, "erased": True, "removed": counts, "balance_cents_kept_anonymously": bal}

    # -- contracts -------------------------------------------------------------------------

    async def add_contract(self, who: Principal, person: str, hours: int | None, date_from: str, date_to: str, employer: str | None,
                           mode: str, leave_day_minutes: int, paper_consent: str | None = None, minutes: int | None = None) -> dict[str, Any]:
        """A new contract binds nobody yet: each party accepts it from their account, or the office records their signed paper."""
        ref = paper(who, paper_consent)
        granted = rules.granted_minutes(hours, minutes)
        d0, d1 = rules.day(date_from, "from"), rules.day(date_to, "to")
        rules.contract_dates(d0, d1, self.ctx.today())
        if (d1 - d0).days > 366 * 5:
            raise Invalid("field 'to': a DAS contract lasts at most five years; amend or renew it")
        years = ((d1 - d0).days + 1) / 365.25
        if granted > rules.MAX_HOURS_PER_YEAR * 60 * max(1.0, years):
            raise Invalid(f"field '{'hours' if minutes is None else 'minutes'}': {rules.hm(granted)} is more than a working year")
        async with self.ctx.db.write() as w:
            p = await self.ctx.person(w, person)
            emp_id = (await self.ctx.employer(w, employer)).id if employer else p.employer_id
            for c in await das_persons.contracts(w, person_id=p.id):
                if c.date_from <= d1.isoformat() and c.date_to >= d0.isoformat():
                    raise Conflict(
                        f"field 'from': this period overlaps contract {c.contract_no} ({c.date_from} to {c.date_to}) "
                        f"of this person; amend it instead (`das contract amend {c.contract_no}`)"
                    )
            no = await das_persons.next_contract_no(w)
            await das_persons.insert_contract(w, no, 1, p.id, emp_id, d0.isoformat(), d1.isoformat(), granted, mode,
                                              leave_day_minutes, "", self.ctx.now())
            if ref is not None:
                await accept_all(w, who, await self._current(w, no), ref, self.ctx.today().isoformat())
            c = await self._current(w, no)
        return {"id": no, "version": 1, "minutes_granted": granted} | _binding(c)

    async def _current(self, q: Query, no: int) -> Contract:
        rows = await das_persons.contracts(q, no=no)
        if not rows:
            raise NotFound(f"no contract {no} (see `das contract list`)")
        return rows[-1]

    async def amend_contract(self, who: Principal, no: int, hours: int | None, date_from: str | None, date_to: str | None, mode: str | None,
                             reason: str, paper_consent: str | None = None, minutes: int | None = None) -> dict[str, Any]:
        """A new version, pending like a new contract: entries wait until its parties accepted it."""
        ref = paper(who, paper_consent)
        new_grant = rules.granted_minutes(hours, minutes) if hours is not None or minutes is not None else None
        async with self.ctx.db.write() as w:
            old = await self._current(w, no)
            d0 = rules.day(date_from, "from") if date_from else dt.date.fromisoformat(old.date_from)
            d1 = rules.day(date_to, "to") if date_to else dt.date.fromisoformat(old.date_to)
            if date_from or date_to:
                rules.contract_dates(d0, d1, self.ctx.today())
            elif d1 < d0:
                raise Invalid("field 'to': the contract ends before it starts")
            minutes = new_grant if new_grant is not None else old.minutes_granted
            for c in await das_persons.contracts(w, person_id=old.person_id):
                if c.contract_no != no and c.date_from <= d1.isoformat() and c.date_to >= d0.isoformat():
                    raise Conflict(f"field 'from': the amended period overlaps contract {c.contract_no} of this person")
            used = sum((await das_persons.usage(w, old.person_id)).get(no, {}).values())
            if minutes < used:
                raise Conflict(f"field 'hours': {rules.hm(used)} are already recorded on contract {no}; it cannot grant less")
            first, last = await das_persons.entry_range(w, no)
            if first and last and (first < d0.isoformat() or last > d1.isoformat()):
                raise Conflict(f"field 'from': entries from {first} to {last} must stay inside the amended period")
            cid = await das_persons.insert_contract(w, no, old.version + 1, old.person_id, old.employer_id, d0.isoformat(),
                                              d1.isoformat(), minutes, mode or old.mode, old.leave_day_minutes, reason, self.ctx.now())
            await das_persons.supersede_contract(w, old.id, cid)
            if ref is not None:
                await accept_all(w, who, await self._current(w, no), ref, self.ctx.today().isoformat())
            c = await self._current(w, no)
        return {"id": no, "version": old.version + 1, "minutes_granted": minutes} | _binding(c)

    async def list_contracts(self, who: Principal, person: str | None) -> dict[str, Any]:
        """Every current contract for staff; a person's own, an employer's employees' for them."""
        pid = (await scope.person(self.ctx, self.ctx.db, who, person)).id if person else scope.own_person(who)
        emp = who.employer_id if who.role is Role.EMPLOYER else None
        rows = await das_persons.contracts(self.ctx.db, person_id=pid, employer_id=emp)
        moves = await das_persons.flex(self.ctx.db)
        used = await das_persons.usage(self.ctx.db, pid)
        names = {v[0]: k for k, v in (await das_persons.person_ids(self.ctx.db)).items()}
        out = []
        for c in rows:
            j = contract_json(c, moves.get(c.contract_no, []), used.get(c.contract_no, {}))
            j["person"] = names.get(c.person_id)
            out.append(j)
        return {"contracts": out}

    async def contract_history(self, who: Principal, no: int) -> dict[str, Any]:
        rows = await das_persons.contracts(self.ctx.db, no=no, current=False)
        if not rows or not who.may_person(rows[-1].person_id, rows[-1].employer_id):
            if not who.staff:
                raise who.refuse("contract")
            raise NotFound(f"no contract {no}")
        moves = (await das_persons.flex(self.ctx.db, no, proposed=True)).get(no, [])
        agreed = [m for m in moves if m.status == "agreed"]
        return {"id": no, "versions": [contract_json(c, agreed) | {"reason": c.reason} for c in rows],
                "flexibility": [_flex_json(m) for m in moves]}


def allocation(c: Contract, moves: Sequence[FlexMove]) -> dict[str, int]:
    """The contract's minutes per quarter once its flexibility agreements are applied."""
    return rules.allocation(dt.date.fromisoformat(c.date_from), dt.date.fromisoformat(c.date_to), c.minutes_granted,
                            [(m.from_quarter, m.to_quarter, m.minutes) for m in moves])


def contract_json(c: Contract, moves: Sequence[FlexMove] = (), used: dict[str, int] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": c.contract_no, "version": c.version, "from": c.date_from, "to": c.date_to,
        "hours": c.minutes_granted / 60, "minutes_granted": c.minutes_granted, "mode": c.mode,
        "leave_day_minutes": c.leave_day_minutes, **_binding(c),
        "allocation": allocation(c, moves), "superseded": c.superseded_by is not None,
    }
    if used is not None:
        out["used_minutes"] = sum(used.values())
        out["used_by_quarter"] = used
        out["remaining_minutes"] = c.minutes_granted - out["used_minutes"]
    return out


def _binding(c: Contract) -> dict[str, Any]:
    """Who accepted this version (account ids and roles, never names), who is still missing, and whether it binds."""
    missing = rules.missing_parties(c.employer_id is not None, c.accepted)
    return {"accepted": c.accepted, "acceptances": [consent_json(x) for x in c.consents], "missing_acceptances": missing,
            "binding": not missing}


def _flex_json(m: FlexMove) -> dict[str, Any]:
    out = asdict(m)
    out["consents"] = [consent_json(x) for x in m.consents]
    return out


def _exported_statement(s: Statement) -> dict[str, Any]:
    """A statement in a person's export: its stored fields, bytes as hex, the body decoded."""
    out = asdict(s)
    out.pop("body")
    out["salt"] = s.salt.hex() if s.salt else None
    out["leaf"] = s.leaf.hex()
    out["statement"] = to_json(s.document)
    return out


_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_local_id() -> str:
    """A person's local id: P- and eight characters that are hard to confuse (about 40 bits)."""
    return "P-" + "".join(secrets.choice(_ALPHABET) for _ in range(8))
