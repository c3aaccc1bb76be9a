"""What every DAS query module shares: the query/write protocols and row-to-dict helpers.

Every query takes `q`: the `Database` (reads) or a `Writer` (reads and writes inside one
transaction), so a check and the write it guards see the same state. Only the `das_*` modules of
`node/storage` run the DAS area's SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol


class Query(Protocol):
    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any: ...


class Write(Query, Protocol):
    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int: ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...


async def fetch_dicts(q: Query, sql: str, params: Sequence[Any], cols: str) -> list[dict[str, Any]]:
    names = [c.strip() for c in cols.split(",")]
    return [dict(zip(names, r, strict=True)) for r in await q.fetchall(sql, params)]


async def fetch_dict(q: Query, sql: str, params: Sequence[Any], cols: str) -> dict[str, Any] | None:
    rows = await fetch_dicts(q, sql, params, cols)
    return rows[0] if rows else None


async def fetch_page(
    q: Query, select: str, filters: Sequence[tuple[str, Any]], order: str, limit: int, offset: int, cols: str
) -> list[dict[str, Any]]:
    """One page of a listing: `select` narrowed by every (column, value) whose value is given."""
    given = [(col, val) for col, val in filters if val is not None]
    sql = select
    if given:
        sql += " WHERE " + " AND ".join(f"{col} = ?" for col, _ in given)
    return await fetch_dicts(q, f"{sql} ORDER BY {order} LIMIT ? OFFSET ?", [*(v for _, v in given), limit, offset], cols)


def _where(filters: Sequence[tuple[str, Any]]) -> tuple[str, list[Any]]:
    given = [(col, val) for col, val in filters if val is not None]
    return (" WHERE " + " AND ".join(f"{col} = ?" for col, _ in given) if given else ""), [v for _, v in given]


async def count_rows(q: Query, source: str, filters: Sequence[tuple[str, Any]]) -> int:
    """How many rows a listing has in all (its pages say "N of TOTAL shown")."""
    where, params = _where(filters)
    row = await q.fetchone(f"SELECT COUNT(*) FROM {source}{where}", params)
    return int(row[0])
