"""DAS operations on activity statements and the ledger: a statement is issued per person and
period (corrected by a new one when entries change) and credits its holder's account.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from node import csvout
from node.das import leave as leave_rules
from node.das.base import DasContext, period_field
from node.errors import Conflict, Invalid, NotFound
from node.storage import das_leave, das_persons, das_statements
from node.storage.das_persons import Contract, Profile
from node.storage.das_statements import Statement
from node.storage.db import Writer
from protocol import das as pdas
from protocol import encoding

DEFAULT_LEVEL = 1  # the level time is credited at without an agreed competence profile (and for `general` time)


def profile_agreed(profile: Profile) -> bool:
    """The one place that decides whether a competence profile version is agreed: the office
    recorded it and the person accepted it (from their account, or the office recorded their
    signed paper), which is what the consent service marks `agreed`."""
    return profile.status == "agreed"


def agreed_profile(profiles: Sequence[Profile], period_end: str) -> Profile | None:
    """The agreed profile a statement of a period ending on `period_end` credits by: the latest
    agreed by then, else the first agreed after (time recorded before its agreement); None
    without any. Once chosen, later versions never change it: an issued statement stays true."""
    agreed = [p for p in profiles if profile_agreed(p)]
    by_then = [p for p in agreed if p.agreed_on <= period_end]
    if by_then:
        return by_then[-1]
    return agreed[0] if agreed else None


def _profile_fields(profile: Profile | None, default_rate: int) -> dict[str, Any]:
    """What a statement says about the profile it was credited by (or the default that applied)."""
    if profile is None:
        return {"profile": None, "default": {"level": DEFAULT_LEVEL, "rate_cents_per_hour": default_rate}}
    return {"profile": {"version": profile.version, "agreed_on": profile.agreed_on}}


def _same_statement(old_body: dict[str, Any], core: dict[str, Any]) -> bool:
    """Whether an issued statement still says what `core` says; one issued before statements
    named their profile is compared without it (its figures alone decide)."""
    old = {k: v for k, v in old_body.items() if k not in ("number", "issued", "holder", "corrects")}
    if "profile" not in old:
        core = {k: v for k, v in core.items() if k not in ("profile", "default")}
    return old == core


@dataclass(frozen=True, slots=True)
class StatementsService:
    """Activity statements (issued, corrected, listed) and the ledger of the credits they grant."""

    ctx: DasContext

    # -- statements ------------------------------------------------------------------------

    def _rate(self, level: int) -> int:
        rates = self.ctx.cfg.rate_cents_per_hour
        return int(rates[max(1, min(level, len(rates))) - 1])

    def _statement_core(self, period: pdas.Period, groups: list[tuple[Any, ...]], titles: dict[int, tuple[str, int, str | None, str]],
                        contracts: list[Contract], used_to_end: dict[int, int], profile: Profile | None,
                        leave_to_end: dict[int, tuple[int, int]]) -> dict[str, Any]:
        merged: dict[tuple[int, str, int], int] = {}
        for _pid, proj, comp, level, _family, minutes in groups:
            # an entry's level was checked against the profile when recorded; without an agreed profile it does not count
            key = (proj, comp, level if profile is not None else DEFAULT_LEVEL)
            merged[key] = merged.get(key, 0) + minutes
        lines = []
        for (proj, comp, level), minutes in merged.items():
            if minutes == 0:
                continue
            title, sdg, theme, _kind = titles[proj]
            lines.append({
                "project": proj, "title": title, "category": pdas.public_category(sdg, theme), "competence": comp,
                "level": level, "minutes": minutes, "cents": minutes * self._rate(level) // 60,
            })
        rights = []
        for c in contracts:
            if c.date_from > period.end.isoformat() or c.date_to < period.start.isoformat():
                continue
            used = used_to_end.get(c.contract_no, 0)
            right = {"contract": c.contract_no, "from": c.date_from, "to": c.date_to, "granted_minutes": c.minutes_granted,
                     "used_minutes": used, "remaining_minutes": c.minutes_granted - used}
            if c.contract_no in leave_to_end:  # a leave contract's grant is drawn by its leave too
                right["leave_minutes"], drawn = leave_to_end[c.contract_no]
                right["remaining_minutes"] = c.minutes_granted - drawn
            rights.append(right)
        return {
            "v": 1, "period": period.text, "currency": self.ctx.cfg.currency, "lines": lines,
            "minutes": sum(x["minutes"] for x in lines), "cents": sum(x["cents"] for x in lines), "rights": rights,
            **_profile_fields(profile, self._rate(DEFAULT_LEVEL)),
        }

    async def _cores(self, w: Writer, period: pdas.Period, people: dict[int, bytes], pid_filter: int | None) -> dict[int, dict[str, Any]]:
        """What each person's statement of `period` says today: lines, totals and rights."""
        start, end = period.start.isoformat(), period.end.isoformat()
        by_person: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        for g in await das_statements.statement_groups(w, start, end, pid_filter):
            if g[0] in people:
                by_person[g[0]].append(g)
        titles = await das_statements.project_titles(w)
        contracts_by_person: dict[int, list[Contract]] = defaultdict(list)
        for c in await das_persons.contracts(w, person_id=pid_filter):
            contracts_by_person[c.person_id].append(c)
        used_q = await das_persons.usage(w, pid_filter, statuses=("validated",), until=end)
        used_to_end = {no: sum(v.values()) for no, v in used_q.items()}
        profiles: dict[int, Profile | None] = {}
        for pid in await das_statements.persons_with_profiles(w, pid_filter):  # most persons of a large territory have none
            if pid in people:
                profiles[pid] = agreed_profile(await das_persons.profiles(w, pid), end)
        leave_to_end: dict[int, tuple[int, int]] = {}
        for no, leaves in (await das_leave.approved_until(w, end, pid_filter)).items():
            days = await das_leave.entry_days(w, no, validated_until=end)
            leave_to_end[no] = (sum(m for _, _, m in leaves), leave_rules.drawn(leaves, days))
        return {pid: self._statement_core(period, by_person.get(pid, []), titles, contracts_by_person.get(pid, []), used_to_end,
                                          profiles.get(pid), leave_to_end) for pid in people}

    async def _issue(self, w: Writer, period: pdas.Period, people: dict[int, bytes], correct: bool,
                     only_changed: bool) -> tuple[list[int], int, list[int]]:
        """Issue statements for `people` ({person_id: salt}) in one transaction.

        Returns (new numbers, unchanged count, persons whose current statement differs but who
        were left alone because `correct` is false)."""
        pid_filter = next(iter(people)) if len(people) == 1 else None
        cores = await self._cores(w, period, people, pid_filter)
        current = await das_statements.current_statements(w, period.text, pid_filter)
        overlapping = self._overlaps(period, await das_statements.current_periods(w, pid_filter), people)
        batch = _Batch(period, self.ctx.today().isoformat(), self.ctx.now(), await das_statements.next_statement_no(w),
                       await das_statements.next_txn_id(w))
        unchanged, stale = 0, []
        for pid, holder_salt in people.items():
            if pid in overlapping:
                if len(people) == 1:
                    other, no = overlapping[pid]
                    raise Conflict(
                        f"statement no. {no} for {other} already covers part of {period.text}: one person's "
                        "statements never overlap, so every hour is credited once; choose a period that does not overlap"
                    )
                stale.append(pid)
                continue
            core, old = cores[pid], current.get(pid)
            if old is not None:
                if _same_statement(old.document or {}, core):
                    unchanged += 1
                    continue
                if not correct:
                    stale.append(pid)
                    continue
            elif only_changed and not core["lines"] and not core["rights"]:
                continue
            delta = core["cents"] - (old.cents if old else 0)
            if delta < 0 and await das_statements.balance(w, f"person:{pid}") + delta < 0:
                raise Conflict(f"statement {old.number if old else batch.number}: the correction takes back {-delta} cents, more than the "
                               "person's balance; settle it with the local currency's operator first")
            batch.add(pid, holder_salt, core, old, delta)
        await batch.write(w)
        return batch.issued, unchanged, stale

    @staticmethod
    def _overlaps(period: pdas.Period, issued: list[tuple[int, str, int]], people: dict[int, bytes]) -> dict[int, tuple[str, int]]:
        """Persons holding a statement of another period that shares days with `period`."""
        out: dict[int, tuple[str, int]] = {}
        for pid, text, number in issued:
            if pid not in people or text == period.text:
                continue
            other = pdas.parse_period(text)
            if other.start <= period.end and period.start <= other.end:
                out.setdefault(pid, (text, number))
        return out

    async def statement(self, person: str, period: str, correct: bool) -> dict[str, Any]:
        p = period_field(period)
        async with self.ctx.db.write() as w:
            row = await self.ctx.person(w, person)
            issued, unchanged, stale = await self._issue(w, p, {row.id: row.salt or b""}, correct, only_changed=False)
            cur = await das_statements.current_statements(w, p.text, row.id)
        st = await self.statement_json(cur[row.id].number)
        st["newly_issued"] = bool(issued)
        if stale:
            st["notice"] = (f"entries changed since statement {st['number']} was issued; issue a correction with --correct")
        return st

    async def issue_all(self, period: str, correct: bool) -> dict[str, Any]:
        p = period_field(period)
        t0 = self.ctx.now()
        async with self.ctx.db.write() as w:
            salts = await das_persons.person_salts(w)
            people = {v[0]: salts[v[0]] for v in (await das_persons.person_ids(w)).values()}
            issued, unchanged, stale = await self._issue(w, p, people, correct, only_changed=True)
        return {"period": p.text, "issued": len(issued), "unchanged": unchanged, "changed_not_corrected": len(stale),
                "first": issued[0] if issued else None, "last": issued[-1] if issued else None, "ms": self.ctx.now() - t0}

    async def statement_json(self, number: int) -> dict[str, Any]:
        s = await das_statements.statement(self.ctx.db, number)
        if s is None:
            raise NotFound(f"no statement {number}")
        body = s.document
        if body is None or s.person_id is None:
            raise NotFound(f"statement {number} belonged to a person whose data was erased")
        person = await das_persons.person_by_id(self.ctx.db, s.person_id)
        return {
            "number": number, "person": person.pseudonym if person else None, "name": person.name if person else None,
            "person_id": s.person_id, "period": s.period, "issued": body["issued"], "corrects": s.corrects,
            "superseded_by": s.superseded_by, "currency": body["currency"], "lines": body["lines"], "minutes": body["minutes"],
            "cents": body["cents"], "rights": body["rights"], "commitment": s.leaf.hex(),
            "rate_cents_per_hour": list(self.ctx.cfg.rate_cents_per_hour), **_profile_view(body),
        }

    async def list_statements(self, person: str | None, period: str | None, limit: int, offset: int) -> dict[str, Any]:
        pid = (await self.ctx.person(self.ctx.db, person)).id if person else None
        text = period_field(period).text if period else None
        return {"statements": [asdict(s) for s in await das_statements.statements(self.ctx.db, pid, text, limit, offset)],
                "total": await das_statements.statements_total(self.ctx.db, pid, text), "offset": offset}

    # -- ledger ----------------------------------------------------------------------------

    async def spend(self, person: str, cents: int, merchant: str, memo: str) -> dict[str, Any]:
        merchant = merchant.strip()
        if not merchant:
            raise Invalid("field 'merchant': name the local service paid")
        async with self.ctx.db.write() as w:
            p = await self.ctx.person(w, person)
            account = f"person:{p.id}"
            bal = await das_statements.balance(w, account)
            if cents > bal:
                raise Conflict(f"field 'cents': the balance is {bal} cents; a balance never goes negative")
            txn = await das_statements.next_txn_id(w)
            await das_statements.insert_txns(w, [(txn, self.ctx.today().isoformat(), "spend", memo[:200], None, self.ctx.now())],
                                    [(txn, account, -cents), (txn, f"merchant:{merchant[:80]}", cents)])
        return {"id": txn, "balance_cents": bal - cents}

    async def balances(self, person: str | None) -> dict[str, Any]:
        if person:
            p = await self.ctx.person(self.ctx.db, person)
            return {"account": f"person:{p.id}", "balance_cents": await das_statements.balance(self.ctx.db, f"person:{p.id}")}
        rows = await das_statements.balances(self.ctx.db)
        names = {f"person:{v[0]}": k for k, v in (await das_persons.person_ids(self.ctx.db)).items()}
        return {"accounts": [{"account": a, "holder": names.get(a), "balance_cents": b} for a, b in rows],
                "unbalanced_transactions": await das_statements.ledger_unbalanced(self.ctx.db)}

    async def ledger_csv(self) -> str:
        names = {f"person:{v[0]}": k for k, v in (await das_persons.person_ids(self.ctx.db)).items()}
        out = csvout.Writer()
        out.writerow(["txn", "date", "kind", "account", "holder", "debit_cents", "credit_cents", "memo", "statement"])
        for r in await das_statements.ledger_lines(self.ctx.db):
            amt = r.amount_cents
            out.writerow([r.txn, r.date, r.kind, r.account, names.get(r.account, ""),
                          -amt if amt < 0 else 0, amt if amt > 0 else 0, r.memo, r.statement or ""])
        return out.getvalue()


