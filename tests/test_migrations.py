"""A database left by any earlier schema version opens, migrated, with today's schema and its rows.

The dumps in tests/fixtures/migrations were recorded by tests/migration_fixtures.py when each
migration was added (see there how to add one); a migration's SQL is never edited once released.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from node.storage.db import Database
from node.storage.migrations import MIGRATIONS
from tests.migration_fixtures import FIXTURES, HASHES, ROWS, migration_hash

DUMPS = sorted(FIXTURES.glob("db_v*.sql"), key=lambda p: int(p.stem.removeprefix("db_v")))


def _schema(path: Path) -> set[tuple[str, str, str, str | None]]:
    with sqlite3.connect(path) as conn:
        return {tuple(r) for r in conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")}


def _rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}


def test_every_migration_has_a_fixture_and_a_hash() -> None:
    hashes = json.loads(HASHES.read_text())
    missing = [v for v, _, _ in MIGRATIONS if not (FIXTURES / f"db_v{v}.sql").exists() or str(v) not in hashes]
    assert missing == [], f"record migrations {missing}: python -m tests.migration_fixtures (add rows for them in ROWS first)"
    assert all(v in ROWS for v, _, _ in MIGRATIONS), "every migration has representative rows in tests/migration_fixtures.py"


def test_no_migration_was_edited_after_its_fixture() -> None:
    hashes = json.loads(HASHES.read_text())
    edited = [v for v, _, sql in MIGRATIONS if str(v) in hashes and hashes[str(v)] != migration_hash(sql)]
    assert edited == [], f"migrations {edited} changed after release: restore their SQL and add a new version instead"


def test_there_is_a_fixture_before_the_current_version() -> None:
    assert len(DUMPS) == len(MIGRATIONS) >= 2


@pytest.mark.parametrize("dump", DUMPS, ids=lambda p: p.stem)
async def test_an_earlier_database_migrates_to_the_current_schema(dump: Path, tmp_path: Path) -> None:
    old = tmp_path / "old" / "node.sqlite"
    old.parent.mkdir()
    with sqlite3.connect(old) as conn:
        conn.executescript(dump.read_text())
    before = _rows(old)
    fresh = tmp_path / "fresh" / "node.sqlite"
    for path in (old, fresh):
        db = await Database.open(path)  # migrates whatever is missing
        await db.close()
    assert _schema(old) == _schema(fresh)
    after = _rows(old)
    for table, rows in before.items():
        if table == "schema_migrations":
            assert set(rows) <= set(after[table])
            continue
        assert rows, f"the fixture has no row in {table}: add one in tests/migration_fixtures.py"
        kept = sorted((r[: len(rows[0])] for r in after[table]), key=repr)  # columns a later migration added come last
        assert kept == rows, f"rows of {table} changed while migrating from {dump.stem}"
    assert sorted(v for (v, _, _) in after["schema_migrations"]) == sorted(v for v, _, _ in MIGRATIONS)
