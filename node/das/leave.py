"""DAS leave ("congés DAS", seed 000): a person whose contract is taken as leave days requests
days from their own account; the employer's representative approves or refuses them from theirs
(the Engagement 21 office where the contract has no employer). Days become minutes with the
contract's `leave_day_minutes` and draw on its grant.

What a leave contract's grant has given: its requested and approved leave, and the time recorded
outside those days (time given during leave is what the leave is for: it does not draw twice).
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
from node.storage import das_leave, das_persons
from node.storage.das_persons import Contract
from node.storage.das_query import Query

MAX_LEAVE_DAYS = 366  # one request; a contract lasts at most five years
STATUSES = ("requested", "approved", "refused")


def working_days(d0: dt.date, d1: dt.date) -> int:
    """Monday to Friday between d0 and d1 included (the node knows no public holidays: give `days`)."""
    weeks, extra = divmod((d1 - d0).days + 1, 7)
    return weeks * 5 + sum(1 for i in range(extra) if (d0 + dt.timedelta(days=i)).weekday() < 5)


def nth_working_day(d0: dt.date, n: int) -> dt.date:
    """The day on which n working days starting at d0 end."""
    d, left = d0, n
    while True:
        if d.weekday() < 5:
            left -= 1
            if left == 0:
                return d
        d += dt.timedelta(days=1)


def _covering(leaves: list[tuple[str, str, int]], day: str) -> int | None:
    return next((i for i, (a, b, _) in enumerate(leaves) if a <= day <= b), None)


def drawn(leaves: list[tuple[str, str, int]], entry_days: list[tuple[str, int]]) -> int:
    """Minutes of a leave contract's grant given: its leave, the time recorded outside it, and time
    recorded during a leave beyond that leave's length. A person's leaves never overlap."""
    inside = [0] * len(leaves)
    outside = 0
    for day, m in entry_days:
        i = _covering(leaves, day)
        if i is None:
            outside += m
        else:
            inside[i] += m
    return sum(m for _, _, m in leaves) + outside + sum(max(0, inside[i] - leaves[i][2]) for i in range(len(leaves)))


def spare(leaves: list[tuple[str, str, int]], entry_days: list[tuple[str, int]], day: str) -> int:
    """Minutes of the leave covering `day` not yet given to recorded time (0 outside any leave)."""
    i = _covering(leaves, day)
    if i is None:
        return 0
    a, b, m = leaves[i]
    return max(0, m - sum(x for d, x in entry_days if a <= d <= b))


async def leave_aware(q: Query, c: rules.ContractState, when: dt.date) -> None:
    """What a leave contract's grant has given, as the entry check reads it (`c.used`): time recorded
    during a leave is covered by that leave up to its length, time outside draws on what is left."""
    if c.mode != "leave":
        return
    leaves = await das_leave.active(q, c.no)
    if leaves:
        days = await das_leave.entry_days(q, c.no)
        c.used = drawn(leaves, days) - spare(leaves, days, when.isoformat())


@dataclass(frozen=True, slots=True)
class LeaveService:
    """Leave requests, their decisions and their listing, each checked against the acting account."""

    ctx: DasContext

    async def _contract(self, q: Query, no: int) -> Contract:
        rows = await das_persons.contracts(q, no=no)
        if not rows:
            raise NotFound(f"field 'contract': no contract {no} (see `das contract list`)")
        return rows[-1]

    async def request(self, who: Principal, no: int, date_from: str, date_to: str | None, days: int | None, note: str) -> dict[str, Any]:
        today = self.ctx.today()
        d0 = rules.day(date_from, "from", today)
        if date_to is None and days is None:
            raise Invalid("give 'to' (the last day of leave) or 'days' (how many working days from 'from')")
        d1 = rules.day(date_to, "to", today) if date_to else None
        if d1 is not None and d1 < d0:
            raise Invalid("field 'to': the leave ends before it starts")
        if days is not None and (isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_LEAVE_DAYS):
            raise Invalid(f"field 'days': a request is 1 to {MAX_LEAVE_DAYS} days")
        if d1 is None:
            d1 = nth_working_day(d0, days or 1)
        work = working_days(d0, d1)
        if work == 0:
            raise Invalid(f"field 'from': {d0} to {d1} holds no working day (Monday to Friday)")
        n = days if days is not None else work
        if n > work:
            raise Invalid(f"field 'days': {n} days do not fit in {d0} to {d1} ({work} working days)")
        async with self.ctx.db.write() as w:
            c = await self._contract(w, no)
            if not who.staff and not (who.role is Role.PERSON and who.person_id == c.person_id):
                raise who.refuse("contract")
            if c.mode != "leave":
                raise Conflict(f"contract {no} is taken spread over its quarters, not as leave days; its parties may amend its mode "
                               f"(`das contract amend {no} --mode leave`)")
            # the same parties programme.contract_state requires before a contract takes time
            missing = rules.missing_parties(c.employer_id is not None, c.accepted)
            if missing:
                raise Conflict(f"contract {no} is not yet accepted by: {', '.join(missing)}; leave is requested on a binding contract")
            if not (c.date_from <= d0.isoformat() and d1.isoformat() <= c.date_to):
                raise Invalid(f"field 'from': the leave lies outside contract {no} ({c.date_from} to {c.date_to})")
            other = await das_leave.overlapping(w, c.person_id, d0.isoformat(), d1.isoformat())
            if other is not None:
                raise Conflict(f"field 'from': these days overlap leave request {other.id} ({other.date_from} to {other.date_to}, "
                               f"{other.status}); one day is taken once")
            minutes = n * c.leave_day_minutes
            leaves, entries = await das_leave.active(w, no), await das_leave.entry_days(w, no)
            left = c.minutes_granted - drawn(leaves, entries)
            after = c.minutes_granted - drawn([*leaves, (d0.isoformat(), d1.isoformat(), minutes)], entries)
            if after < 0:
                raise Conflict(f"field 'days': {n} days of {rules.hm(c.leave_day_minutes)} are {rules.hm(minutes)}, beyond what contract "
                               f"{no} has left ({rules.hm(max(left, 0))} of {rules.hm(c.minutes_granted)})")
            lid = await das_leave.insert(w, no, c.person_id, d0.isoformat(), d1.isoformat(), n, minutes, note.strip()[:500],
                                         who.account_id, str(who.role), self.ctx.now())
        return {"id": lid, "status": "requested", "contract": no, "from": d0.isoformat(), "to": d1.isoformat(), "days": n,
                "minutes": minutes, "remaining_minutes": after, "requested_by": who.act()}

    async def decide(self, who: Principal, lid: int, approve: bool, reason: str) -> dict[str, Any]:
        async with self.ctx.db.write() as w:
            leave = await das_leave.leave(w, lid)
            if leave is None:
                raise NotFound(f"no leave request {lid} (see `das leave list`)")
            c = await self._contract(w, leave.contract_no)
            if c.employer_id is not None:
                if who.role is Role.EMPLOYER:
                    if who.employer_id != c.employer_id:
                        raise who.refuse("person's leave")
                else:
                    raise Forbidden("leave on a contract with an employer is approved or refused by that employer's representative, "
                                    "from their own account")
            elif not who.staff:
                raise Forbidden("leave on a contract without an employer is approved or refused by the Engagement 21 office")
            if leave.status != "requested":
                raise Conflict(f"leave request {lid} is already {leave.status}; a new decision needs a new request")
            status = "approved" if approve else "refused"
            await das_leave.decide(w, lid, status, who.account_id, str(who.role), reason.strip()[:500], self.ctx.now())
        return {"id": lid, "status": status, "contract": leave.contract_no, "days": leave.days, "minutes": leave.minutes,
                "decided_by": who.act()}

    async def list(self, who: Principal, person: str | None, contract: int | None, status: str | None) -> dict[str, Any]:
        pid = employer_id = None
        if who.role is Role.PERSON:
            pid = who.person_id
            if person is not None and (await self.ctx.person(self.ctx.db, person)).id != pid:
                raise who.refuse("person's leave")
        elif who.role is Role.EMPLOYER:
            employer_id = who.employer_id
            if person is not None:
                pid = (await self.ctx.person(self.ctx.db, person)).id
        elif who.staff:
            pid = (await self.ctx.person(self.ctx.db, person)).id if person else None
        else:
            raise who.refuse("leave")
        rows = await das_leave.listing(self.ctx.db, pid, employer_id, contract, status)
        return {"leave": [asdict(r) for r in rows]}
