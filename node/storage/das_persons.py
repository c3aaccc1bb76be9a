"""DAS queries on persons and their contracts: employers, persons, competence profiles,
contracts with their acceptances and flexibility moves, and the minutes used against them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from node.storage.das_query import Query, Write, col, derived, fetch_row, fetch_rows

# -- employers -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Employer:
    id: int
    name: str
    kind: str
    created_at: int


@dataclass(frozen=True, slots=True)
class EmployerListing:
    id: int = col("e.id")
    name: str = col("e.name")
    kind: str = col("e.kind")
    created_at: int = col("e.created_at")
    persons: int = col("(SELECT COUNT(*) FROM das_persons p WHERE p.employer_id = e.id AND p.erased_at IS NULL)")


@dataclass(frozen=True, slots=True)
class EmployeeQuota:
    """One employee's contract as their employer sees it: hours, never projects or causes."""

    person: str = col("p.pseudonym")
    contract: int = col("c.contract_no")
    date_from: str = col("c.date_from")
    date_to: str = col("c.date_to")
    granted_minutes: int = col("c.minutes_granted")
    mode: str = col("c.mode")
    used_minutes: int = col(
        "COALESCE((SELECT SUM(e.minutes) FROM das_entries e WHERE e.contract_no = c.contract_no AND e.status = 'validated'), 0)"
    )


async def insert_employer(w: Write, name: str, kind: str, now: int) -> int:
    return await w.execute("INSERT INTO das_employers (name, kind, created_at) VALUES (?, ?, ?)", (name, kind, now))


async def employer(q: Query, ref: str) -> Employer | None:
    row = await fetch_row(q, Employer, "FROM das_employers WHERE name = ?", (ref,))
    if row is None and ref.isdigit():
        row = await fetch_row(q, Employer, "FROM das_employers WHERE id = ?", (int(ref),))
    return row


async def employers(q: Query) -> list[EmployerListing]:
    return await fetch_rows(q, EmployerListing, "FROM das_employers e ORDER BY e.id")


async def employer_quota(q: Query, employer_id: int, start: str, end: str) -> list[EmployeeQuota]:
    """Per employee of one employer: granted and used minutes of contracts overlapping [start, end]."""
    return await fetch_rows(
        q,
        EmployeeQuota,
        "FROM das_contracts c JOIN das_persons p ON p.id = c.person_id "
        "WHERE c.employer_id = ? AND c.superseded_by IS NULL AND c.date_from <= ? AND c.date_to >= ? "
        "AND p.erased_at IS NULL ORDER BY p.pseudonym",
        (employer_id, end, start),
    )


# -- persons ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    local_id: str | None
    pseudonym: str | None
    name: str | None
    status: str
    employer_id: int | None
    salt: bytes | None
    erased_at: int | None
    created_at: int


@dataclass(frozen=True, slots=True)
class PersonListing:
    id: str = col("p.local_id")
    pseudonym: str = col("p.pseudonym")
    status: str = col("p.status")
    employer: str | None = col("e.name")


async def insert_person(w: Write, local_id: str, pseudonym: str, name: str | None, status: str, employer_id: int | None, salt: bytes, now: int) -> int:
    return await w.execute(
        "INSERT INTO das_persons (local_id, pseudonym, name, status, employer_id, salt, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (local_id, pseudonym, name, status, employer_id, salt, now),
    )


async def insert_persons(w: Write, rows: Sequence[tuple[str, str, str | None, str, int | None, bytes, int]]) -> None:
    await w.executemany(
        "INSERT INTO das_persons (local_id, pseudonym, name, status, employer_id, salt, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)", rows
    )


async def local_ids(q: Query) -> set[str]:
    return {r[0] for r in await q.fetchall("SELECT local_id FROM das_persons WHERE local_id IS NOT NULL")}


async def person(q: Query, ref: str) -> Person | None:
    """A person by pseudonym, else by local id."""
    row = await fetch_row(q, Person, "FROM das_persons WHERE pseudonym = ?", (ref,))
    if row is None:
        row = await fetch_row(q, Person, "FROM das_persons WHERE local_id = ?", (ref,))
    return row


async def person_by_id(q: Query, pid: int) -> Person | None:
    return await fetch_row(q, Person, "FROM das_persons WHERE id = ?", (pid,))


