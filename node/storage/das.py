"""Queries of Societal Activity Rights: the only SQL of the DAS area.

Every function takes `q`: the `Database` (reads) or a `Writer` (reads and writes inside one
transaction), so a check and the write it guards see the same state.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, Protocol


class Query(Protocol):
    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any: ...


class Write(Query, Protocol):
    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int: ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...


async def _dicts(q: Query, sql: str, params: Sequence[Any], cols: str) -> list[dict[str, Any]]:
    names = [c.strip() for c in cols.split(",")]
    return [dict(zip(names, r, strict=True)) for r in await q.fetchall(sql, params)]


async def _dict(q: Query, sql: str, params: Sequence[Any], cols: str) -> dict[str, Any] | None:
    rows = await _dicts(q, sql, params, cols)
    return rows[0] if rows else None


# -- employers -------------------------------------------------------------------------------

EMPLOYER = "id, name, kind, created_at"


async def insert_employer(w: Write, name: str, kind: str, now: int) -> int:
    return await w.execute("INSERT INTO das_employers (name, kind, created_at) VALUES (?, ?, ?)", (name, kind, now))


async def employer(q: Query, ref: str) -> dict[str, Any] | None:
    row = await _dict(q, f"SELECT {EMPLOYER} FROM das_employers WHERE name = ?", (ref,), EMPLOYER)
    if row is None and ref.isdigit():
        row = await _dict(q, f"SELECT {EMPLOYER} FROM das_employers WHERE id = ?", (int(ref),), EMPLOYER)
    return row


async def employers(q: Query) -> list[dict[str, Any]]:
    return await _dicts(
        q,
        "SELECT e.id, e.name, e.kind, e.created_at, (SELECT COUNT(*) FROM das_persons p WHERE p.employer_id = e.id "
        "AND p.erased_at IS NULL) FROM das_employers e ORDER BY e.id",
        (),
        EMPLOYER + ", persons",
    )


async def employer_quota(q: Query, employer_id: int, start: str, end: str) -> list[dict[str, Any]]:
    """Per employee of one employer: granted and used minutes of contracts overlapping [start, end]."""
    return await _dicts(
        q,
        "SELECT p.pseudonym, c.contract_no, c.date_from, c.date_to, c.minutes_granted, c.mode, "
        "COALESCE((SELECT SUM(e.minutes) FROM das_entries e WHERE e.contract_no = c.contract_no "
        "AND e.status = 'validated'), 0) FROM das_contracts c JOIN das_persons p ON p.id = c.person_id "
        "WHERE c.employer_id = ? AND c.superseded_by IS NULL AND c.date_from <= ? AND c.date_to >= ? "
        "AND p.erased_at IS NULL ORDER BY p.pseudonym",
        (employer_id, end, start),
        "person, contract, date_from, date_to, granted_minutes, mode, used_minutes",
    )


# -- persons ---------------------------------------------------------------------------------

PERSON = "id, local_id, pseudonym, name, status, employer_id, salt, erased_at, created_at"


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


async def person(q: Query, ref: str) -> dict[str, Any] | None:
    """A person by pseudonym, else by local id."""
    row = await _dict(q, f"SELECT {PERSON} FROM das_persons WHERE pseudonym = ?", (ref,), PERSON)
    if row is None:
        row = await _dict(q, f"SELECT {PERSON} FROM das_persons WHERE local_id = ?", (ref,), PERSON)
    return row


async def person_by_id(q: Query, pid: int) -> dict[str, Any] | None:
    return await _dict(q, f"SELECT {PERSON} FROM das_persons WHERE id = ?", (pid,), PERSON)


async def persons(q: Query, status: str | None = None) -> list[dict[str, Any]]:
    sql = (
        "SELECT p.local_id, p.pseudonym, p.status, e.name FROM das_persons p LEFT JOIN das_employers e ON e.id = p.employer_id "
        "WHERE p.erased_at IS NULL"
    )
    params: list[Any] = []
    if status:
        sql += " AND p.status = ?"
        params.append(status)
    return await _dicts(q, sql + " ORDER BY p.id", params, "id, pseudonym, status, employer")


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


async def insert_profile(w: Write, person_id: int, agreed_on: str, parties: Sequence[str], items: Sequence[tuple[str, int, str]], now: int) -> tuple[int, int]:
    row = await w.fetchone("SELECT COALESCE(MAX(version), 0) + 1 FROM das_profiles WHERE person_id = ?", (person_id,))
    version = int(row[0])
    pid = await w.execute(
        "INSERT INTO das_profiles (person_id, version, agreed_on, parties, created_at) VALUES (?, ?, ?, ?, ?)",
        (person_id, version, agreed_on, json.dumps(list(parties)), now),
    )
    await w.executemany(
        "INSERT INTO das_profile_items (profile_id, competence, level, family) VALUES (?, ?, ?, ?)",
        [(pid, c, lv, fam) for c, lv, fam in items],
    )
    return pid, version


async def profiles(q: Query, person_id: int) -> list[dict[str, Any]]:
    out = await _dicts(
        q,
        "SELECT id, version, agreed_on, parties, created_at FROM das_profiles WHERE person_id = ? ORDER BY version",
        (person_id,),
        "id, version, agreed_on, parties, created_at",
    )
    for p in out:
        p["parties"] = json.loads(p["parties"])
        p["competences"] = await _dicts(
            q,
            "SELECT competence, level, family FROM das_profile_items WHERE profile_id = ? ORDER BY competence",
            (p["id"],),
            "competence, level, family",
        )
    return out


async def latest_competences(q: Query, person_id: int | None = None) -> dict[int, dict[str, tuple[int, str]]]:
    sql = (
        "SELECT p.person_id, i.competence, i.level, i.family FROM das_profiles p JOIN das_profile_items i ON i.profile_id = p.id "
        "WHERE p.version = (SELECT MAX(version) FROM das_profiles x WHERE x.person_id = p.person_id)"
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

CONTRACT = (
    "id, contract_no, version, person_id, employer_id, date_from, date_to, minutes_granted, mode, "
    "leave_day_minutes, superseded_by, reason, created_at"
)


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


async def accept(w: Write, contract_id: int, party: str, on: str) -> None:
    await w.execute("INSERT OR IGNORE INTO das_acceptances (contract_id, party, accepted_on) VALUES (?, ?, ?)", (contract_id, party, on))


async def accept_many(w: Write, rows: Sequence[tuple[int, str, str]]) -> None:
    await w.executemany("INSERT OR IGNORE INTO das_acceptances (contract_id, party, accepted_on) VALUES (?, ?, ?)", rows)


async def contracts(q: Query, person_id: int | None = None, current: bool = True, no: int | None = None) -> list[dict[str, Any]]:
    where, params = [], []
    if person_id is not None:
        where.append("person_id = ?")
        params.append(person_id)
    if current:
        where.append("superseded_by IS NULL")
    if no is not None:
        where.append("contract_no = ?")
        params.append(no)
    sql = f"SELECT {CONTRACT} FROM das_contracts"
    if where:
        sql += " WHERE " + " AND ".join(where)
    rows = await _dicts(q, sql + " ORDER BY contract_no, version", params, CONTRACT)
    acc: dict[int, dict[str, str]] = {}
    if rows:
        ids = [r["id"] for r in rows]
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            for cid, party, on in await q.fetchall(
                f"SELECT contract_id, party, accepted_on FROM das_acceptances WHERE contract_id IN ({','.join('?' * len(chunk))})", chunk
            ):
                acc.setdefault(cid, {})[party] = on
    for r in rows:
        r["accepted"] = acc.get(r["id"], {})
    return rows


async def insert_flex(w: Write, no: int, src: str, dst: str, minutes: int, parties: Sequence[str], on: str, reason: str, now: int) -> int:
    return await w.execute(
        "INSERT INTO das_flex (contract_no, from_quarter, to_quarter, minutes, parties, agreed_on, reason, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (no, src, dst, minutes, json.dumps(list(parties)), on, reason, now),
    )


async def flex(q: Query, no: int | None = None) -> dict[int, list[dict[str, Any]]]:
    sql = "SELECT id, contract_no, from_quarter, to_quarter, minutes, parties, agreed_on, reason FROM das_flex"
    params: list[Any] = []
    if no is not None:
        sql += " WHERE contract_no = ?"
        params.append(no)
    out: dict[int, list[dict[str, Any]]] = {}
    for r in await _dicts(q, sql + " ORDER BY id", params, "id, contract_no, from_quarter, to_quarter, minutes, parties, agreed_on, reason"):
        r["parties"] = json.loads(r["parties"])
        out.setdefault(r["contract_no"], []).append(r)
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


# -- projects --------------------------------------------------------------------------------

PROJECT = "id, title, sdg, theme, kind, coordinator_id, status, decision, decision_date, created_at"


async def insert_project(w: Write, title: str, sdg: int, theme: str | None, kind: str, coordinator_id: int | None, now: int) -> int:
    pid = await w.execute(
        "INSERT INTO das_projects (title, sdg, theme, kind, coordinator_id, status, created_at) VALUES (?, ?, ?, ?, ?, 'proposed', ?)",
        (title, sdg, theme, kind, coordinator_id, now),
    )
    await w.execute("INSERT INTO das_project_events (project_id, at, from_status, to_status) VALUES (?, ?, '', 'proposed')", (pid, now))
    return pid


async def project(q: Query, pid: int) -> dict[str, Any] | None:
    return await _dict(q, f"SELECT {PROJECT} FROM das_projects WHERE id = ?", (pid,), PROJECT)


async def projects(q: Query, status: str | None = None) -> list[dict[str, Any]]:
    sql = (
        "SELECT j.id, j.title, j.sdg, j.theme, j.kind, p.pseudonym, j.status, j.decision, j.decision_date, j.created_at "
        "FROM das_projects j LEFT JOIN das_persons p ON p.id = j.coordinator_id"
    )
    params: list[Any] = []
    if status:
        sql += " WHERE j.status = ?"
        params.append(status)
    return await _dicts(q, sql + " ORDER BY j.id", params, PROJECT.replace("coordinator_id", "coordinator"))


async def project_states(q: Query) -> dict[int, tuple[str, int | None]]:
    return {r[0]: (r[1], r[2]) for r in await q.fetchall("SELECT id, status, coordinator_id FROM das_projects")}


async def set_project_status(w: Write, pid: int, old: str, new: str, decision: str | None, decision_date: str | None, note: str, now: int) -> None:
    if decision is not None:
        await w.execute("UPDATE das_projects SET status = ?, decision = ?, decision_date = ? WHERE id = ?", (new, decision, decision_date, pid))
    else:
        await w.execute("UPDATE das_projects SET status = ? WHERE id = ?", (new, pid))
    await w.execute(
        "INSERT INTO das_project_events (project_id, at, from_status, to_status, note) VALUES (?, ?, ?, ?, ?)", (pid, now, old, new, note)
    )


async def project_events(q: Query, pid: int) -> list[dict[str, Any]]:
    return await _dicts(
        q, "SELECT at, from_status, to_status, note FROM das_project_events WHERE project_id = ? ORDER BY rowid", (pid,), "at, from, to, note"
    )


# -- entries ---------------------------------------------------------------------------------

ENTRY = (
    "id, person_id, project_id, contract_no, date, minutes, competence, level, family, status, validated_by, validated_at, "
    "corrects, note, created_at"
)
_ENTRY_INSERT = (
    "INSERT INTO das_entries (person_id, project_id, contract_no, date, minutes, competence, level, family, status, "
    "validated_by, validated_at, corrects, note, import_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


async def insert_entry(w: Write, row: Sequence[Any]) -> int:
    return await w.execute(_ENTRY_INSERT, row)


async def insert_entries(w: Write, rows: Iterable[Sequence[Any]]) -> None:
    await w.executemany(_ENTRY_INSERT, rows)


async def bulk_mode(w: Write) -> None:
    """A larger page cache for the writer during a bulk import (index inserts stay in memory)."""
    await w.execute("PRAGMA cache_size = -131072")


async def entry(q: Query, eid: int) -> dict[str, Any] | None:
    return await _dict(q, f"SELECT {ENTRY} FROM das_entries WHERE id = ?", (eid,), ENTRY)


async def entries(q: Query, person_id: int | None, project_id: int | None, status: str | None, limit: int, offset: int) -> list[dict[str, Any]]:
    where, params = [], []
    for col, val in (("e.person_id", person_id), ("e.project_id", project_id), ("e.status", status)):
        if val is not None:
            where.append(f"{col} = ?")
            params.append(val)
    sql = (
        "SELECT e.id, p.pseudonym, e.project_id, e.contract_no, e.date, e.minutes, e.competence, e.level, e.status, e.corrects, e.note "
        "FROM das_entries e JOIN das_persons p ON p.id = e.person_id"
    )
    if where:
        sql += " WHERE " + " AND ".join(where)
    return await _dicts(
        q, sql + " ORDER BY e.id LIMIT ? OFFSET ?", [*params, limit, offset],
        "id, person, project, contract, date, minutes, competence, level, status, corrects, note",
    )


async def set_entry_status(w: Write, eid: int, status: str, by: int | None, now: int, note: str | None = None) -> None:
    if note is not None:
        await w.execute("UPDATE das_entries SET status = ?, validated_by = ?, validated_at = ?, note = ? WHERE id = ?", (status, by, now, note, eid))
    else:
        await w.execute("UPDATE das_entries SET status = ?, validated_by = ?, validated_at = ? WHERE id = ?", (status, by, now, eid))


async def effective_minutes(q: Query, eid: int) -> int:
    row = await q.fetchone(
        "SELECT (SELECT minutes FROM das_entries WHERE id = ?) + COALESCE((SELECT SUM(minutes) FROM das_entries "
        "WHERE corrects = ? AND status != 'rejected'), 0)",
        (eid, eid),
    )
    return int(row[0] or 0)


async def import_keys(q: Query) -> set[int]:
    return {r[0] for r in await q.fetchall("SELECT import_key FROM das_entries WHERE import_key IS NOT NULL")}


# -- statements ------------------------------------------------------------------------------

STATEMENT = "number, person_id, period, corrects, superseded_by, issued_on, body, salt, leaf, minutes, cents, created_at"


async def statement_groups(q: Query, start: str, end: str, person_id: int | None = None) -> list[tuple[Any, ...]]:
    """Validated minutes in [start, end] per person, project and competence (corrections included)."""
    sql = (
        "SELECT e.person_id, e.project_id, e.competence, e.level, e.family, SUM(e.minutes) FROM das_entries e "
        "WHERE e.status = 'validated' AND e.date BETWEEN ? AND ?"
    )
    params: list[Any] = [start, end]
    if person_id is not None:
        sql += " AND e.person_id = ?"
        params.append(person_id)
    return list(await q.fetchall(sql + " GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3", params))


async def project_titles(q: Query) -> dict[int, tuple[str, int, str | None, str]]:
    return {r[0]: (r[1], r[2], r[3], r[4]) for r in await q.fetchall("SELECT id, title, sdg, theme, kind FROM das_projects")}


async def current_statements(q: Query, period: str, person_id: int | None = None) -> dict[int, dict[str, Any]]:
    sql = f"SELECT {STATEMENT} FROM das_statements WHERE period = ? AND superseded_by IS NULL AND person_id IS NOT NULL"
    params: list[Any] = [period]
    if person_id is not None:
        sql += " AND person_id = ?"
        params.append(person_id)
    return {r["person_id"]: r for r in await _dicts(q, sql, params, STATEMENT)}


async def next_statement_no(q: Query) -> int:
    row = await q.fetchone("SELECT COALESCE(MAX(number), 0) + 1 FROM das_statements")
    return int(row[0])


async def insert_statements(w: Write, rows: Sequence[tuple[Any, ...]]) -> None:
    await w.executemany(
        "INSERT INTO das_statements (number, person_id, period, corrects, issued_on, body, salt, leaf, minutes, cents, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


async def supersede_statements(w: Write, pairs: Sequence[tuple[int, int]]) -> None:
    await w.executemany("UPDATE das_statements SET superseded_by = ? WHERE number = ?", pairs)


async def statement(q: Query, number: int) -> dict[str, Any] | None:
    return await _dict(q, f"SELECT {STATEMENT} FROM das_statements WHERE number = ?", (number,), STATEMENT)


async def statements(q: Query, person_id: int | None, period: str | None, limit: int, offset: int) -> list[dict[str, Any]]:
    where: list[str] = []
    params: list[Any] = []
    if person_id is not None:
        where.append("s.person_id = ?")
        params.append(person_id)
    if period is not None:
        where.append("s.period = ?")
        params.append(period)
    sql = (
        "SELECT s.number, p.pseudonym, s.period, s.issued_on, s.minutes, s.cents, s.corrects, s.superseded_by "
        "FROM das_statements s LEFT JOIN das_persons p ON p.id = s.person_id"
    )
    if where:
        sql += " WHERE " + " AND ".join(where)
    return await _dicts(
        q, sql + " ORDER BY s.number LIMIT ? OFFSET ?", [*params, limit, offset],
        "number, person, period, issued_on, minutes, cents, corrects, superseded_by",
    )


async def period_leaves(q: Query, period: str) -> list[tuple[int, bytes]]:
    """(number, leaf) of every statement of a period whose holder was not erased."""
    return [(r[0], r[1]) for r in await q.fetchall(
        "SELECT number, leaf FROM das_statements WHERE period = ? AND salt IS NOT NULL ORDER BY number", (period,)
    )]


# -- ledger ----------------------------------------------------------------------------------


async def next_txn_id(q: Query) -> int:
    row = await q.fetchone("SELECT COALESCE(MAX(id), 0) + 1 FROM das_ledger_txns")
    return int(row[0])


async def insert_txns(w: Write, txns: Sequence[tuple[int, str, str, str, int | None, int]], lines: Sequence[tuple[int, str, int]]) -> None:
    """Transactions (id, on_date, kind, memo, statement, created_at) and their lines; the caller
    guarantees every transaction's lines sum to zero."""
    await w.executemany("INSERT INTO das_ledger_txns (id, on_date, kind, memo, statement, created_at) VALUES (?, ?, ?, ?, ?, ?)", txns)
    await w.executemany("INSERT INTO das_ledger_lines (txn_id, account, amount_cents) VALUES (?, ?, ?)", lines)


