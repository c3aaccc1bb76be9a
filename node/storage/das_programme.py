"""DAS queries on the local programme: projects with their state history, and activity entries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from node.storage.das_query import Query, Write, count_rows, fetch_dict, fetch_dicts, fetch_page

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
    return await fetch_dict(q, f"SELECT {PROJECT} FROM das_projects WHERE id = ?", (pid,), PROJECT)


async def projects(q: Query, status: str | None = None) -> list[dict[str, Any]]:
    sql = (
        "SELECT j.id, j.title, j.sdg, j.theme, j.kind, p.pseudonym, j.status, j.decision, j.decision_date, j.created_at "
        "FROM das_projects j LEFT JOIN das_persons p ON p.id = j.coordinator_id"
    )
    params: list[Any] = []
    if status:
        sql += " WHERE j.status = ?"
        params.append(status)
    return await fetch_dicts(q, sql + " ORDER BY j.id", params, PROJECT.replace("coordinator_id", "coordinator"))


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
    return await fetch_dicts(
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
    return await fetch_dict(q, f"SELECT {ENTRY} FROM das_entries WHERE id = ?", (eid,), ENTRY)


async def entries(q: Query, person_id: int | None, project_id: int | None, status: str | None, limit: int, offset: int) -> list[dict[str, Any]]:
    return await fetch_page(
        q,
        "SELECT e.id, p.pseudonym, e.project_id, e.contract_no, e.date, e.minutes, e.competence, e.level, e.status, e.corrects, e.note "
        "FROM das_entries e JOIN das_persons p ON p.id = e.person_id",
        (("e.person_id", person_id), ("e.project_id", project_id), ("e.status", status)),
        "e.id", limit, offset,
        "id, person, project, contract, date, minutes, competence, level, status, corrects, note",
    )


async def entries_total(q: Query, person_id: int | None, project_id: int | None, status: str | None) -> int:
    return await count_rows(q, "das_entries e", (("e.person_id", person_id), ("e.project_id", project_id), ("e.status", status)))


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