async def persons(q: Query, status: str | None = None) -> list[PersonListing]:
    sql = "FROM das_persons p LEFT JOIN das_employers e ON e.id = p.employer_id WHERE p.erased_at IS NULL"
    params: list[Any] = []
    if status:
        sql += " AND p.status = ?"
        params.append(status)
    return await fetch_rows(q, PersonListing, sql + " ORDER BY p.id", params)


async def person_ids(q: Query, with_local_ids: bool = False) -> dict[str, tuple[int, str, int | None]]:
    """{pseudonym: (row id, status, employer id)}; with local ids as keys too when asked."""
    rows = await q.fetchall("SELECT pseudonym, id, status, employer_id, local_id FROM das_persons WHERE erased_at IS NULL")
    out = {r[0]: (r[1], r[2], r[3]) for r in rows}
    if with_local_ids:
        for r in rows:
            out.setdefault(r[4], (r[1], r[2], r[3]))
    return out


async def person_salts(q: Query) -> dict[int, bytes]:
    return {r[0]: r[1] for r in await q.fetchall("SELECT id, salt FROM das_persons WHERE erased_at IS NULL")}


async def employer_ids(q: Query) -> dict[str, int]:
    return {r[0]: r[1] for r in await q.fetchall("SELECT name, id FROM das_employers")}


# -- competence profiles -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProfileItem:
    competence: str
    level: int
    family: str


@dataclass(frozen=True, slots=True)
class Consent:
    """One party's consent to an agreement: the account and role that gave it (or recorded it from paper)."""

    party: str
    account: str | None
    role: str | None
    paper_ref: str | None
    on: str


@dataclass(frozen=True, slots=True)
class Profile:
    """One version of a person's competence profile: `proposed` until the person and the office agreed it."""

    id: int
    version: int
    agreed_on: str  # the day of the last consent (while proposed: the day the office recorded it)
    parties: list[str] = col(load=json.loads)
    created_at: int = col()
    status: str = col()
    competences: list[ProfileItem] = derived(list)
    consents: list[Consent] = derived(list)


async def insert_profile(w: Write, person_id: int, recorded_on: str, items: Sequence[tuple[str, int, str]], now: int) -> tuple[int, int]:
    row = await w.fetchone("SELECT COALESCE(MAX(version), 0) + 1 FROM das_profiles WHERE person_id = ?", (person_id,))
    version = int(row[0])
    pid = await w.execute(
        "INSERT INTO das_profiles (person_id, version, agreed_on, parties, created_at, status) VALUES (?, ?, ?, '[]', ?, 'proposed')",
        (person_id, version, recorded_on, now),
    )
    await w.executemany(
        "INSERT INTO das_profile_items (profile_id, competence, level, family) VALUES (?, ?, ?, ?)",
        [(pid, c, lv, fam) for c, lv, fam in items],
    )
    return pid, version


async def profiles(q: Query, person_id: int) -> list[Profile]:
    out = []
    rows = await fetch_rows(q, Profile, "FROM das_profiles WHERE person_id = ? ORDER BY version", (person_id,))
    given = await consents(q, "profile", [p.id for p in rows])
    for p in rows:
        items = await fetch_rows(q, ProfileItem, "FROM das_profile_items WHERE profile_id = ? ORDER BY competence", (p.id,))
        out.append(replace(p, competences=items, consents=given.get(p.id, [])))
    return out


# -- consents to profiles and flexibility moves (contracts keep theirs in das_acceptances) --------


async def insert_consent(w: Write, kind: str, ref: int, party: str, account: str, role: str, paper_ref: str | None, on: str) -> None:
    await w.execute(
        "INSERT OR IGNORE INTO das_consents (kind, ref, party, account, role, paper_ref, accepted_on) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (kind, ref, party, account, role, paper_ref, on),
    )


async def consents(q: Query, kind: str, refs: Sequence[int]) -> dict[int, list[Consent]]:
    out: dict[int, list[Consent]] = {}
    for i in range(0, len(refs), 500):
        chunk = list(refs[i : i + 500])
        for ref, *rest in await q.fetchall(
            f"SELECT ref, party, account, role, paper_ref, accepted_on FROM das_consents WHERE kind = ? AND ref IN ({','.join('?' * len(chunk))}) "
            "ORDER BY accepted_on, party", [kind, *chunk]
        ):
            out.setdefault(ref, []).append(Consent(*rest))
    return out