async def balance(q: Query, account: str) -> int:
    row = await q.fetchone("SELECT COALESCE(SUM(amount_cents), 0) FROM das_ledger_lines WHERE account = ?", (account,))
    return int(row[0])


async def balances(q: Query) -> list[tuple[str, int]]:
    return [(r[0], r[1]) for r in await q.fetchall("SELECT account, SUM(amount_cents) FROM das_ledger_lines GROUP BY account ORDER BY account")]


async def ledger_unbalanced(q: Query) -> int:
    row = await q.fetchone("SELECT COUNT(*) FROM (SELECT txn_id FROM das_ledger_lines GROUP BY txn_id HAVING SUM(amount_cents) != 0)")
    return int(row[0])


async def ledger_lines(q: Query, account: str | None = None) -> list[dict[str, Any]]:
    sql = (
        "SELECT t.id, t.on_date, t.kind, l.account, l.amount_cents, t.memo, t.statement FROM das_ledger_lines l "
        "JOIN das_ledger_txns t ON t.id = l.txn_id"
    )
    params: list[Any] = []
    if account:
        sql += " WHERE l.account = ?"
        params.append(account)
    return await _dicts(q, sql + " ORDER BY t.id, l.amount_cents", params, "txn, date, kind, account, amount_cents, memo, statement")


