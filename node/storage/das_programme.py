"""DAS queries on the local programme: projects with their state history, and activity entries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from node.storage.das_query import Query, Write, col, count_rows, fetch_page, fetch_row, fetch_rows

# -- projects --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Project:
    id: int
    title: str
    sdg: int
    theme: str | None
    kind: str
    coordinator_id: int | None
    status: str
    decision: str | None
    decision_date: str | None
    created_at: int
    holder_id: int | None  # an individual project's holder: only they record time on it


@dataclass(frozen=True, slots=True)
class ProjectListing:
    """A project of the programme, its coordinator named by pseudonym."""

    id: int = col("j.id")
    title: str = col("j.title")
    sdg: int = col("j.sdg")
    theme: str | None = col("j.theme")
    kind: str = col("j.kind")
    coordinator: str | None = col("p.pseudonym")
    status: str = col("j.status")
    decision: str | None = col("j.decision")
    decision_date: str | None = col("j.decision_date")
    created_at: int = col("j.created_at")
    holder: str | None = col("(SELECT h.pseudonym FROM das_persons h WHERE h.id = j.holder_id)")


@dataclass(frozen=True, slots=True)
class ProjectEvent:
    at: int
    from_status: str
    to_status: str
    note: str

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at, "from": self.from_status, "to": self.to_status, "note": self.note}


async def insert_project(w: Write, title: str, sdg: int, theme: str | None, kind: str, coordinator_id: int | None, now: int,
                         holder_id: int | None = None, status: str = "proposed", note: str = "") -> int:
    pid = await w.execute(
        "INSERT INTO das_projects (title, sdg, theme, kind, coordinator_id, status, created_at, holder_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (title, sdg, theme, kind, coordinator_id, status, now, holder_id),
    )
    await w.execute("INSERT INTO das_project_events (project_id, at, from_status, to_status, note) VALUES (?, ?, '', ?, ?)",
                    (pid, now, status, note))
    return pid


async def project(q: Query, pid: int) -> Project | None:
    return await fetch_row(q, Project, "FROM das_projects WHERE id = ?", (pid,))


async def projects(q: Query, status: str | None = None) -> list[ProjectListing]:
    sql = "FROM das_projects j LEFT JOIN das_persons p ON p.id = j.coordinator_id"
    params: list[Any] = []
    if status:
        sql += " WHERE j.status = ?"
        params.append(status)
    return await fetch_rows(q, ProjectListing, sql + " ORDER BY j.id", params)


async def project_holders(q: Query) -> dict[int, int]:
    """{project: holder} of the individual projects."""
    return {r[0]: r[1] for r in await q.fetchall("SELECT id, holder_id FROM das_projects WHERE holder_id IS NOT NULL")}


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


async def project_events(q: Query, pid: int) -> list[ProjectEvent]:
    return await fetch_rows(q, ProjectEvent, "FROM das_project_events WHERE project_id = ? ORDER BY rowid", (pid,))


# -- entries ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    person_id: int
    project_id: int
    contract_no: int
    date: str
    minutes: int
    competence: str
    level: int
    family: str
    status: str
    validated_by: int | None
    validated_at: int | None
    corrects: int | None
    note: str
    created_at: int
    recorded_by: str | None  # the account that recorded it and its role (None: recorded before accounts)
    recorded_role: str | None
    decided_by: str | None  # the account that validated or rejected it and its role
    decided_role: str | None


@dataclass(frozen=True, slots=True)
class EntryListing:
    """An entry as listed: its person named by pseudonym."""

    id: int = col("e.id")
    person: str = col("p.pseudonym")
    project: int = col("e.project_id")
    contract: int = col("e.contract_no")
    date: str = col("e.date")
    minutes: int = col("e.minutes")
    competence: str = col("e.competence")
    level: int = col("e.level")
    status: str = col("e.status")
    corrects: int | None = col("e.corrects")
    note: str = col("e.note")
    recorded_by: str | None = col("e.recorded_by")
    recorded_role: str | None = col("e.recorded_role")
    decided_by: str | None = col("e.decided_by")
    decided_role: str | None = col("e.decided_role")

_ENTRY_INSERT = (
    "INSERT INTO das_entries (person_id, project_id, contract_no, date, minutes, competence, level, family, status, "
    "validated_by, validated_at, corrects, note, import_key, created_at, recorded_by, recorded_role, decided_by, decided_role) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


async def insert_entry(w: Write, row: Sequence[Any]) -> int:
    """One entry: the das_entries columns in _ENTRY_INSERT's order (the last four: who recorded and who decided it)."""
    return await w.execute(_ENTRY_INSERT, row)


async def insert_entries(w: Write, rows: Iterable[Sequence[Any]]) -> None:
    await w.executemany(_ENTRY_INSERT, rows)


async def bulk_mode(w: Write) -> None:
    """A larger page cache for the writer during a bulk import (index inserts stay in memory)."""
    await w.execute("PRAGMA cache_size = -131072")


async def entry(q: Query, eid: int) -> Entry | None:
    return await fetch_row(q, Entry, "FROM das_entries WHERE id = ?", (eid,))


async def person_entries(q: Query, person_id: int) -> list[Entry]:
    return await fetch_rows(q, Entry, "FROM das_entries WHERE person_id = ? ORDER BY id", (person_id,))


ProjectFilter = int | tuple[int, ...] | None  # one project, any of several (a coordinator's), or every project


async def entries(q: Query, person_id: int | None, project_id: ProjectFilter, status: str | None, limit: int, offset: int) -> list[EntryListing]:
    return await fetch_page(
        q,
        EntryListing,
        "FROM das_entries e JOIN das_persons p ON p.id = e.person_id",
        (("e.person_id", person_id), ("e.project_id", project_id), ("e.status", status)),
        "e.id", limit, offset,
    )


async def entries_total(q: Query, person_id: int | None, project_id: ProjectFilter, status: str | None) -> int:
    return await count_rows(q, "das_entries e", (("e.person_id", person_id), ("e.project_id", project_id), ("e.status", status)))


async def set_entry_status(w: Write, eid: int, status: str, by: tuple[str, str], now: int, note: str | None = None) -> None:
    """The decision on an entry and the account (id, role) that took it."""
    if note is not None:
        await w.execute("UPDATE das_entries SET status = ?, decided_by = ?, decided_role = ?, validated_at = ?, note = ? WHERE id = ?",
                        (status, *by, now, note, eid))
    else:
        await w.execute("UPDATE das_entries SET status = ?, decided_by = ?, decided_role = ?, validated_at = ? WHERE id = ?",
                        (status, *by, now, eid))


async def effective_minutes(q: Query, eid: int) -> int:
    row = await q.fetchone(
        "SELECT (SELECT minutes FROM das_entries WHERE id = ?) + COALESCE((SELECT SUM(minutes) FROM das_entries "
        "WHERE corrects = ? AND status != 'rejected'), 0)",
        (eid, eid),
    )
    return int(row[0] or 0)


async def import_keys(q: Query) -> set[int]:
    return {r[0] for r in await q.fetchall("SELECT import_key FROM das_entries WHERE import_key IS NOT NULL")}