async def agree(w: Write, table: str, row_id: int, parties: Sequence[str], on: str) -> None:
    """Mark a profile or flexibility move agreed by `parties` on `on` (every party has consented)."""
    assert table in ("das_profiles", "das_flex")
    await w.execute(f"UPDATE {table} SET status = 'agreed', parties = ?, agreed_on = ? WHERE id = ?", (json.dumps(sorted(parties)), on, row_id))


async def latest_competences(q: Query, person_id: int | None = None) -> dict[int, dict[str, tuple[int, str]]]:
    sql = (
        "SELECT p.person_id, i.competence, i.level, i.family FROM das_profiles p JOIN das_profile_items i ON i.profile_id = p.id "
        "WHERE p.version = (SELECT MAX(version) FROM das_profiles x WHERE x.person_id = p.person_id AND x.status = 'agreed')"
    )
    params: list[Any] = []
    if person_id is not None:
        sql += " AND p.person_id = ?"
        params.append(person_id)
    out: dict[int, dict[str, tuple[int, str]]] = {}
    for pid, comp, level, family in await q.fetchall(sql, params):
        out.setdefault(pid, {})[comp] = (level, family)
    return out


# -- contracts -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Contract:
    """One version of a contract; `accepted` is {party: date} of the acceptances of this version, `consents` who gave them."""

    id: int
    contract_no: int
    version: int
    person_id: int
    employer_id: int | None
    date_from: str
    date_to: str
    minutes_granted: int
    mode: str
    leave_day_minutes: int
    superseded_by: int | None
    reason: str
    created_at: int
    accepted: dict[str, str] = derived(dict)
    consents: list[Consent] = derived(list)


@dataclass(frozen=True, slots=True)
class FlexMove:
    """A flexibility agreement: minutes moved from one quarter of a contract to another."""

    id: int
    contract_no: int
    from_quarter: str
    to_quarter: str
    minutes: int
    parties: list[str] = col(load=json.loads)
    agreed_on: str = col()
    reason: str = col()
    status: str = col()
    consents: list[Consent] = derived(list)


async def next_contract_no(w: Query) -> int:
    row = await w.fetchone("SELECT COALESCE(MAX(contract_no), 0) + 1 FROM das_contracts")
    return int(row[0])


async def insert_contract(w: Write, no: int, version: int, person_id: int, employer_id: int | None, date_from: str, date_to: str,
                          minutes: int, mode: str, leave_day_minutes: int, reason: str, now: int) -> int:
    return await w.execute(
        "INSERT INTO das_contracts (contract_no, version, person_id, employer_id, date_from, date_to, minutes_granted, mode, "
        "leave_day_minutes, reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (no, version, person_id, employer_id, date_from, date_to, minutes, mode, leave_day_minutes, reason, now),
    )