# -- summaries -------------------------------------------------------------------------------


async def period_population(q: Query, start: str, end: str) -> list[tuple[int, str, int | None, int | None, int]]:
    """(person_id, status, employer_id of the contract, contract_no, 1) for holders of a contract
    overlapping the period, plus (person_id, status, NULL, NULL, 0) for persons with validated
    entries in it but no such contract."""
    rows = await q.fetchall(
        "SELECT p.id, p.status, c.employer_id, c.contract_no, 1 FROM das_contracts c JOIN das_persons p ON p.id = c.person_id "
        "WHERE c.superseded_by IS NULL AND c.date_from <= ? AND c.date_to >= ? AND p.erased_at IS NULL",
        (end, start),
    )
    return [tuple(r) for r in rows]


async def contracts_overlapping(q: Query, start: str, end: str) -> list[dict[str, Any]]:
    return await _dicts(
        q,
        f"SELECT {CONTRACT} FROM das_contracts WHERE superseded_by IS NULL AND date_from <= ? AND date_to >= ?",
        (end, start),
        CONTRACT,
    )


async def given_by(q: Query, start: str, end: str) -> list[tuple[int, int, str, int]]:
    """(person_id, project_id, family, minutes) of validated entries in the period."""
    rows = await q.fetchall(
        "SELECT person_id, project_id, family, SUM(minutes) FROM das_entries WHERE status = 'validated' AND date BETWEEN ? AND ? "
        "GROUP BY 1, 2, 3",
        (start, end),
    )
    return [tuple(r) for r in rows]