def _profile_view(body: dict[str, Any]) -> dict[str, Any]:
    """The profile an issued statement was credited by, and in plain words when there was none."""
    if "profile" not in body:  # issued before statements named their profile
        return {}
    out = {"profile": body["profile"]}
    if body["profile"] is None:
        d = body["default"]
        out["default"] = d
        out["profile_note"] = (f"no agreed competence profile: time credited at the default level {d['level']} "
                               f"({d['rate_cents_per_hour']} cents an hour)")
    return out


@dataclass(slots=True)
class _Batch:
    """The statements, corrections and ledger credits of one issuance, written together at the end."""

    period: pdas.Period
    today: str
    now: int
    number: int  # the next statement number
    txn: int  # the next ledger transaction id
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    supersede: list[tuple[int, int]] = field(default_factory=list)
    txns: list[tuple[int, str, str, str, int | None, int]] = field(default_factory=list)
    lines: list[tuple[int, str, int]] = field(default_factory=list)
    issued: list[int] = field(default_factory=list)

    def add(self, pid: int, holder_salt: bytes, core: dict[str, Any], old: Statement | None, delta: int) -> None:
        """One statement (correcting `old` if any), and the credit (or its correction) of `delta` cents."""
        number = self.number
        body = dict(core, number=number, issued=self.today, holder=pdas.holder_commitment(holder_salt))
        if old is not None:
            body["corrects"] = old.number
            self.supersede.append((number, old.number))
        raw = encoding.encode(body)
        salt = secrets.token_bytes(pdas.SALT_BYTES)
        self.rows.append((number, pid, self.period.text, old.number if old else None, self.today, raw, salt,
                          pdas.statement_leaf(salt, raw), core["minutes"], core["cents"], self.now))
        if delta:
            self.txns.append((self.txn, self.today, "correction" if old else "credit", f"statement {number} ({self.period.text})",
                              number, self.now))
            self.lines += [(self.txn, "issuance", -delta), (self.txn, f"person:{pid}", delta)]
            self.txn += 1
        self.issued.append(number)
        self.number += 1

    async def write(self, w: Writer) -> None:
        await das_statements.insert_statements(w, self.rows)
        await das_statements.supersede_statements(w, self.supersede)
        await das_statements.insert_txns(w, self.txns, self.lines)