async def insert_contracts(w: Write, rows: Sequence[tuple[Any, ...]]) -> None:
    await w.executemany(
        "INSERT INTO das_contracts (id, contract_no, version, person_id, employer_id, date_from, date_to, minutes_granted, mode, "
        "leave_day_minutes, reason, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


async def next_contract_row(w: Query) -> int:
    row = await w.fetchone("SELECT COALESCE(MAX(id), 0) + 1 FROM das_contracts")
    return int(row[0])


async def supersede_contract(w: Write, old_id: int, new_id: int) -> None:
    await w.execute("UPDATE das_contracts SET superseded_by = ? WHERE id = ?", (new_id, old_id))


_ACCEPT = "INSERT OR IGNORE INTO das_acceptances (contract_id, party, accepted_on, account, role, paper_ref) VALUES (?, ?, ?, ?, ?, ?)"


async def accept(w: Write, contract_id: int, party: str, on: str, account: str, role: str, paper_ref: str | None = None) -> None:
    await w.execute(_ACCEPT, (contract_id, party, on, account, role, paper_ref))


async def accept_many(w: Write, rows: Sequence[tuple[int, str, str, str, str, str | None]]) -> None:
    """(contract row, party, date, account, role, paper reference) per acceptance."""
    await w.executemany(_ACCEPT, rows)


async def contracts(q: Query, person_id: int | None = None, current: bool = True, no: int | None = None,
                    employer_id: int | None = None) -> list[Contract]:
    where, params = [], []
    if employer_id is not None:
        where.append("employer_id = ?")
        params.append(employer_id)
    if person_id is not None:
        where.append("person_id = ?")
        params.append(person_id)
    if current:
        where.append("superseded_by IS NULL")
    if no is not None:
        where.append("contract_no = ?")
        params.append(no)
    sql = "FROM das_contracts"
    if where:
        sql += " WHERE " + " AND ".join(where)
    rows = await fetch_rows(q, Contract, sql + " ORDER BY contract_no, version", params)
    acc: dict[int, dict[str, str]] = {}
    given: dict[int, list[Consent]] = {}
    if rows:
        ids = [r.id for r in rows]
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            for cid, party, on, account, role, paper in await q.fetchall(
                "SELECT contract_id, party, accepted_on, account, role, paper_ref FROM das_acceptances "
                f"WHERE contract_id IN ({','.join('?' * len(chunk))}) ORDER BY accepted_on, party", chunk
            ):
                acc.setdefault(cid, {})[party] = on
                given.setdefault(cid, []).append(Consent(party, account, role, paper, on))
    return [replace(r, accepted=acc.get(r.id, {}), consents=given.get(r.id, [])) for r in rows]


async def insert_flex(w: Write, no: int, src: str, dst: str, minutes: int, parties: Sequence[str], on: str, reason: str, now: int,
                      status: str = "proposed") -> int:
    return await w.execute(
        "INSERT INTO das_flex (contract_no, from_quarter, to_quarter, minutes, parties, agreed_on, reason, created_at, status) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (no, src, dst, minutes, json.dumps(sorted(parties)), on, reason, now, status),
    )


async def flex(q: Query, no: int | None = None, proposed: bool = False) -> dict[int, list[FlexMove]]:
    """Agreed flexibility moves per contract (they shape its allocation); with `proposed`, those still waiting too."""
    where = [] if proposed else ["status = 'agreed'"]
    params: list[Any] = []
    if no is not None:
        where.append("contract_no = ?")
        params.append(no)
    sql = "FROM das_flex" + (" WHERE " + " AND ".join(where) if where else "")
    rows = await fetch_rows(q, FlexMove, sql + " ORDER BY id", params)
    given = await consents(q, "flex", [r.id for r in rows]) if proposed else {}
    out: dict[int, list[FlexMove]] = {}
    for r in rows:
        out.setdefault(r.contract_no, []).append(replace(r, consents=given.get(r.id, [])))
    return out


_QUARTER = "substr(date, 1, 4) || '-Q' || ((CAST(substr(date, 6, 2) AS INTEGER) + 2) / 3)"


async def usage(q: Query, person_id: int | None = None, statuses: tuple[str, ...] = ("pending", "validated"), until: str | None = None) -> dict[int, dict[str, int]]:
    """Minutes used per contract and quarter: {contract_no: {quarter: minutes}}."""
    sql = f"SELECT contract_no, {_QUARTER}, SUM(minutes) FROM das_entries WHERE status IN ({','.join('?' * len(statuses))})"
    params: list[Any] = list(statuses)
    if person_id is not None:
        sql += " AND person_id = ?"
        params.append(person_id)
    if until is not None:
        sql += " AND date <= ?"
        params.append(until)
    out: dict[int, dict[str, int]] = {}
    for no, quarter, m in await q.fetchall(sql + " GROUP BY 1, 2", params):
        out.setdefault(no, {})[quarter] = m
    return out


async def day_minutes(q: Query, person_id: int | None = None, dates: Sequence[str] = ()) -> dict[tuple[int, str], int]:
    sql = "SELECT person_id, date, SUM(minutes) FROM das_entries WHERE status != 'rejected'"
    params: list[Any] = []
    if person_id is not None:
        sql += " AND person_id = ?"
        params.append(person_id)
    if dates:
        sql += f" AND date IN ({','.join('?' * len(dates))})"
        params += list(dates)
    return {(r[0], r[1]): r[2] for r in await q.fetchall(sql + " GROUP BY 1, 2", params)}


async def entry_range(q: Query, contract_no: int) -> tuple[str | None, str | None]:
    row = await q.fetchone("SELECT MIN(date), MAX(date) FROM das_entries WHERE contract_no = ? AND status != 'rejected'", (contract_no,))
    return row[0], row[1]