async def project_given(q: Query, project_id: int, start: str, end: str) -> list[int]:
    """Net validated minutes each person gave to one project in [start, end] (corrections included), persons unnamed."""
    rows = await q.fetchall(
        "SELECT SUM(minutes) FROM das_entries WHERE status = 'validated' AND project_id = ? AND date BETWEEN ? AND ? "
        "GROUP BY person_id",
        (project_id, start, end),
    )
    return [int(r[0]) for r in rows]


async def insert_summary(w: Write, period: str, record_id: bytes, size: int, root: bytes, leaves: Sequence[tuple[bytes, int | None]], now: int) -> int:
    sid = await w.execute(
        "INSERT INTO das_summaries (period, record_id, size, root, published_at) VALUES (?, ?, ?, ?, ?)", (period, record_id, size, root, now)
    )
    await w.executemany(
        "INSERT INTO das_summary_leaves (summary_id, idx, leaf, statement) VALUES (?, ?, ?, ?)",
        [(sid, i, leaf, no) for i, (leaf, no) in enumerate(leaves)],
    )
    return sid


SUMMARY = "id, period, record_id, size, root, published_at"


async def summaries(q: Query, period: str | None = None) -> list[dict[str, Any]]:
    sql = f"SELECT {SUMMARY} FROM das_summaries"
    params: list[Any] = []
    if period:
        sql += " WHERE period = ?"
        params.append(period)
    return await _dicts(q, sql + " ORDER BY id", params, SUMMARY)


