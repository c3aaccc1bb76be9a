"""Societal Activity Rights on one node: the operations the admin API exposes.

Each operation checks its input and writes in one transaction (`Database.write()`), reading what
it checks inside that transaction. Error messages name the field or line at fault and never
repeat a person's pseudonym or name (the node's logs and errors carry no personal data).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from node.das import rules
from node.errors import Conflict, Invalid, NodeError, NodeErrorCode, NotFound
from node.service import Node
from node.storage import das as store
from node.storage.db import Writer
from protocol import das as pdas
from protocol import encoding, merkle
from protocol.errors import ProtocolError


def Forbidden(msg: str) -> NodeError:  # noqa: N802 - reads like the other error classes
    return NodeError(msg, NodeErrorCode.FORBIDDEN, 403)


MAX_GROUP_CELLS = 30  # cells per group in a summary (the schema allows 32 categories, 64 families)


def _period(text: str) -> pdas.Period:
    try:
        return pdas.parse_period(text)
    except ProtocolError as exc:
        raise Invalid(f"field 'period': {exc.message}") from None


@dataclass
class DasService:
    node: Node

    @property
    def db(self) -> Any:
        return self.node.db

    @property
    def cfg(self) -> Any:
        return self.node.config.das

    def now(self) -> int:
        return self.node.clock()

    def today(self) -> dt.date:
        return dt.datetime.fromtimestamp(self.now() / 1000, dt.UTC).date()

    # -- lookups ---------------------------------------------------------------------------

    async def _person(self, q: Any, ref: str, field: str = "person") -> dict[str, Any]:
        p = await store.person(q, str(ref).strip())
        if p is None or p["erased_at"] is not None:
            raise NotFound(f"field '{field}': no person with this pseudonym or local id (add one with `das person add`)")
        return p

    async def _employer(self, q: Any, ref: str, field: str = "employer") -> dict[str, Any]:
        e = await store.employer(q, str(ref).strip())
        if e is None:
            raise NotFound(f"field '{field}': no employer '{str(ref)[:60]}' (add it with `das employer add`)")
        return e

    async def _project(self, q: Any, ref: Any, field: str = "project") -> dict[str, Any]:
        try:
            pid = int(ref)
        except (TypeError, ValueError):
            raise Invalid(f"field '{field}': a project id is a number (see `das project list`)") from None
        p = await store.project(q, pid)
        if p is None:
            raise NotFound(f"field '{field}': no project {pid} (see `das project list`)")
        return p

    # -- employers -------------------------------------------------------------------------

    async def add_employer(self, name: str, kind: str) -> dict[str, Any]:
        name = name.strip()
        if not name:
            raise Invalid("field 'name': an employer needs a name")
        async with self.db.write() as w:
            if await store.employer(w, name) is not None:
                raise Conflict(f"field 'name': employer '{name[:60]}' already exists")
            eid = await store.insert_employer(w, name, kind, self.now())
        return {"id": eid, "name": name, "kind": kind}

    async def employer_view(self, ref: str, period: str | None) -> dict[str, Any]:
        """Purpose limitation: hours used against each employee's quota, never projects or causes."""
        e = await self._employer(self.db, ref)
        p = _period(period) if period else _period(str(self.today().year))
        rows = await store.employer_quota(self.db, e["id"], p.start.isoformat(), p.end.isoformat())
        for r in rows:
            r["remaining_minutes"] = r["granted_minutes"] - r["used_minutes"]
        return {"employer": e["name"], "period": p.text, "employees": rows}

    # -- persons ---------------------------------------------------------------------------

    async def add_person(self, pseudonym: str, status: str, employer: str | None, name: str | None, local_id: str | None = None) -> dict[str, Any]:
        pseudonym = pseudonym.strip()
        if not pseudonym:
            raise Invalid("field 'pseudonym': a person needs a pseudonym")
        lid = (local_id or "").strip() or new_local_id()
        async with self.db.write() as w:
            if await store.person(w, pseudonym) is not None:
                raise Conflict("field 'pseudonym': this pseudonym is already used")
            if await store.person(w, lid) is not None:
                raise Conflict("field 'local_id': this local id is already used")
            eid = (await self._employer(w, employer))["id"] if employer else None
            await store.insert_person(w, lid, pseudonym, name, status, eid, secrets.token_bytes(pdas.SALT_BYTES), self.now())
        return {"id": lid, "status": status, "employer": employer}

    async def get_person(self, ref: str) -> dict[str, Any]:
        p = await self._person(self.db, ref)
        emp = None
        if p["employer_id"]:
            row = await store.employer(self.db, str(p["employer_id"]))
            emp = row["name"] if row else None
        return {
            "id": p["local_id"],
            "pseudonym": p["pseudonym"],
            "name": p["name"],
            "status": p["status"],
            "employer": emp,
            "profiles": await store.profiles(self.db, p["id"]),
            "contracts": [self._contract_json(c) for c in await store.contracts(self.db, person_id=p["id"])],
        }

    async def set_profile(self, ref: str, competences: list[Any], agreed_on: str | None, parties: list[str]) -> dict[str, Any]:
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
        on = rules.day(agreed_on, "agreed_on").isoformat() if agreed_on else self.today().isoformat()
        async with self.db.write() as w:
            p = await self._person(w, ref)
            need = {"engagement21", "person"} | ({"employer"} if p["employer_id"] else set())
            bad = sorted(set(parties) - set(rules.PARTIES))
            if bad:
                raise Invalid(f"field 'parties': unknown party '{bad[0]}' (parties: {', '.join(rules.PARTIES)})")
            missing = sorted(need - set(parties))
            if missing:
                raise Invalid(f"field 'parties': the profile must be agreed by {', '.join(sorted(need))}; missing {', '.join(missing)}")
            prof_id, version = await store.insert_profile(w, p["id"], on, sorted(set(parties)), items, self.now())
        return {"id": prof_id, "version": version, "agreed_on": on, "parties": sorted(set(parties)), "competences": len(items)}

    async def export_person(self, ref: str) -> dict[str, Any]:
        p = await self._person(self.db, ref)
        data = await store.person_export(self.db, p["id"])
        emp = await store.employer(self.db, str(p["employer_id"])) if p["employer_id"] else None
        out = {
            "format": "democite/das-person-export/v1",
            "exported_on": self.today().isoformat(),
            "person": {
                "id": p["local_id"], "pseudonym": p["pseudonym"], "name": p["name"], "status": p["status"],
                "employer": emp["name"] if emp else None, "created_at": p["created_at"],
            },
            "profiles": await store.profiles(self.db, p["id"]),
            **data,
            "balance_cents": await store.balance(self.db, f"person:{p['id']}"),
        }
        for s in out["statements"]:
            s["statement"] = _jsonable(encoding.decode(s.pop("body"))) if s.get("body") else None
            s["salt"] = s["salt"].hex() if s.get("salt") else None
            s["leaf"] = s["leaf"].hex()
        return out

    async def erase_person(self, ref: str) -> dict[str, Any]:
        async with self.db.write() as w:
            p = await self._person(w, ref)
            bal = await store.balance(w, f"person:{p['id']}")
            counts = await store.erase_person(w, p["id"], self.now())
        await self.db.purge()
        return {"id": p["local_id"], "erased": True, "removed": counts, "balance_cents_kept_anonymously": bal}

    # -- contracts -------------------------------------------------------------------------

    def _contract_json(self, c: dict[str, Any], moves: Sequence[dict[str, Any]] = (), used: dict[str, int] | None = None) -> dict[str, Any]:
        alloc = rules.allocation(
            dt.date.fromisoformat(c["date_from"]), dt.date.fromisoformat(c["date_to"]), c["minutes_granted"],
            [(m["from_quarter"], m["to_quarter"], m["minutes"]) for m in moves],
        )
        need = rules.required_parties(c["employer_id"] is not None)
        out = {
            "id": c["contract_no"], "version": c["version"], "from": c["date_from"], "to": c["date_to"],
            "hours": c["minutes_granted"] / 60, "minutes_granted": c["minutes_granted"], "mode": c["mode"],
            "leave_day_minutes": c["leave_day_minutes"], "accepted": c["accepted"],
            "missing_acceptances": [x for x in need if x not in c["accepted"]],
            "allocation": alloc, "superseded": c["superseded_by"] is not None,
        }
        if used is not None:
            out["used_minutes"] = sum(used.values())
            out["used_by_quarter"] = used
            out["remaining_minutes"] = c["minutes_granted"] - out["used_minutes"]
        return out

    async def add_contract(self, person: str, hours: int, date_from: str, date_to: str, employer: str | None, mode: str,
                           leave_day_minutes: int, pending: bool) -> dict[str, Any]:
        d0, d1 = rules.day(date_from, "from"), rules.day(date_to, "to")
        if d1 < d0:
            raise Invalid("field 'to': the contract ends before it starts")
        if (d1 - d0).days > 366 * 5:
            raise Invalid("field 'to': a DAS contract lasts at most five years; amend or renew it")
        years = ((d1 - d0).days + 1) / 365.25
        if hours > rules.MAX_HOURS_PER_YEAR * max(1.0, years):
            raise Invalid(f"field 'hours': {hours} hours is more than a working year")
        async with self.db.write() as w:
            p = await self._person(w, person)
            emp_id = (await self._employer(w, employer))["id"] if employer else p["employer_id"]
            for c in await store.contracts(w, person_id=p["id"]):
                if c["date_from"] <= d1.isoformat() and c["date_to"] >= d0.isoformat():
                    raise Conflict(
                        f"field 'from': this period overlaps contract {c['contract_no']} ({c['date_from']} to {c['date_to']}) "
                        f"of this person; amend it instead (`das contract amend {c['contract_no']}`)"
                    )
            no = await store.next_contract_no(w)
            cid = await store.insert_contract(w, no, 1, p["id"], emp_id, d0.isoformat(), d1.isoformat(), hours * 60, mode,
                                              leave_day_minutes, "", self.now())
            if not pending:
                for party in rules.required_parties(emp_id is not None):
                    await store.accept(w, cid, party, self.today().isoformat())
        return {"id": no, "version": 1, "minutes_granted": hours * 60, "pending": pending}

    async def _current(self, q: Any, no: int) -> dict[str, Any]:
        rows = await store.contracts(q, no=no)
        if not rows:
            raise NotFound(f"no contract {no} (see `das contract list`)")
        return rows[-1]

    async def accept_contract(self, no: int, party: str, on: str | None) -> dict[str, Any]:
        day = rules.day(on, "on").isoformat() if on else self.today().isoformat()
        async with self.db.write() as w:
            c = await self._current(w, no)
            need = rules.required_parties(c["employer_id"] is not None)
            if party not in need:
                raise Invalid(f"field 'party': contract {no} is agreed by {', '.join(need)}")
            await store.accept(w, c["id"], party, day)
            c = await self._current(w, no)
        return {"id": no, "version": c["version"], "accepted": c["accepted"], "missing_acceptances": [x for x in need if x not in c["accepted"]]}

    async def amend_contract(self, no: int, hours: int | None, date_from: str | None, date_to: str | None, mode: str | None,
                             reason: str, pending: bool) -> dict[str, Any]:
        async with self.db.write() as w:
            old = await self._current(w, no)
            d0 = rules.day(date_from, "from") if date_from else dt.date.fromisoformat(old["date_from"])
            d1 = rules.day(date_to, "to") if date_to else dt.date.fromisoformat(old["date_to"])
            if d1 < d0:
                raise Invalid("field 'to': the contract ends before it starts")
            minutes = hours * 60 if hours is not None else old["minutes_granted"]
            for c in await store.contracts(w, person_id=old["person_id"]):
                if c["contract_no"] != no and c["date_from"] <= d1.isoformat() and c["date_to"] >= d0.isoformat():
                    raise Conflict(f"field 'from': the amended period overlaps contract {c['contract_no']} of this person")
            used = sum((await store.usage(w, old["person_id"])).get(no, {}).values())
            if minutes < used:
                raise Conflict(f"field 'hours': {rules.hm(used)} are already recorded on contract {no}; it cannot grant less")
            first, last = await store.entry_range(w, no)
            if first and last and (first < d0.isoformat() or last > d1.isoformat()):
                raise Conflict(f"field 'from': entries from {first} to {last} must stay inside the amended period")
            cid = await store.insert_contract(w, no, old["version"] + 1, old["person_id"], old["employer_id"], d0.isoformat(),
                                              d1.isoformat(), minutes, mode or old["mode"], old["leave_day_minutes"], reason, self.now())
            await store.supersede_contract(w, old["id"], cid)
            if not pending:
                for party in rules.required_parties(old["employer_id"] is not None):
                    await store.accept(w, cid, party, self.today().isoformat())
        return {"id": no, "version": old["version"] + 1, "minutes_granted": minutes, "pending": pending}

    async def flex_contract(self, no: int, src: str, dst: str, minutes: int, parties: list[str], on: str | None, reason: str) -> dict[str, Any]:
        day = rules.day(on, "on").isoformat() if on else self.today().isoformat()
        async with self.db.write() as w:
            c = await self._current(w, no)
            need = {"person", "employer" if c["employer_id"] is not None else "engagement21"}
            missing = sorted(need - set(parties))
            if missing:
                raise Invalid(f"field 'parties': a flexibility agreement needs the consent of {' and '.join(sorted(need))}; missing {', '.join(missing)}")
            moves = (await store.flex(w, no)).get(no, [])
            alloc = rules.allocation(dt.date.fromisoformat(c["date_from"]), dt.date.fromisoformat(c["date_to"]), c["minutes_granted"],
                                     [(m["from_quarter"], m["to_quarter"], m["minutes"]) for m in moves])
            for name, q in (("from", src), ("to", dst)):
                if q not in alloc:
                    raise Invalid(f"field '{name}': {q[:10]} is not a quarter of contract {no} ({', '.join(alloc)})")
            if src == dst:
                raise Invalid("field 'to': hours move between two different quarters")
            used = (await store.usage(w, c["person_id"])).get(no, {})
            free = alloc[src] - used.get(src, 0)
            if minutes > free:
                raise Conflict(f"field 'minutes': only {rules.hm(max(free, 0))} of {src} are still free to move")
            fid = await store.insert_flex(w, no, src, dst, minutes, sorted(set(parties)), day, reason, self.now())
            alloc[src] -= minutes
            alloc[dst] += minutes
        return {"id": fid, "contract": no, "allocation": alloc, "total_minutes": sum(alloc.values())}

    async def list_contracts(self, person: str | None) -> dict[str, Any]:
        pid = (await self._person(self.db, person))["id"] if person else None
        rows = await store.contracts(self.db, person_id=pid)
        moves = await store.flex(self.db)
        used = await store.usage(self.db, pid)
        names = {v[0]: k for k, v in (await store.person_ids(self.db)).items()}
        out = []
        for c in rows:
            j = self._contract_json(c, moves.get(c["contract_no"], []), used.get(c["contract_no"], {}))
            j["person"] = names.get(c["person_id"])
            out.append(j)
        return {"contracts": out}

    async def contract_history(self, no: int) -> dict[str, Any]:
        rows = await store.contracts(self.db, no=no, current=False)
        if not rows:
            raise NotFound(f"no contract {no}")
        moves = (await store.flex(self.db, no)).get(no, [])
        return {"id": no, "versions": [self._contract_json(c, moves) | {"reason": c["reason"]} for c in rows], "flexibility": moves}

    # -- projects --------------------------------------------------------------------------

    async def add_project(self, title: str, sdg: int, coordinator: str | None, kind: str, theme: str | None) -> dict[str, Any]:
        title = title.strip()
        if not title:
            raise Invalid("field 'title': a project needs a title")
        async with self.db.write() as w:
            cid = (await self._person(w, coordinator, "coordinator"))["id"] if coordinator else None
            pid = await store.insert_project(w, title, sdg, theme, kind, cid, self.now())
        return {"id": pid, "status": rules.ProjectStatus.PROPOSED.value, "category": pdas.public_category(sdg, theme)}

    async def project_transition(self, pid: int, event: rules.ProjectEvent, decision: str | None, on: str | None, note: str) -> dict[str, Any]:
        if event is rules.ProjectEvent.VALIDATE and not (decision and decision.strip()):
            raise Invalid("field 'decision': validation cites the territorial assembly's decision (reference and date)")
        async with self.db.write() as w:
            p = await self._project(w, pid)
            target = rules.next_status(p["status"], event)
            if target is rules.ProjectStatus.VALIDATED:
                if p["coordinator_id"] is None:
                    raise Conflict(f"project {pid} has no coordinator: entries could not be validated")
                day = rules.day(on, "date").isoformat() if on else _date_in(decision or "") or self.today().isoformat()
                await store.set_project_status(w, pid, p["status"], target.value, decision.strip(), day, note, self.now())  # type: ignore[union-attr]
            else:
                await store.set_project_status(w, pid, p["status"], target.value, None, None, note, self.now())
        return {"id": pid, "status": target.value}

    async def get_project(self, pid: int) -> dict[str, Any]:
        p = await self._project(self.db, pid)
        p["category"] = pdas.public_category(p["sdg"], p["theme"])
        p["history"] = await store.project_events(self.db, pid)
        coord = await store.person_by_id(self.db, p.pop("coordinator_id")) if p.get("coordinator_id") else None
        p["coordinator"] = coord["pseudonym"] if coord else None
        return p

    # -- entries ---------------------------------------------------------------------------

    async def _person_state(self, w: Writer, pid: int) -> rules.PersonState:
        contracts = await store.contracts(w, person_id=pid)
        moves = await store.flex(w)
        used = await store.usage(w, pid)
        comps = (await store.latest_competences(w, pid)).get(pid, {})
        days = await store.day_minutes(w, pid)
        return rules.PersonState(
            pid, [_contract_state(c, moves.get(c["contract_no"], []), used.get(c["contract_no"], {})) for c in contracts], comps,
            {d: m for (_, d), m in days.items()},
        )

    async def add_entry(self, person: str, project: Any, date: str, minutes: int, competence: str | None, note: str) -> dict[str, Any]:
        minutes = rules.check_minutes(minutes)
        when = rules.day(date, "date")
        async with self.db.write() as w:
            p = await self._person(w, person)
            proj = await self._project(w, project)
            state = await self._person_state(w, p["id"])
            contract, (comp, level, family) = rules.check_entry(
                state, rules.ProjectState(proj["id"], rules.ProjectStatus(proj["status"]), proj["coordinator_id"]), when, minutes, competence
            )
            eid = await store.insert_entry(
                w, (p["id"], proj["id"], contract.no, when.isoformat(), minutes, comp, level, family, "pending", None, None, None, note, None, self.now())
            )
        return {"id": eid, "status": "pending", "contract": contract.no, "minutes": minutes, "competence": comp}

    async def review_entry(self, eid: int, by: str, approve: bool, reason: str = "") -> dict[str, Any]:
        async with self.db.write() as w:
            e = await store.entry(w, eid)
            if e is None:
                raise NotFound(f"no entry {eid}")
            if e["status"] != "pending":
                raise Conflict(f"entry {eid} is already {e['status']}; a change is a correcting entry (`das entry correct {eid}`)")
            validator = await self._person(w, by, "by")
            proj = await self._project(w, e["project_id"])
            if proj["coordinator_id"] != validator["id"]:
                raise Forbidden(f"field 'by': only the coordinator of project {proj['id']} can validate its entries")
            if validator["id"] == e["person_id"]:
                raise Forbidden("field 'by': a coordinator cannot validate their own entries; the Engagement 21 names another coordinator")
            await store.set_entry_status(w, eid, "validated" if approve else "rejected", validator["id"], self.now(),
                                         reason if not approve else None)
        return {"id": eid, "status": "validated" if approve else "rejected"}

    async def correct_entry(self, eid: int, minutes: int, reason: str) -> dict[str, Any]:
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= rules.MAX_ENTRY_MINUTES:
            raise Invalid(f"field 'minutes': the corrected duration is 0 to {rules.MAX_ENTRY_MINUTES} minutes")
        if not reason.strip():
            raise Invalid("field 'reason': a correction says why")
        async with self.db.write() as w:
            e = await store.entry(w, eid)
            if e is None:
                raise NotFound(f"no entry {eid}")
            if e["corrects"] is not None:
                raise Invalid(f"entry {eid} is itself a correction: correct entry {e['corrects']} instead")
            if e["status"] == "rejected":
                raise Conflict(f"entry {eid} was rejected; add a new entry instead")
            current = await store.effective_minutes(w, eid)
            delta = minutes - current
            if delta == 0:
                raise Conflict(f"entry {eid} already counts {minutes} minutes")
            if delta > 0:
                state = await self._person_state(w, e["person_id"])
                c = next((c for c in state.contracts if c.no == e["contract_no"]), None)
                if c is None or delta > c.granted - c.used:
                    raise Conflict(f"field 'minutes': the correction adds {rules.hm(delta)}, beyond the contract's remaining hours")
            cid = await store.insert_entry(
                w, (e["person_id"], e["project_id"], e["contract_no"], e["date"], delta, e["competence"], e["level"], e["family"],
                    "pending", None, None, eid, reason.strip()[:500], None, self.now())
            )
        return {"id": cid, "corrects": eid, "minutes": delta, "status": "pending"}

    async def list_entries(self, person: str | None, project: int | None, status: str | None, limit: int, offset: int) -> dict[str, Any]:
        pid = (await self._person(self.db, person))["id"] if person else None
        return {"entries": await store.entries(self.db, pid, project, status, limit, offset)}

    # -- statements ------------------------------------------------------------------------

    def _rate(self, level: int) -> int:
        rates = self.cfg.rate_cents_per_hour
        return int(rates[max(1, min(level, len(rates))) - 1])

    def _statement_core(self, period: pdas.Period, groups: list[tuple[Any, ...]], titles: dict[int, tuple[str, int, str | None, str]],
                        contracts: list[dict[str, Any]], used_to_end: dict[int, int]) -> dict[str, Any]:
        lines = []
        for _pid, proj, comp, level, _family, minutes in groups:
            if minutes == 0:
                continue
            title, sdg, theme, _kind = titles[proj]
            lines.append({
                "project": proj, "title": title, "category": pdas.public_category(sdg, theme), "competence": comp,
                "level": level, "minutes": minutes, "cents": minutes * self._rate(level) // 60,
            })
        rights = []
        for c in contracts:
            if c["date_from"] > period.end.isoformat() or c["date_to"] < period.start.isoformat():
                continue
            used = used_to_end.get(c["contract_no"], 0)
            rights.append({"contract": c["contract_no"], "from": c["date_from"], "to": c["date_to"], "granted_minutes": c["minutes_granted"],
                           "used_minutes": used, "remaining_minutes": c["minutes_granted"] - used})
        return {
            "v": 1, "period": period.text, "currency": self.cfg.currency, "lines": lines,
            "minutes": sum(x["minutes"] for x in lines), "cents": sum(x["cents"] for x in lines), "rights": rights,
        }

    async def _issue(self, w: Writer, period: pdas.Period, people: dict[int, dict[str, Any]], correct: bool,
                     only_changed: bool) -> tuple[list[int], int, list[int]]:
        """Issue statements for `people` ({person_id: person row}) in one transaction.

        Returns (new numbers, unchanged count, persons whose current statement differs but who
        were left alone because `correct` is false)."""
        start, end = period.start.isoformat(), period.end.isoformat()
        pid_filter = next(iter(people)) if len(people) == 1 else None
        groups = await store.statement_groups(w, start, end, pid_filter)
        by_person: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        for g in groups:
            if g[0] in people:
                by_person[g[0]].append(g)
        titles = await store.project_titles(w)
        contracts_by_person: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for c in await store.contracts(w, person_id=pid_filter):
            contracts_by_person[c["person_id"]].append(c)
        used_q = await store.usage(w, pid_filter, statuses=("validated",), until=end)
        used_to_end = {no: sum(v.values()) for no, v in used_q.items()}
        current = await store.current_statements(w, period.text, pid_filter)
        number = await store.next_statement_no(w)
        txn = await store.next_txn_id(w)
        today, now = self.today().isoformat(), self.now()
        rows, supersede, txns, lines, issued, stale = [], [], [], [], [], []
        unchanged = 0
        for pid, person in people.items():
            core = self._statement_core(period, by_person.get(pid, []), titles, contracts_by_person.get(pid, []), used_to_end)
            old = current.get(pid)
            if old is not None:
                old_body = encoding.decode(old["body"])
                if {k: v for k, v in old_body.items() if k not in ("number", "issued", "holder", "corrects")} == core:
                    unchanged += 1
                    continue
                if not correct:
                    stale.append(pid)
                    continue
            elif only_changed and not core["lines"] and not core["rights"]:
                continue
            body = dict(core, number=number, issued=today, holder=pdas.holder_commitment(person["salt"]))
            if old is not None:
                body["corrects"] = old["number"]
                supersede.append((number, old["number"]))
            raw = encoding.encode(body)
            salt = secrets.token_bytes(pdas.SALT_BYTES)
            rows.append((number, pid, period.text, old["number"] if old else None, today, raw, salt, pdas.statement_leaf(salt, raw),
                         core["minutes"], core["cents"], now))
            delta = core["cents"] - (old["cents"] if old else 0)
            if delta:
                account = f"person:{pid}"
                if delta < 0 and await store.balance(w, account) + delta < 0:
                    raise Conflict(f"statement {old['number'] if old else number}: the correction takes back {-delta} cents, more than the "
                                   "person's balance; settle it with the local currency's operator first")
                txns.append((txn, today, "correction" if old else "credit", f"statement {number} ({period.text})", number, now))
                lines += [(txn, "issuance", -delta), (txn, account, delta)]
                txn += 1
            issued.append(number)
            number += 1
        await store.insert_statements(w, rows)
        await store.supersede_statements(w, supersede)
        await store.insert_txns(w, txns, lines)
        return issued, unchanged, stale

    async def statement(self, person: str, period: str, correct: bool) -> dict[str, Any]:
        p = _period(period)
        async with self.db.write() as w:
            row = await self._person(w, person)
            issued, unchanged, stale = await self._issue(w, p, {row["id"]: row}, correct, only_changed=False)
            cur = await store.current_statements(w, p.text, row["id"])
        st = await self.statement_json(cur[row["id"]]["number"])
        st["newly_issued"] = bool(issued)
        if stale:
            st["notice"] = (f"entries changed since statement {st['number']} was issued; issue a correction with --correct")
        return st

    async def issue_all(self, period: str, correct: bool) -> dict[str, Any]:
        p = _period(period)
        t0 = self.now()
        async with self.db.write() as w:
            salts = await _salts(w)
            people: dict[int, dict[str, Any]] = {v[0]: {"id": v[0], "salt": salts[v[0]]} for v in (await store.person_ids(w)).values()}
            issued, unchanged, stale = await self._issue(w, p, people, correct, only_changed=True)
        return {"period": p.text, "issued": len(issued), "unchanged": unchanged, "changed_not_corrected": len(stale),
                "first": issued[0] if issued else None, "last": issued[-1] if issued else None, "ms": self.now() - t0}

    async def statement_json(self, number: int) -> dict[str, Any]:
        s = await store.statement(self.db, number)
        if s is None:
            raise NotFound(f"no statement {number}")
        if s["body"] is None:
            raise NotFound(f"statement {number} belonged to a person whose data was erased")
        body = encoding.decode(s["body"])
        person = await store.person_by_id(self.db, s["person_id"])
        return {
            "number": number, "person": person["pseudonym"] if person else None, "name": person["name"] if person else None,
            "person_id": s["person_id"], "period": s["period"], "issued": body["issued"], "corrects": s["corrects"],
            "superseded_by": s["superseded_by"], "currency": body["currency"], "lines": body["lines"], "minutes": body["minutes"],
            "cents": body["cents"], "rights": body["rights"], "commitment": s["leaf"].hex(),
            "rate_cents_per_hour": list(self.cfg.rate_cents_per_hour),
        }

    async def list_statements(self, person: str | None, period: str | None, limit: int, offset: int) -> dict[str, Any]:
        pid = (await self._person(self.db, person))["id"] if person else None
        return {"statements": await store.statements(self.db, pid, _period(period).text if period else None, limit, offset)}

    # -- ledger ----------------------------------------------------------------------------

    async def spend(self, person: str, cents: int, merchant: str, memo: str) -> dict[str, Any]:
        merchant = merchant.strip()
        if not merchant:
            raise Invalid("field 'merchant': name the local service paid")
        async with self.db.write() as w:
            p = await self._person(w, person)
            account = f"person:{p['id']}"
            bal = await store.balance(w, account)
            if cents > bal:
                raise Conflict(f"field 'cents': the balance is {bal} cents; a balance never goes negative")
            txn = await store.next_txn_id(w)
            await store.insert_txns(w, [(txn, self.today().isoformat(), "spend", memo[:200], None, self.now())],
                                    [(txn, account, -cents), (txn, f"merchant:{merchant[:80]}", cents)])
        return {"id": txn, "balance_cents": bal - cents}

    async def balances(self, person: str | None) -> dict[str, Any]:
        if person:
            p = await self._person(self.db, person)
            return {"account": f"person:{p['id']}", "balance_cents": await store.balance(self.db, f"person:{p['id']}")}
        rows = await store.balances(self.db)
        names = {f"person:{v[0]}": k for k, v in (await store.person_ids(self.db)).items()}
        return {"accounts": [{"account": a, "holder": names.get(a), "balance_cents": b} for a, b in rows],
                "unbalanced_transactions": await store.ledger_unbalanced(self.db)}

    async def ledger_csv(self) -> str:
        import csv
        import io

        names = {f"person:{v[0]}": k for k, v in (await store.person_ids(self.db)).items()}
        buf = io.StringIO()
        out = csv.writer(buf, lineterminator="\n")
        out.writerow(["txn", "date", "kind", "account", "holder", "debit_cents", "credit_cents", "memo", "statement"])
        for r in await store.ledger_lines(self.db):
            amt = r["amount_cents"]
            out.writerow([r["txn"], r["date"], r["kind"], r["account"], names.get(r["account"], ""),
                          -amt if amt < 0 else 0, amt if amt > 0 else 0, r["memo"], r["statement"] or ""])
        return buf.getvalue()

    # -- summaries -------------------------------------------------------------------------

    async def summary_body(self, period: str) -> tuple[dict[str, Any], list[tuple[bytes, int | None]]]:
        p = _period(period)
        k = self.cfg.k_anonymity
        start, end = p.start.isoformat(), p.end.isoformat()
        q = self.db
        persons = {v[0]: v[1] for v in (await store.person_ids(q)).values()}
        contracts = [c for c in await store.contracts_overlapping(q, start, end) if c["person_id"] in persons]
        moves = await store.flex(q)
        holders = {c["person_id"] for c in contracts}
        employed = {c["person_id"] for c in contracts if c["employer_id"] is not None}
        employers = {c["employer_id"] for c in contracts if c["employer_id"] is not None}
        granted = 0
        for c in contracts:
            d0, d1 = dt.date.fromisoformat(c["date_from"]), dt.date.fromisoformat(c["date_to"])
            alloc = rules.allocation(d0, d1, c["minutes_granted"],
                                     [(m["from_quarter"], m["to_quarter"], m["minutes"]) for m in moves.get(c["contract_no"], [])])
            granted += rules.granted_in(d0, d1, alloc, p.start, p.end)
        titles = await store.project_titles(q)
        given_person: dict[int, int] = defaultdict(int)
        cat: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        fam: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for pid, proj, family, minutes in await store.given_by(q, start, end):
            if pid not in persons:
                continue
            title, sdg, theme, _ = titles[proj]
            given_person[pid] += minutes
            cat[pdas.public_category(sdg, theme)][pid] += minutes
            fam[family][pid] += minutes

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
        current = await store.current_statements(q, p.text)
        credited = pdas.cell(sum(1 for s in current.values() if s["cents"] > 0), k,
                             cents=sum(max(0, s["cents"]) for s in current.values()))
        body: dict[str, Any] = {
            "period": p.text, "k": k, "currency": self.cfg.currency,
            "persons": persons_cell, "by_status": by_status,
            "contracts": pdas.cell(len(holders), k, contracts=len(contracts)),
            "granted": pdas.cell(len(holders), k, minutes=granted),
            "given": given,
            "by_category": group(cat, "suppressed" not in given),
            "by_family": group(fam, "suppressed" not in given),
            "credited": credited,
            "employers": pdas.cell(len(employed), k, employers=len(employers)),
        }
        real = await store.period_leaves(q, p.text)
        size = pdas.padded_size(len(real))
        leaves: list[tuple[bytes, int | None]] = [(leaf, no) for no, leaf in real]
        leaves += [(secrets.token_bytes(32), None) for _ in range(size - len(real))]
        leaves.sort(key=lambda x: x[0])
        body["statements"] = size
        body["statements_root"] = merkle.root_of([x[0] for x in leaves])
        return body, leaves

    async def project_aggregate(self, project: Any, period: str) -> dict[str, Any]:
        """Validated minutes given to one project in a period, as one aggregate, refused under k persons.

        This is what may leave the node (e.g. as `twin.hours`): a total, never who gave it, and only
        when at least k persons contributed, the same k-anonymity rule as `das.summary` cells."""
        p = _period(period)
        proj = await self._project(self.db, project)
        given = [m for m in await store.project_given(self.db, proj["id"], p.start.isoformat(), p.end.isoformat()) if m > 0]
        k = self.cfg.k_anonymity
        if len(given) < k:
            raise Invalid(
                f"project {proj['id']}: {'fewer than ' + str(k) + ' persons' if given else 'no person'} gave validated time in {p.text}; "
                f"an aggregate is published only when at least k={k} persons contributed (das.k_anonymity), "
                "so nothing was published: choose a longer period or report the hours with --hours"
            )
        return {"project": proj["id"], "period": p.text, "minutes": sum(given), "persons_at_least": k}

    async def publish_summary(self, period: str) -> dict[str, Any]:
        t0 = self.now()
        body, leaves = await self.summary_body(period)
        previous = await store.summaries(self.db, body["period"])
        if previous:
            body["corrects"] = previous[-1]["record_id"]
        try:
            pdas.check_summary(body)
        except ProtocolError as exc:  # a bug, never a choice: refuse to publish a cell under k
            raise Invalid(exc.message) from None
        signed = await self.node.publish("das.summary", body)
        async with self.db.write() as w:
            await store.insert_summary(w, body["period"], signed.id, body["statements"], body["statements_root"], leaves, self.now())
        return {"id": signed.id.hex(), "seq": signed.seq, "period": body["period"], "body": _jsonable(body), "ms": self.now() - t0}

    async def list_summaries(self, period: str | None) -> dict[str, Any]:
        rows = await store.summaries(self.db, _period(period).text if period else None)
        return {"summaries": [{"id": r["record_id"].hex(), "period": r["period"], "statements": r["size"], "root": r["root"].hex(),
                               "published_at": r["published_at"]} for r in rows]}

    async def attach(self, number: int) -> dict[str, Any]:
        """A disclosure the territory hands to evaluators: it is included in this node's audit exports."""
        doc = await self.prove(number)
        async with self.db.write() as w:
            await store.attach_disclosure(w, number, self.now())
        return doc

    async def audit_disclosures(self) -> list[tuple[str, dict[str, Any]]]:
        """(scheme, disclosure) of every statement attached for evaluators and still provable."""
        out = []
        for number in await store.attached_disclosures(self.db):
            try:
                out.append(("das.bulletin", await self.prove(number)))
            except NodeError:
                continue  # its summary was replaced by a later one without it, or the holder was erased
        return out

    async def prove(self, number: int) -> dict[str, Any]:
        s = await store.statement(self.db, number)
        if s is None:
            raise NotFound(f"no statement {number}")
        if s["salt"] is None:
            raise NotFound(f"statement {number} belonged to a person whose data was erased: it can no longer be disclosed")
        h = await store.summary_holding(self.db, number)
        if h is None:
            raise NotFound(f"statement {number} is in no published summary yet: `das summary publish --period {s['period']}`")
        leaves = await store.summary_leaves(self.db, h["id"])
        proof = merkle.inclusion_proof(h["idx"], h["size"], pdas.tree_nodes(leaves))
        rec = await self.node.logs.record_by_id(h["record_id"])
        if rec is None:
            raise NotFound("the summary record is missing from this node's log")
        doc = pdas.make_disclosure(rec.raw, rec.sig, s["body"], s["salt"], h["idx"], h["size"], proof)
        pdas.verify_disclosure(doc, self.node.public_key)  # never hand out a disclosure that does not verify
        return doc


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


_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_local_id() -> str:
    """A person's local id: P- and eight characters that are hard to confuse (about 40 bits)."""
    return "P-" + "".join(secrets.choice(_ALPHABET) for _ in range(8))


def _contract_state(c: dict[str, Any], moves: Sequence[dict[str, Any]], used: dict[str, int]) -> rules.ContractState:
    d0, d1 = dt.date.fromisoformat(c["date_from"]), dt.date.fromisoformat(c["date_to"])
    need = rules.required_parties(c["employer_id"] is not None)
    return rules.ContractState(
        c["contract_no"], c["id"], d0, d1, c["minutes_granted"], c["mode"], tuple(x for x in need if x not in c["accepted"]),
        rules.allocation(d0, d1, c["minutes_granted"], [(m["from_quarter"], m["to_quarter"], m["minutes"]) for m in moves]),
        sum(used.values()), dict(used),
    )


async def _salts(q: Any) -> dict[int, bytes]:
    return await store.person_salts(q)


def _date_in(text: str) -> str | None:
    import re

    m = re.search(r"\b(\d{4}-\d{2}-\d{2})\b", text)
    if m:
        try:
            return dt.date.fromisoformat(m.group(1)).isoformat()
        except ValueError:
            return None
    return None


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value
