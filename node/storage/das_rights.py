"""A person's rights over their DAS data: the export of everything held about them, and erasure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from node.storage.das_leave import Leave
from node.storage.das_persons import Contract, FlexMove, contracts, flex
from node.storage.das_programme import Entry, person_entries
from node.storage.das_query import Query, Write, fetch_rows
from node.storage.das_statements import LedgerLine, Statement, ledger_lines, person_statements

# -- a person's rights -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Coordinated:
    """A project the person coordinates."""

    id: int
    title: str
    status: str


@dataclass(frozen=True, slots=True)
class PersonData:
    """Everything held about one person beyond their row and profiles (access and portability)."""

    contracts: list[Contract]
    flexibility: list[FlexMove]
    entries: list[Entry]
    statements: list[Statement]
    ledger: list[LedgerLine]
    coordinates: list[Coordinated]
    leave: list[Leave]


async def person_export(q: Query, pid: int) -> PersonData:
    held = await contracts(q, person_id=pid, current=False)
    nos = sorted({c.contract_no for c in held})
    allflex = await flex(q, proposed=True)
    return PersonData(
        contracts=held,
        flexibility=[f for n in nos for f in allflex.get(n, [])],
        entries=await person_entries(q, pid),
        statements=await person_statements(q, pid),
        ledger=await ledger_lines(q, f"person:{pid}"),
        coordinates=await fetch_rows(q, Coordinated, "FROM das_projects WHERE coordinator_id = ?", (pid,)),
        leave=await fetch_rows(q, Leave, "FROM das_leave WHERE person_id = ? ORDER BY id", (pid,)),
    )


async def erase_person(w: Write, pid: int, now: int) -> dict[str, int]:
    """Remove a person's personal data. What stays: statement numbers, periods and their salted
    leaves (already committed in published summaries; without the salt they link to nobody) and
    the ledger's amounts on an account that no longer names anyone."""
    counts: dict[str, int] = {}

    async def run(name: str, sql: str, params: Sequence[Any]) -> None:
        await w.execute(sql, params)
        counts[name] = int((await w.fetchone("SELECT changes()"))[0])

    await run("consents", "DELETE FROM das_consents WHERE (kind = 'profile' AND ref IN (SELECT id FROM das_profiles WHERE person_id = ?)) "
              "OR (kind = 'flex' AND ref IN (SELECT f.id FROM das_flex f JOIN das_contracts c ON c.contract_no = f.contract_no "
              "WHERE c.person_id = ?))", (pid, pid))
    await run("profile_items", "DELETE FROM das_profile_items WHERE profile_id IN (SELECT id FROM das_profiles WHERE person_id = ?)", (pid,))
    await run("profiles", "DELETE FROM das_profiles WHERE person_id = ?", (pid,))
    await run("entries", "DELETE FROM das_entries WHERE person_id = ?", (pid,))
    await run("leave", "DELETE FROM das_leave WHERE person_id = ?", (pid,))
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
    # an individual project's title may name its holder's plans: closed, its title gone with them
    await run("individual_projects", "UPDATE das_projects SET holder_id = NULL, title = '(erased)', status = 'closed' WHERE holder_id = ?", (pid,))
    await run("ledger_memos", "UPDATE das_ledger_txns SET memo = '' WHERE id IN (SELECT txn_id FROM das_ledger_lines WHERE account = ?)", (f"person:{pid}",))
    await run(
        "person",
        "UPDATE das_persons SET local_id = NULL, pseudonym = NULL, name = NULL, salt = NULL, employer_id = NULL, status = 'erased', erased_at = ? WHERE id = ?",
        (now, pid),
    )
    return counts
