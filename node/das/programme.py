"""DAS operations on the local programme: projects through their state table, and activity
entries (added, reviewed by the project's coordinator, corrected).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from node.accounts.permissions import Role
from node.accounts.principal import Principal
from node.das import leave, rules, scope
from node.das.base import DasContext
from node.das.persons import allocation
from node.errors import Conflict, Forbidden, Invalid, NotFound
from node.storage import das_persons, das_programme
from node.storage.das_persons import Contract, FlexMove
from node.storage.das_query import Query
from node.storage.db import Writer
from protocol import das as pdas


@dataclass(frozen=True, slots=True)
class ProgrammeService:
    """The local programme (projects and their states) and the activity entries given to it."""

    ctx: DasContext

    # -- projects --------------------------------------------------------------------------

    async def add_project(self, title: str, sdg: int, coordinator: str | None, kind: str, theme: str | None,
                          holder: str | None = None) -> dict[str, Any]:
        """A project of general interest is proposed and waits for the assembly's decision; an
        individual project (local-initiative, international-solidarity) names its holder and is
        open at once: the seed makes the DAS "librement mobilisable" on them."""
        title = title.strip()
        if not title:
            raise Invalid("field 'title': a project needs a title")
        individual = kind in rules.INDIVIDUAL_KINDS
        if individual and not holder:
            raise Invalid(f"field 'person': a {kind} project is an individual project; name the person who carries it "
                          f"(`das project add --kind {kind} --person PSEUDONYM ...`)")
        if holder and not individual:
            raise Invalid(f"field 'person': only individual projects ({' or '.join(rules.INDIVIDUAL_KINDS)}) have a holder; "
                          "a project of the programme has a coordinator")
        async with self.ctx.db.write() as w:
            cid = (await self.ctx.person(w, coordinator, "coordinator")).id if coordinator else None
            if not individual:
                pid = await das_programme.insert_project(w, title, sdg, theme, kind, cid, self.ctx.now())
                return {"id": pid, "status": rules.ProjectStatus.PROPOSED.value, "category": pdas.public_category(sdg, theme)}
            hid = (await self.ctx.person(w, holder or "", "person")).id
            if cid == hid:
                raise Invalid("field 'coordinator': the holder cannot validate their own time; name another coordinator or none")
            status = rules.ProjectStatus.ACTIVE.value
            pid = await das_programme.insert_project(w, title, sdg, theme, kind, cid, self.ctx.now(), hid, status,
                                                     "individual project registered by the office: no assembly decision needed")
        return {"id": pid, "status": status, "category": pdas.public_category(sdg, theme), "individual": True}

    async def list_projects(self, status: str | None) -> dict[str, Any]:
        return {"projects": [asdict(p) for p in await das_programme.projects(self.ctx.db, status)]}

    async def project_transition(self, pid: int, event: rules.ProjectEvent, decision: str | None, on: str | None, note: str) -> dict[str, Any]:
        if event is rules.ProjectEvent.VALIDATE and not (decision and decision.strip()):
            raise Invalid("field 'decision': validation cites the territorial assembly's decision (reference and date)")
        async with self.ctx.db.write() as w:
            p = await self.ctx.project(w, pid)
            if p.holder_id is not None and event is rules.ProjectEvent.VALIDATE:
                raise Conflict(f"project {pid} is an individual project: it needs no assembly decision and takes time already")
            target = rules.next_status(p.status, event)
            if target is rules.ProjectStatus.VALIDATED:
                if p.coordinator_id is None:
                    raise Conflict(f"project {pid} has no coordinator: entries could not be validated")
                day = rules.day(on, "date", self.ctx.today()).isoformat() if on else _date_in(decision or "") or self.ctx.today().isoformat()
                await das_programme.set_project_status(w, pid, p.status, target.value, (decision or "").strip(), day, note, self.ctx.now())
            else:
                await das_programme.set_project_status(w, pid, p.status, target.value, None, None, note, self.ctx.now())
        return {"id": pid, "status": target.value}

    async def get_project(self, pid: int) -> dict[str, Any]:
        p = await self.ctx.project(self.ctx.db, pid)
        out = asdict(p)
        del out["coordinator_id"], out["holder_id"]  # named by pseudonym below
        out["category"] = pdas.public_category(p.sdg, p.theme)
        out["history"] = [e.to_json() for e in await das_programme.project_events(self.ctx.db, pid)]
        coord = await das_persons.person_by_id(self.ctx.db, p.coordinator_id) if p.coordinator_id else None
        out["coordinator"] = coord.pseudonym if coord else None
        holder = await das_persons.person_by_id(self.ctx.db, p.holder_id) if p.holder_id else None
        out["holder"] = holder.pseudonym if holder else None
        return out

    # -- entries ---------------------------------------------------------------------------

    async def _person_state(self, w: Writer, pid: int) -> rules.PersonState:
        contracts = await das_persons.contracts(w, person_id=pid)
        moves = await das_persons.flex(w)
        used = await das_persons.usage(w, pid)
        comps = (await das_persons.latest_competences(w, pid)).get(pid, {})
        days = await das_persons.day_minutes(w, pid)
        return rules.PersonState(
            pid, [contract_state(c, moves.get(c.contract_no, []), used.get(c.contract_no, {})) for c in contracts], comps,
            {d: m for (_, d), m in days.items()},
        )

    async def add_entry(self, who: Principal, person: str | None, project: int | str, date: str, minutes: int, competence: str | None,
                        note: str) -> dict[str, Any]:
        """A person records their own time, a coordinator time given to their project, the office anyone's: pending until decided."""
        minutes = rules.check_minutes(minutes)
        when = rules.day(date, "date")
        async with self.ctx.db.write() as w:
            if person is None and who.role is not Role.PERSON:
                raise Invalid("field 'person': whose time is it? (pseudonym or local id)")
            p = await self._whose(w, who, person)
            proj = await self.ctx.project(w, project)
            if who.role is Role.COORDINATOR and not who.may_project(proj.id):
                raise who.refuse("project")
            if proj.holder_id is not None and proj.holder_id != p.id:
                raise Forbidden(f"field 'project': project {proj.id} is an individual project: only its holder records time on it")
            state = await self._person_state(w, p.id)
            for c in state.contracts:
                if c.date_from <= when <= c.date_to:
                    await leave.leave_aware(w, c, when)
            contract, (comp, level, family) = rules.check_entry(
                state, rules.ProjectState(proj.id, rules.ProjectStatus(proj.status), proj.coordinator_id), when, minutes, competence
            )
            eid = await das_programme.insert_entry(
                w, (p.id, proj.id, contract.no, when.isoformat(), minutes, comp, level, family, "pending", None, None, None, note, None,
                    self.ctx.now(), who.account_id, str(who.role), None, None)
            )
        return {"id": eid, "status": "pending", "contract": contract.no, "minutes": minutes, "competence": comp,
                "recorded_by": who.act()}

    async def _whose(self, q: Query, who: Principal, person: str | None) -> das_persons.Person:
        """The person an entry is about: a person account's own; a coordinator's (on their projects) or staff's choice."""
        if who.role is Role.COORDINATOR and person is not None:
            return await self.ctx.person(q, person)
        if person is not None:
            return await scope.person(self.ctx, q, who, person)
        p = await das_persons.person_by_id(q, who.person_id) if who.person_id is not None else None
        if p is None or p.erased_at is not None:
            raise who.refuse("person")
        return p

    async def review_entry(self, who: Principal, eid: int, approve: bool, reason: str = "") -> dict[str, Any]:
        """Only a coordinator of the entry's project (or the office) decides; a rejection says why."""
        if not approve and not reason.strip():
            raise Invalid("field 'reason': a rejection says why, so the person can fix and record it again")
        async with self.ctx.db.write() as w:
            e = await das_programme.entry(w, eid)
            if e is None:
                raise NotFound(f"no entry {eid}")
            if not who.may_project(e.project_id):
                raise who.refuse("project")
            if e.status != "pending":
                raise Conflict(f"entry {eid} is already {e.status}; a change is a correcting entry (`das entry correct {eid}`)")
            proj = await self.ctx.project(w, e.project_id)
            if not who.staff and proj.coordinator_id == e.person_id:
                raise Forbidden(f"this is the time of project {proj.id}'s own coordinator: the Engagement 21 office validates it")
            await das_programme.set_entry_status(w, eid, "validated" if approve else "rejected", (who.account_id, str(who.role)),
                                                 self.ctx.now(), reason.strip()[:500] if not approve else None)
        return {"id": eid, "status": "validated" if approve else "rejected", "decided_by": who.act()}

    async def correct_entry(self, who: Principal, eid: int, minutes: int, reason: str) -> dict[str, Any]:
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= rules.MAX_ENTRY_MINUTES:
            raise Invalid(f"field 'minutes': the corrected duration is 0 to {rules.MAX_ENTRY_MINUTES} minutes")
        if not reason.strip():
            raise Invalid("field 'reason': a correction says why")
        async with self.ctx.db.write() as w:
            e = await das_programme.entry(w, eid)
            if e is None:
                raise NotFound(f"no entry {eid}")
            if e.corrects is not None:
                raise Invalid(f"entry {eid} is itself a correction: correct entry {e.corrects} instead")
            if e.status == "rejected":
                raise Conflict(f"entry {eid} was rejected; add a new entry instead")
            current = await das_programme.effective_minutes(w, eid)
            delta = minutes - current
            if delta == 0:
                raise Conflict(f"entry {eid} already counts {minutes} minutes")
            if delta > 0:
                state = await self._person_state(w, e.person_id)
                c = next((c for c in state.contracts if c.no == e.contract_no), None)
                if c is not None:
                    await leave.leave_aware(w, c, dt.date.fromisoformat(e.date))
                if c is None or delta > c.granted - c.used:
                    raise Conflict(f"field 'minutes': the correction adds {rules.hm(delta)}, beyond the contract's remaining hours")
            cid = await das_programme.insert_entry(
                w, (e.person_id, e.project_id, e.contract_no, e.date, delta, e.competence, e.level, e.family,
                    "pending", None, None, eid, reason.strip()[:500], None, self.ctx.now(), who.account_id, str(who.role), None, None)
            )
        return {"id": cid, "corrects": eid, "minutes": delta, "status": "pending"}

    async def list_entries(self, who: Principal, person: str | None, project: int | None, status: str | None, limit: int,
                           offset: int) -> dict[str, Any]:
        """Staff see every entry; a person their own; a coordinator their projects' entries."""
        pid = (await self._whose(self.ctx.db, who, person)).id if person else scope.own_person(who)
        projects: das_programme.ProjectFilter = project
        if who.role is Role.COORDINATOR:
            if project is not None and not who.may_project(project):
                raise who.refuse("project")
            projects = (project,) if project is not None else tuple(who.projects)
        # "total" lets a client say "1,000 of 40,006 shown" instead of stopping silently at a page
        return {"entries": [asdict(e) for e in await das_programme.entries(self.ctx.db, pid, projects, status, limit, offset)],
                "total": await das_programme.entries_total(self.ctx.db, pid, projects, status), "offset": offset}


def contract_state(c: Contract, moves: Sequence[FlexMove], used: dict[str, int]) -> rules.ContractState:
    d0, d1 = dt.date.fromisoformat(c.date_from), dt.date.fromisoformat(c.date_to)
    return rules.ContractState(
        c.contract_no, c.id, d0, d1, c.minutes_granted, c.mode, tuple(rules.missing_parties(c.employer_id is not None, c.accepted)),
        allocation(c, moves), sum(used.values()), dict(used),
    )


def _date_in(text: str) -> str | None:
    m = re.search(r"\b(\d{4}-\d{2}-\d{2})\b", text)
    if m:
        try:
            return dt.date.fromisoformat(m.group(1)).isoformat()
        except ValueError:
            return None
    return None
