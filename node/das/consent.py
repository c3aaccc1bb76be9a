"""Consent as acts of the parties themselves: who accepts a contract, agrees a competence profile
or a flexibility move, and on which account.

The party is never typed: it follows from the calling account (a person account for its own
person is `person`, an employer account for its own employer is `employer`, the office and the
owner are `engagement21`). Where a paper agreement was signed, the office records it with its
reference (`paper_consent`): the reference and the recording account are kept. Every consent
stores the account's pseudonymous id and role, never a name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from node.accounts.permissions import Role
from node.accounts.principal import Principal
from node.das import rules
from node.das.base import DasContext
from node.errors import Conflict, Forbidden, Invalid, NotFound
from node.storage import das_persons
from node.storage.das_persons import Consent, Contract
from node.storage.das_query import Query, Write

PROFILE_PARTIES = ("engagement21", "person")
MAX_PAPER_REF = 200


def party_of(who: Principal, person_id: int, employer_id: int | None, what: str = "contract") -> str:
    """The party the calling account speaks for on a person's agreement, or 403 when it is none of them."""
    if who.staff:
        return "engagement21"
    if who.role is Role.PERSON and who.person_id == person_id:
        return "person"
    if who.role is Role.EMPLOYER and employer_id is not None and who.employer_id == employer_id:
        return "employer"
    raise who.refuse(what)


def paper(who: Principal, ref: str | None) -> str | None:
    """A paper agreement's reference, checked: only the office (or the owner) records one."""
    if ref is None:
        return None
    if not who.staff:
        raise Forbidden("only the Engagement 21 office records a paper agreement (paper_consent); accept from your own account instead")
    text = ref.strip()
    if not text or len(text) > MAX_PAPER_REF:
        raise Invalid(f"field 'paper_consent': the paper agreement's reference, 1 to {MAX_PAPER_REF} characters (e.g. \"convention n°12\")")
    return text


def consent_json(c: Consent) -> dict[str, Any]:
    """A consent as shown: account ids and roles, never usernames."""
    return {"party": c.party, "account": c.account, "role": c.role, "paper": c.paper_ref, "on": c.on}


def flex_parties(c: Contract) -> tuple[str, str]:
    """A flexibility move is agreed by the person and the employer, or the office when there is none."""
    return ("person", "employer") if c.employer_id is not None else ("person", "engagement21")


async def accept_all(w: Write, who: Principal, c: Contract, paper_ref: str, on: str) -> None:
    """Record a signed paper agreement: every missing party of this version, by the recording account."""
    for party in rules.required_parties(c.employer_id is not None):
        await das_persons.accept(w, c.id, party, on, who.account_id, str(who.role), paper_ref)


