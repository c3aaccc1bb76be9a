"""What every DAS query module shares: the query/write protocols and typed rows.

Every query takes `q`: the `Database` (reads) or a `Writer` (reads and writes inside one
transaction), so a check and the write it guards see the same state. Only the `das_*` modules of
`node/storage` run the DAS area's SQL.

A row is a frozen dataclass whose fields are its columns, in SELECT order: `col("p.pseudonym")`
names the SQL expression behind a field (its name when not given), `col(load=json.loads)` how a
stored value is read back, and `derived()` a field filled after the SELECT (not a column). The
SELECT list is drawn from the fields, so a field and its column can never drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import field, fields
from typing import Any, Protocol, TypeVar


class Query(Protocol):
    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any: ...


class Write(Query, Protocol):
    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int: ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...


R = TypeVar("R")


def col(sql: str | None = None, load: Callable[[Any], Any] | None = None) -> Any:
    """A column field: the SQL expression it is selected as, and how its stored value is read."""
    return field(metadata={"sql": sql, "load": load})


def derived(default_factory: Callable[[], Any]) -> Any:
    """A field filled by the query after the SELECT (e.g. a contract's acceptances): not a column."""
    return field(default_factory=default_factory, metadata={"derived": True})


def _columns(cls: type[Any]) -> list[tuple[str, Callable[[Any], Any] | None]]:
    return [(f.metadata.get("sql") or f.name, f.metadata.get("load")) for f in fields(cls) if not f.metadata.get("derived")]


def select(cls: type[Any]) -> str:
    """`SELECT` and the columns of row type `cls`, in field order."""
    return "SELECT " + ", ".join(sql for sql, _ in _columns(cls))


def row_of(cls: type[R], values: Sequence[Any]) -> R:
    loads = [load for _, load in _columns(cls)]
    return cls(*(load(v) if load is not None and v is not None else v for load, v in zip(loads, values, strict=True)))


async def fetch_rows(q: Query, cls: type[R], rest: str, params: Sequence[Any] = ()) -> list[R]:
    """Rows of type `cls`: `SELECT <its columns> <rest>`."""
    return [row_of(cls, r) for r in await q.fetchall(f"{select(cls)} {rest}", params)]


async def fetch_row(q: Query, cls: type[R], rest: str, params: Sequence[Any] = ()) -> R | None:
    rows = await fetch_rows(q, cls, rest, params)
    return rows[0] if rows else None


async def fetch_page(
    q: Query, cls: type[R], source: str, filters: Sequence[tuple[str, Any]], order: str, limit: int, offset: int
) -> list[R]:
    """One page of a listing: rows of `source` narrowed by every (column, value) whose value is given."""
    where, params = _where(filters)
    return await fetch_rows(q, cls, f"{source}{where} ORDER BY {order} LIMIT ? OFFSET ?", [*params, limit, offset])


def _where(filters: Sequence[tuple[str, Any]]) -> tuple[str, list[Any]]:
    """`col = ?` for a value, `col IN (...)` for a tuple of values (an empty tuple matches nothing)."""
    parts: list[str] = []
    params: list[Any] = []
    for col, val in filters:
        if val is None:
            continue
        if isinstance(val, tuple):
            parts.append(f"{col} IN ({','.join('?' * len(val))})" if val else "0")
            params += list(val)
        else:
            parts.append(f"{col} = ?")
            params.append(val)
    return (" WHERE " + " AND ".join(parts) if parts else ""), params


async def count_rows(q: Query, source: str, filters: Sequence[tuple[str, Any]]) -> int:
    """How many rows a listing has in all (its pages say "N of TOTAL shown")."""
    where, params = _where(filters)
    row = await q.fetchone(f"SELECT COUNT(*) FROM {source}{where}", params)
    return int(row[0])
