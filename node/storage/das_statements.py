"""DAS queries on activity statements (numbered, salted, superseded by corrections) and the
double-entry ledger of the credits they grant.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from node.storage.das_query import Query, Write, col, count_rows, fetch_page, fetch_row, fetch_rows
from protocol import encoding

# -- statements ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Statement:
    """An issued statement; an erased holder leaves its number, period and leaf (no person, body or salt)."""

    number: int
    person_id: int | None
    period: str
    corrects: int | None
    superseded_by: int | None
    issued_on: str
    body: bytes | None
    salt: bytes | None
    leaf: bytes
    minutes: int
    cents: int
    created_at: int

    @property
    def document(self) -> dict[str, Any] | None:
        """The statement as issued, decoded from its canonical bytes (`body`, which its leaf
        commits to); None once the holder's data was erased. Decoded here, never by callers."""
        if self.body is None:
            return None
        value = encoding.decode(self.body)
        return value if isinstance(value, dict) else None


@dataclass(frozen=True, slots=True)
class StatementListing:
    number: int = col("s.number")
    person: str | None = col("p.pseudonym")
    period: str = col("s.period")
    issued_on: str = col("s.issued_on")
    minutes: int = col("s.minutes")
    cents: int = col("s.cents")
    corrects: int | None = col("s.corrects")
    superseded_by: int | None = col("s.superseded_by")


@dataclass(frozen=True, slots=True)
class LedgerLine:
    """One line of a ledger transaction, with the transaction's date, kind, memo and statement."""

    txn: int = col("t.id")
    date: str = col("t.on_date")
    kind: str = col("t.kind")
    account: str = col("l.account")
    amount_cents: int = col("l.amount_cents")
    memo: str = col("t.memo")
    statement: int | None = col("t.statement")


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


async def persons_with_profiles(q: Query, person_id: int | None = None) -> set[int]:
    """Persons holding at least one competence profile version (agreed or not)."""
    sql, params = "SELECT DISTINCT person_id FROM das_profiles", []
    if person_id is not None:
        sql += " WHERE person_id = ?"
        params.append(person_id)
    return {r[0] for r in await q.fetchall(sql, params)}


async def project_titles(q: Query) -> dict[int, tuple[str, int, str | None, str]]:
    return {r[0]: (r[1], r[2], r[3], r[4]) for r in await q.fetchall("SELECT id, title, sdg, theme, kind FROM das_projects")}


async def current_statements(q: Query, period: str, person_id: int | None = None) -> dict[int, Statement]:
    """{person_id: statement in force} for the period (holders not erased)."""
    sql = "FROM das_statements WHERE period = ? AND superseded_by IS NULL AND person_id IS NOT NULL"
    params: list[Any] = [period]
    if person_id is not None:
        sql += " AND person_id = ?"
        params.append(person_id)
    return {r.person_id: r for r in await fetch_rows(q, Statement, sql, params) if r.person_id is not None}


async def current_periods(q: Query, person_id: int | None = None) -> list[tuple[int, str, int]]:
    """(person, period, number) of every statement in force (not superseded by a correction)."""
    sql = "SELECT person_id, period, number FROM das_statements WHERE superseded_by IS NULL AND person_id IS NOT NULL"
    params: list[Any] = []
    if person_id is not None:
        sql += " AND person_id = ?"
        params.append(person_id)
    return [(r[0], r[1], r[2]) for r in await q.fetchall(sql, params)]


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


async def statement(q: Query, number: int) -> Statement | None:
    return await fetch_row(q, Statement, "FROM das_statements WHERE number = ?", (number,))


async def person_statements(q: Query, person_id: int) -> list[Statement]:
    return await fetch_rows(q, Statement, "FROM das_statements WHERE person_id = ? ORDER BY number", (person_id,))


async def statements(q: Query, person_id: int | None, period: str | None, limit: int, offset: int) -> list[StatementListing]:
    return await fetch_page(
        q,
        StatementListing,
        "FROM das_statements s LEFT JOIN das_persons p ON p.id = s.person_id",
        (("s.person_id", person_id), ("s.period", period)),
        "s.number", limit, offset,
    )


async def statements_total(q: Query, person_id: int | None, period: str | None) -> int:
    return await count_rows(q, "das_statements s", (("s.person_id", person_id), ("s.period", period)))


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


async def ledger_lines(q: Query, account: str | None = None) -> list[LedgerLine]:
    sql = "FROM das_ledger_lines l JOIN das_ledger_txns t ON t.id = l.txn_id"
    params: list[Any] = []
    if account:
        sql += " WHERE l.account = ?"
        params.append(account)
    return await fetch_rows(q, LedgerLine, sql + " ORDER BY t.id, l.amount_cents", params)