@dataclass(frozen=True, slots=True)
class ConsentService:
    """Contract acceptances, competence profile agreements and flexibility moves, each by its own party."""

    ctx: DasContext

    def _day(self, on: str | None, paper_ref: str | None, field: str = "on") -> str:
        if on is None:
            return self.ctx.today().isoformat()
        if paper_ref is None:
            raise Invalid(f"field '{field}': an acceptance from an account is dated the day it is given; '{field}' dates a paper agreement")
        return rules.day(on, field, self.ctx.today()).isoformat()

    async def current(self, q: Query, no: int) -> Contract:
        rows = await das_persons.contracts(q, no=no)
        if not rows:
            raise NotFound(f"no contract {no} (see `das contract list`)")
        return rows[-1]

    # -- contracts -------------------------------------------------------------------------

    async def accept_contract(self, who: Principal, no: int, on: str | None, paper_consent: str | None) -> dict[str, Any]:
        ref = paper(who, paper_consent)
        day = self._day(on, ref)
        async with self.ctx.db.write() as w:
            c = await self.current(w, no)
            party = party_of(who, c.person_id, c.employer_id)
            if ref is not None:
                await accept_all(w, who, c, ref, day)
            elif party not in c.accepted:
                await das_persons.accept(w, c.id, party, day, who.account_id, str(who.role))
            c = await self.current(w, no)
        return acceptance_json(c)

    # -- competence profiles ---------------------------------------------------------------

    async def record_profile(self, who: Principal, ref: str, items: list[tuple[str, int, str]], agreed_on: str | None,
                             paper_consent: str | None) -> dict[str, Any]:
        """The office records a version (its own consent); it is agreed once the person accepts it."""
        if not who.staff:
            raise Forbidden("the Engagement 21 office records a competence profile; the person then accepts it from their account")
        pref = paper(who, paper_consent)
        day = self._day(agreed_on, pref, "agreed_on")
        async with self.ctx.db.write() as w:
            p = await self.ctx.person(w, ref)
            prof_id, version = await das_persons.insert_profile(w, p.id, day, items, self.ctx.now())
            await das_persons.insert_consent(w, "profile", prof_id, "engagement21", who.account_id, str(who.role), pref, day)
            if pref is not None:
                await das_persons.insert_consent(w, "profile", prof_id, "person", who.account_id, str(who.role), pref, day)
                await das_persons.agree(w, "das_profiles", prof_id, PROFILE_PARTIES, day)
        return await self._profile_json(p.id, version) | {"competences": len(items)}

    async def accept_profile(self, who: Principal, ref: str, version: int | None, on: str | None, paper_consent: str | None) -> dict[str, Any]:
        pref = paper(who, paper_consent)
        day = self._day(on, pref)
        async with self.ctx.db.write() as w:
            p = await das_persons.person(w, ref.strip())
            if p is None or p.erased_at is not None:
                if not who.staff:
                    raise who.refuse("person")
                raise NotFound("no person with this pseudonym or local id (add one with `das person add`)")
            if party_of(who, p.id, None, "person") != "person" and pref is None:
                raise Forbidden("the office agreed this profile by recording it; the person accepts it from their account "
                                "(or the office records their signed paper with paper_consent)")
            versions = await das_persons.profiles(w, p.id)
            if not versions:
                raise NotFound("this person has no competence profile yet (`das person profile`)")
            latest = versions[-1]
            if version is not None and version != latest.version:
                raise Conflict(f"field 'version': version {latest.version} is the current profile; only it can be accepted")
            if latest.status == "agreed":
                raise Conflict(f"profile version {latest.version} is already agreed")
            await das_persons.insert_consent(w, "profile", latest.id, "person", who.account_id, str(who.role), pref, day)
            await das_persons.agree(w, "das_profiles", latest.id, PROFILE_PARTIES, day)
        return await self._profile_json(p.id, latest.version)

    async def _profile_json(self, person_id: int, version: int) -> dict[str, Any]:
        prof = next(x for x in await das_persons.profiles(self.ctx.db, person_id) if x.version == version)
        return profile_json(prof) | {"competences": len(prof.competences)}

    # -- flexibility -----------------------------------------------------------------------

    async def propose_flex(self, who: Principal, no: int, src: str, dst: str, minutes: int, on: str | None, reason: str,
                           paper_consent: str | None) -> dict[str, Any]:
        pref = paper(who, paper_consent)
        day = self._day(on, pref)
        async with self.ctx.db.write() as w:
            c = await self.current(w, no)
            party = party_of(who, c.person_id, c.employer_id)
            need = flex_parties(c)
            if pref is None and party not in need:
                raise Forbidden(f"a flexibility agreement of contract {no} is between the person and the employer: they agree it from "
                                "their accounts, or the office records their signed paper with paper_consent")
            alloc = await self._check_move(w, c, src, dst, minutes)
            agreed = pref is not None
            fid = await das_persons.insert_flex(w, no, src, dst, minutes, need if agreed else (party,), day, reason, self.ctx.now(),
                                                "agreed" if agreed else "proposed")
            for x in need if agreed else (party,):
                await das_persons.insert_consent(w, "flex", fid, x, who.account_id, str(who.role), pref, day)
            if agreed:
                alloc[src] -= minutes
                alloc[dst] += minutes
        waiting = [] if agreed else [x for x in need if x != party]
        return {"id": fid, "contract": no, "status": "agreed" if agreed else "proposed", "waiting_for": waiting,
                "allocation": alloc, "total_minutes": sum(alloc.values())}

    async def accept_flex(self, who: Principal, no: int, fid: int, paper_consent: str | None) -> dict[str, Any]:
        pref = paper(who, paper_consent)
        day = self._day(None, None)
        async with self.ctx.db.write() as w:
            c = await self.current(w, no)
            party = party_of(who, c.person_id, c.employer_id)
            move = next((m for m in (await das_persons.flex(w, no, proposed=True)).get(no, []) if m.id == fid), None)
            if move is None:
                raise NotFound(f"no flexibility move {fid} on contract {no} (see `das contract show {no}`)")
            if move.status == "agreed":
                raise Conflict(f"flexibility move {fid} is already agreed")
            need = flex_parties(c)
            missing = [x for x in need if x not in move.parties]
            if pref is not None:
                party = missing[0]
            elif party not in missing:
                raise Conflict(f"flexibility move {fid} waits for the consent of the {missing[0]}, not of its proposer")
            alloc = await self._check_move(w, c, move.from_quarter, move.to_quarter, move.minutes)
            await das_persons.insert_consent(w, "flex", fid, party, who.account_id, str(who.role), pref, day)
            await das_persons.agree(w, "das_flex", fid, need, day)
            alloc[move.from_quarter] -= move.minutes
            alloc[move.to_quarter] += move.minutes
        return {"id": fid, "contract": no, "status": "agreed", "waiting_for": [], "allocation": alloc, "total_minutes": sum(alloc.values())}

    async def _check_move(self, w: Write, c: Contract, src: str, dst: str, minutes: int) -> dict[str, int]:
        """The contract's allocation before the move, once the move is checked against it."""
        moves = (await das_persons.flex(w, c.contract_no)).get(c.contract_no, [])
        alloc = rules.allocation(dt.date.fromisoformat(c.date_from), dt.date.fromisoformat(c.date_to), c.minutes_granted,
                                 [(m.from_quarter, m.to_quarter, m.minutes) for m in moves])
        for name, q in (("from", src), ("to", dst)):
            if q not in alloc:
                raise Invalid(f"field '{name}': {q[:10]} is not a quarter of contract {c.contract_no} ({', '.join(alloc)})")
        if src == dst:
            raise Invalid("field 'to': hours move between two different quarters")
        used = (await das_persons.usage(w, c.person_id)).get(c.contract_no, {})
        free = alloc[src] - used.get(src, 0)
        if minutes > free:
            raise Conflict(f"field 'minutes': only {rules.hm(max(free, 0))} of {src} are still free to move")
        return alloc


def acceptance_json(c: Contract) -> dict[str, Any]:
    need = rules.required_parties(c.employer_id is not None)
    missing = [x for x in need if x not in c.accepted]
    return {"id": c.contract_no, "version": c.version, "accepted": c.accepted, "acceptances": [consent_json(x) for x in c.consents],
            "missing_acceptances": missing, "binding": not missing}


def profile_json(p: das_persons.Profile) -> dict[str, Any]:
    given = {x.party for x in p.consents} or set(p.parties)
    out = asdict(p)
    out.pop("consents")
    out["agreed_on"] = p.agreed_on if p.status == "agreed" else None
    out["consents"] = [consent_json(x) for x in p.consents]
    out["missing"] = [x for x in PROFILE_PARTIES if x not in given] if p.status != "agreed" else []
    return out
