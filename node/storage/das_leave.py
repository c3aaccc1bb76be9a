"""DAS leave queries: the days a person requests on a leave-mode contract and their employer's
decision, and the minutes a contract's grant has given to leave and to time outside it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from node.storage.das_query import Query, Write, col, fetch_row, fetch_rows

ACTIVE = ("requested", "approved")  # a refused request holds nothing


@dataclass(frozen=True, slots=True)
class Leave:
    id: int
    contract_no: int
    person_id: int
    date_from: str
    date_to: str
    days: int
    minutes: int
    status: str
    note: str
    requested_by: str
    requested_role: str
    requested_at: int
    decided_by: str | None
    decided_role: str | None
    decided_at: int | None
    reason: str


@dataclass(frozen=True, slots=True)
class LeaveListing:
    """A leave request as listed: its person named by pseudonym, its deciders by account id and role."""

    id: int = col("l.id")
    contract: int = col("l.contract_no")
    person: str | None = col("p.pseudonym")
    date_from: str = col("l.date_from")
    date_to: str = col("l.date_to")
    days: int = col("l.days")
    minutes: int = col("l.minutes")
    status: str = col("l.status")
    note: str = col("l.note")
    requested_by: str = col("l.requested_by")
    requested_role: str = col("l.requested_role")
    decided_by: str | None = col("l.decided_by")
    decided_role: str | None = col("l.decided_role")
    reason: str = col("l.reason")


async def insert(w: Write, contract_no: int, person_id: int, date_from: str, date_to: str, days: int, minutes: int, note: str,
                 by: str, role: str, now: int) -> int:
    return await w.execute(
        "INSERT INTO das_leave (contract_no, person_id, date_from, date_to, days, minutes, status, note, requested_by, requested_role, "
        "requested_at) VALUES (?, ?, ?, ?, ?, ?, 'requested', ?, ?, ?, ?)",
        (contract_no, person_id, date_from, date_to, days, minutes, note, by, role, now),
    )


async def leave(q: Query, lid: int) -> Leave | None:
    return await fetch_row(q, Leave, "FROM das_leave WHERE id = ?", (lid,))


async def decide(w: Write, lid: int, status: str, by: str, role: str, reason: str, now: int) -> None:
    await w.execute("UPDATE das_leave SET status = ?, decided_by = ?, decided_role = ?, decided_at = ?, reason = ? WHERE id = ?",
                    (status, by, role, now, reason, lid))


async def overlapping(q: Query, person_id: int, date_from: str, date_to: str) -> Leave | None:
    """A requested or approved leave of this person sharing a day with [date_from, date_to]."""
    return await fetch_row(
        q, Leave, f"FROM das_leave WHERE person_id = ? AND status IN ({','.join('?' * len(ACTIVE))}) AND date_from <= ? AND date_to >= ? "
        "ORDER BY id LIMIT 1", (person_id, *ACTIVE, date_to, date_from),
    )


async def active(q: Query, contract_no: int) -> list[tuple[str, str, int]]:
    """(from, to, minutes) of the contract's requested and approved leave."""
    return [(r[0], r[1], r[2]) for r in await q.fetchall(
        f"SELECT date_from, date_to, minutes FROM das_leave WHERE contract_no = ? AND status IN ({','.join('?' * len(ACTIVE))}) ORDER BY date_from",
        (contract_no, *ACTIVE),
    )]


async def entry_days(q: Query, contract_no: int, validated_until: str | None = None) -> list[tuple[str, int]]:
    """(date, minutes) of the contract's pending and validated time per day (only validated time up
    to a day, for a statement)."""
    sql = "SELECT date, SUM(minutes) FROM das_entries WHERE contract_no = ?"
    params: list[Any] = [contract_no]
    if validated_until is None:
        sql += " AND status != 'rejected'"
    else:
        sql += " AND status = 'validated' AND date <= ?"
        params.append(validated_until)
    return [(r[0], r[1]) for r in await q.fetchall(sql + " GROUP BY date ORDER BY date", params)]


async def approved_until(q: Query, end: str, person_id: int | None = None) -> dict[int, list[tuple[str, str, int]]]:
    """{contract: [(from, to, minutes)]} of approved leave starting by `end` (what a statement counts)."""
    sql = "SELECT contract_no, date_from, date_to, minutes FROM das_leave WHERE status = 'approved' AND date_from <= ?"
    params: list[Any] = [end]
    if person_id is not None:
        sql += " AND person_id = ?"
        params.append(person_id)
    out: dict[int, list[tuple[str, str, int]]] = {}
    for no, a, b, m in await q.fetchall(sql + " ORDER BY date_from", params):
        out.setdefault(no, []).append((a, b, m))
    return out


async def listing(q: Query, person_id: int | None, employer_id: int | None, contract_no: int | None, status: str | None) -> list[LeaveListing]:
    where: list[str] = []
    params: list[Any] = []
    for clause, value in (("l.person_id = ?", person_id), ("c.employer_id = ?", employer_id), ("l.contract_no = ?", contract_no),
                          ("l.status = ?", status)):
        if value is not None:
            where.append(clause)
            params.append(value)
    sql = ("FROM das_leave l JOIN das_persons p ON p.id = l.person_id "
           "JOIN das_contracts c ON c.contract_no = l.contract_no AND c.superseded_by IS NULL")
    if where:
        sql += " WHERE " + " AND ".join(where)
    return await fetch_rows(q, LeaveListing, sql + " ORDER BY l.id", params)
