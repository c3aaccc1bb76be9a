"""DAS queries behind published summaries: the period's aggregates, the summary trees and the
disclosures attached for evaluators.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from node.storage.das_persons import Contract
from node.storage.das_query import Query, Write, col, fetch_row, fetch_rows

# -- summaries -------------------------------------------------------------------------------


async def contracts_overlapping(q: Query, start: str, end: str) -> list[Contract]:
    """Contracts in force overlapping [start, end] (their acceptances are not read: `accepted` stays empty)."""
    return await fetch_rows(q, Contract, "FROM das_contracts WHERE superseded_by IS NULL AND date_from <= ? AND date_to >= ?", (end, start))


async def given_by(q: Query, start: str, end: str) -> list[tuple[int, int, str, int]]:
    """(person_id, project_id, family, minutes) of validated entries in the period."""
    rows = await q.fetchall(
        "SELECT person_id, project_id, family, SUM(minutes) FROM das_entries WHERE status = 'validated' AND date BETWEEN ? AND ? "
        "GROUP BY 1, 2, 3",
        (start, end),
    )
    return [tuple(r) for r in rows]


async def consent_counts(q: Query, start: str, end: str) -> list[tuple[str, str, int, int, int]]:
    """(kind, role, acts, distinct accounts, acts from paper) of the consents given in [start, end].

    Acts recorded before accounts existed name no account and are not counted."""
    day = "date(validated_at / 1000, 'unixepoch')"
    rows = await q.fetchall(
        "SELECT 'contract', role, COUNT(*), COUNT(DISTINCT account), COUNT(paper_ref) FROM das_acceptances "
        "WHERE account IS NOT NULL AND accepted_on BETWEEN ? AND ? GROUP BY 2 "
        "UNION ALL SELECT CASE kind WHEN 'flex' THEN 'flexibility' ELSE kind END, role, COUNT(*), COUNT(DISTINCT account), "
        "COUNT(paper_ref) FROM das_consents WHERE accepted_on BETWEEN ? AND ? GROUP BY kind, role "
        f"UNION ALL SELECT 'entry_decision', decided_role, COUNT(*), COUNT(DISTINCT decided_by), 0 FROM das_entries "
        f"WHERE decided_by IS NOT NULL AND {day} BETWEEN ? AND ? GROUP BY 2 ORDER BY 1, 2",
        (start, end, start, end, start, end),
    )
    return [(str(r[0]), str(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows]


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


@dataclass(frozen=True, slots=True)
class Summary:
    id: int
    period: str
    record_id: bytes
    size: int
    root: bytes
    published_at: int


@dataclass(frozen=True, slots=True)
class SummaryHolding:
    """A summary whose tree holds one statement, and the index of its leaf there."""

    id: int = col("s.id")
    period: str = col("s.period")
    record_id: bytes = col("s.record_id")
    size: int = col("s.size")
    root: bytes = col("s.root")
    published_at: int = col("s.published_at")
    idx: int = col("l.idx")


async def summaries(q: Query, period: str | None = None) -> list[Summary]:
    sql = "FROM das_summaries"
    params: list[Any] = []
    if period:
        sql += " WHERE period = ?"
        params.append(period)
    return await fetch_rows(q, Summary, sql + " ORDER BY id", params)


async def summary_holding(q: Query, number: int) -> SummaryHolding | None:
    """The latest summary whose tree holds statement `number`, with the leaf's index."""
    return await fetch_row(
        q,
        SummaryHolding,
        "FROM das_summary_leaves l JOIN das_summaries s ON s.id = l.summary_id WHERE l.statement = ? ORDER BY s.id DESC LIMIT 1",
        (number,),
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