async def summary_holding(q: Query, number: int) -> dict[str, Any] | None:
    """The latest summary whose tree holds statement `number`, with the leaf's index."""
    return await _dict(
        q,
        "SELECT s.id, s.period, s.record_id, s.size, s.root, s.published_at, l.idx FROM das_summary_leaves l "
        "JOIN das_summaries s ON s.id = l.summary_id WHERE l.statement = ? ORDER BY s.id DESC LIMIT 1",
        (number,),
        SUMMARY + ", idx",
    )


async def summary_leaves(q: Query, summary_id: int) -> list[bytes]:
    return [r[0] for r in await q.fetchall("SELECT leaf FROM das_summary_leaves WHERE summary_id = ? ORDER BY idx", (summary_id,))]


async def attach_disclosure(w: Write, number: int, now: int) -> None:
    await w.execute("INSERT OR IGNORE INTO das_disclosures (statement, attached_at) VALUES (?, ?)", (number, now))


async def attached_disclosures(q: Query) -> list[int]:
    return [r[0] for r in await q.fetchall(
        "SELECT d.statement FROM das_disclosures d JOIN das_statements s ON s.number = d.statement WHERE s.salt IS NOT NULL "
        "ORDER BY d.statement"
    )]


# -- a person's rights -----------------------------------------------------------------------


