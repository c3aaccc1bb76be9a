"""Records the migration fixtures: one SQL dump per schema version, and a hash of each migration.

A dump `tests/fixtures/migrations/db_vN.sql` is a database as a node of that time left it:
migrations 1..N applied (as `Database.open` applies them) and a few representative rows.
`tests/test_migrations.py` migrates every dump to today's schema, and checks that no migration's
SQL changed after its fixture was recorded (a released migration is never edited in place).

When you add a migration (version V):
  1. add a few representative rows of its tables to ROWS below, under V;
  2. run `python -m tests.migration_fixtures` from the repository root: it writes db_vV.sql and
     V's hash, and never rewrites a fixture or hash already recorded (they are history);
  3. commit both files with the migration.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

from node.storage.migrations import MIGRATIONS

FIXTURES = Path(__file__).parent / "fixtures" / "migrations"
HASHES = FIXTURES / "hashes.json"
APPLIED_AT = 1_767_225_600  # fixed, so a recorded dump never changes

_K = "x'" + "11" * 32 + "'"  # a 32-byte key or hash
_L = "x'" + "22" * 32 + "'"

# Representative rows of the tables each migration creates, in insertion order (foreign keys first).
ROWS: dict[int, list[str]] = {
    1: [
        f"INSERT INTO authors VALUES (1, {_K}, 1, {_L}, {_L}, 0, 1767225600000)",
        f"INSERT INTO records VALUES (1, 1, {_L}, 'das.summary', 1767225600000, x'81a1620a', x'{'33' * 64}')",
        f"INSERT INTO tree_nodes VALUES (1, 0, 0, {_L})",
        f"INSERT INTO checkpoints VALUES (1, 1, {_L}, {_L}, 1767225600000, x'80', x'{'44' * 64}')",
        f"INSERT INTO cosignatures VALUES ({_L}, {_K}, 1767225600000, x'{'55' * 64}')",
        f"INSERT INTO forks VALUES ({_K}, 3, x'80', 1767225600000)",
        f"INSERT INTO peers VALUES ('http://127.0.0.1:8701', {_K}, 'lyon', 1767225600000, NULL, NULL, 90, 1, 0, 10, 20)",
        f"INSERT INTO peer_cursors VALUES ('http://127.0.0.1:8701', {_K}, 1, 1767225600000)",
    ],
    100: [
        "INSERT INTO das_employers VALUES (1, 'Mairie', 'public', 1767225600000)",
        f"INSERT INTO das_persons VALUES (1, 'P-ABCDEFGH', 'alice', 'Alice', 'employee', 1, {_K}, NULL, 1767225600000)",
        f"INSERT INTO das_persons VALUES (2, 'P-JKLMNPQR', 'bob', NULL, 'volunteer', NULL, {_L}, NULL, 1767225600000)",
        "INSERT INTO das_profiles VALUES (1, 1, 1, '2026-01-02', '[\"engagement21\", \"person\"]', 1767225600000)",
        "INSERT INTO das_profile_items VALUES (1, 'first aid', 2, 'care')",
        "INSERT INTO das_contracts VALUES (1, 1, 1, 1, 1, '2026-01-01', '2026-12-31', 6000, 'spread', 420, NULL, '', 1767225600000)",
        "INSERT INTO das_acceptances VALUES (1, 'person', '2026-01-01')",
        "INSERT INTO das_flex VALUES (1, 1, '2026-Q1', '2026-Q2', 60, '[\"person\", \"employer\"]', '2026-01-03', '', 1767225600000)",
        "INSERT INTO das_projects VALUES (1, 'Jardins', 11, NULL, 'programme', 2, 'validated', 'CM 2026-01-15', '2026-01-15', 1767225600000)",
        "INSERT INTO das_project_events VALUES (1, 1767225600000, 'proposed', 'validated', '')",
        "INSERT INTO das_entries VALUES (1, 1, 1, 1, '2026-01-10', 120, 'first aid', 2, 'care', 'validated', 2, 1767225600000, NULL, '', NULL, 1767225600000)",
        f"INSERT INTO das_statements VALUES (1, 1, '2026-Q1', NULL, NULL, '2026-04-01', x'80', {_K}, {_L}, 120, 3000, 1767225600000)",
        "INSERT INTO das_ledger_txns VALUES (1, '2026-04-01', 'credit', 'statement 1 (2026-Q1)', 1, 1767225600000)",
        "INSERT INTO das_ledger_lines VALUES (1, 'issuance', -3000)",
        "INSERT INTO das_ledger_lines VALUES (1, 'person:1', 3000)",
        f"INSERT INTO das_summaries VALUES (1, '2026-Q1', {_L}, 1, {_K}, 1767225600000)",
        f"INSERT INTO das_summary_leaves VALUES (1, 0, {_L}, 1)",
        "INSERT INTO das_disclosures VALUES (1, 1767225600000)",
    ],
    101: [
        "INSERT INTO das_contracts VALUES (2, 2, 1, 2, NULL, '2027-01-01', '2027-12-31', 3000, 'spread', 420, NULL, '', 1767225600000)",
        "INSERT INTO das_acceptances VALUES (2, 'person', '2027-01-02', 'a-0123456789abcdef', 'person', NULL)",
        "INSERT INTO das_acceptances VALUES (2, 'engagement21', '2027-01-02', 'owner', 'owner', 'convention n12')",
        "INSERT INTO das_profiles VALUES (2, 2, 1, '2027-01-02', '[\"engagement21\"]', 1767225600000, 'proposed')",
        "INSERT INTO das_consents VALUES ('profile', 2, 'engagement21', 'a-00000000000000ff', 'office', NULL, '2027-01-02')",
        "INSERT INTO das_flex VALUES (2, 2, '2027-Q1', '2027-Q2', 30, '[\"person\"]', '2027-01-03', '', 1767225600000, 'proposed')",
        "INSERT INTO das_consents VALUES ('flex', 2, 'person', 'a-0123456789abcdef', 'person', NULL, '2027-01-03')",
        "INSERT INTO das_entries VALUES (2, 2, 1, 2, '2027-01-10', 60, 'general', 1, 'general', 'validated', NULL, 1767225600000, NULL, '', "
        "NULL, 1767225600000, 'a-0123456789abcdef', 'person', 'a-00000000000000ff', 'office')",
    ],
    110: [
        "INSERT INTO das_projects VALUES (2, 'Voyage solidaire', 1, NULL, 'international-solidarity', NULL, 'active', NULL, NULL, 1767225600000, 2)",
        "INSERT INTO das_leave VALUES (1, 1, 1, '2026-05-04', '2026-05-05', 2, 840, 'approved', '', 'a-person1', 'person', 1767225600000, "
        "'a-employer1', 'employer', 1767225700000, '')",
    ],
    111: [  # an index only: an entry of a second project, pending
        "INSERT INTO das_entries VALUES (3, 2, 2, 2, '2027-01-11', 30, 'general', 1, 'general', 'pending', NULL, NULL, NULL, '', "
        "NULL, 1767225600000, 'a-0123456789abcdef', 'person', NULL, NULL)",
    ],
    200: [
        f"INSERT INTO pacte_pacts VALUES ({_L}, {_K}, 'Pacte de Lyon', 2026, 10, 'adopted')",
        f"INSERT INTO pacte_objects VALUES ({_K}, {_L}, {_K}, 'taskforce')",
        f"INSERT INTO pacte_commitments VALUES ({_K}, {_L}, {_K}, {_L}, 'Mairie', '2027-01-01', 'open')",
        f"INSERT INTO pacte_folds VALUES ({_K}, 4, 0)",
    ],
    400: [
        f"INSERT INTO coop_approvals VALUES ({_K}, 1, x'80', 1767225600000, NULL)",
    ],
    600: [
        "INSERT INTO accounts VALUES ('a-0123456789abcdef', 'marie', x'24', 'person', 1, 1, '[]', NULL, 'fr', 'active', 1767225600000, NULL)",
        "INSERT INTO accounts VALUES ('a-fedcba9876543210', 'coord', x'24', 'coordinator', NULL, NULL, '[1]', NULL, NULL, 'disabled', 1767225600000, 1767225600000)",
        f"INSERT INTO account_invitations VALUES ({_K}, 'employer', NULL, 1, '[]', NULL, NULL, 'owner', 1767225600000, 1767830400000, NULL)",
        f"INSERT INTO account_sessions VALUES ({_L}, 'a-0123456789abcdef', 'csrf', 1767225600000, 1767225600000, 'Firefox', NULL)",
        f"INSERT INTO account_tokens VALUES ({_K}, 'a-0123456789abcdef', 'script', 1767225600000, NULL, NULL)",
        f"INSERT INTO account_passkeys VALUES ({_L}, 'a-0123456789abcdef', x'a5', 3, 'phone', 1767225600000, NULL)",
    ],
}


def migration_hash(sql: str) -> str:
    return hashlib.sha256(sql.encode()).hexdigest()


def build(version: int) -> sqlite3.Connection:
    """A database at schema `version`: migrations 1..version applied, then their rows."""
    conn = sqlite3.connect(":memory:")
    # the same bookkeeping table `Database._migrate` creates
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)"
    )
    for v, name, sql in sorted(MIGRATIONS):
        if v > version:
            break
        for stmt in (s.strip() for s in sql.split(";")):  # split and stripped as `Database._migrate` does
            if stmt:
                conn.execute(stmt)
        conn.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", (v, name, APPLIED_AT))
        for stmt in ROWS.get(v, []):
            conn.execute(stmt)
    conn.commit()
    return conn


def record() -> list[str]:
    """Write the fixtures and hashes missing for today's migrations; returns what was written."""
    FIXTURES.mkdir(parents=True, exist_ok=True)
    hashes: dict[str, str] = json.loads(HASHES.read_text()) if HASHES.exists() else {}
    written = []
    for v, _name, sql in sorted(MIGRATIONS):
        dump = FIXTURES / f"db_v{v}.sql"
        if not dump.exists():
            dump.write_text("\n".join(build(v).iterdump()) + "\n")
            written.append(dump.name)
        if str(v) not in hashes:
            hashes[str(v)] = migration_hash(sql)
            written.append(f"hash of {v}")
    HASHES.write_text(json.dumps(hashes, indent=2, sort_keys=True) + "\n")
    return written


if __name__ == "__main__":
    print("\n".join(record()) or "nothing to record: every migration has its fixture and hash")