async def person_export(q: Query, pid: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    out["contracts"] = await contracts(q, person_id=pid, current=False)
    nos = sorted({c["contract_no"] for c in out["contracts"]})
    allflex = await flex(q)
    out["flexibility"] = [f for n in nos for f in allflex.get(n, [])]
    out["entries"] = await _dicts(
        q,
        f"SELECT {ENTRY} FROM das_entries WHERE person_id = ? ORDER BY id",
        (pid,),
        ENTRY,
    )
    out["statements"] = await _dicts(
        q, f"SELECT {STATEMENT} FROM das_statements WHERE person_id = ? ORDER BY number", (pid,), STATEMENT
    )
    out["ledger"] = await ledger_lines(q, f"person:{pid}")
    out["coordinates"] = await _dicts(q, "SELECT id, title, status FROM das_projects WHERE coordinator_id = ?", (pid,), "id, title, status")
    return out


async def erase_person(w: Write, pid: int, now: int) -> dict[str, int]:
    """Remove a person's personal data. What stays: statement numbers, periods and their salted
    leaves (already committed in published summaries; without the salt they link to nobody) and
    the ledger's amounts on an account that no longer names anyone."""
    counts: dict[str, int] = {}

    async def run(name: str, sql: str, params: Sequence[Any]) -> None:
        await w.execute(sql, params)
        counts[name] = int((await w.fetchone("SELECT changes()"))[0])

    await run("profile_items", "DELETE FROM das_profile_items WHERE profile_id IN (SELECT id FROM das_profiles WHERE person_id = ?)", (pid,))
    await run("profiles", "DELETE FROM das_profiles WHERE person_id = ?", (pid,))
    await run("entries", "DELETE FROM das_entries WHERE person_id = ?", (pid,))
    await run("flexibility", "DELETE FROM das_flex WHERE contract_no IN (SELECT contract_no FROM das_contracts WHERE person_id = ?)", (pid,))
    await run("acceptances", "DELETE FROM das_acceptances WHERE contract_id IN (SELECT id FROM das_contracts WHERE person_id = ?)", (pid,))
    await run("contracts", "DELETE FROM das_contracts WHERE person_id = ?", (pid,))
    await run("disclosures", "DELETE FROM das_disclosures WHERE statement IN (SELECT number FROM das_statements WHERE person_id = ?)", (pid,))
    await run("statements", "UPDATE das_statements SET person_id = NULL, body = NULL, salt = NULL, minutes = 0, cents = 0 WHERE person_id = ?", (pid,))
    await run(
        "summary_links",
        "UPDATE das_summary_leaves SET statement = NULL WHERE statement IN (SELECT number FROM das_statements WHERE person_id IS NULL AND salt IS NULL)",
        (),
    )
    await run("coordinated_projects", "UPDATE das_projects SET coordinator_id = NULL WHERE coordinator_id = ?", (pid,))
    await run("ledger_memos", "UPDATE das_ledger_txns SET memo = '' WHERE id IN (SELECT txn_id FROM das_ledger_lines WHERE account = ?)", (f"person:{pid}",))
    await run(
        "person",
        "UPDATE das_persons SET local_id = NULL, pseudonym = NULL, name = NULL, salt = NULL, employer_id = NULL, status = 'erased', erased_at = ? WHERE id = ?",
        (now, pid),
    )
    return counts
