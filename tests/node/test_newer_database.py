"""A node refuses a database written by a newer Démocité, with the fix, and changes nothing in it.

The newer node is simulated the only way an older one can meet it: a schema_migrations row for a
version this code does not know, written with sqlite3 as a newer release's migration would.
"""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from node import config as config_mod
from node.bootstrap import init_node
from node.errors import StorageError
from node.service import Node
from node.storage.migrations import KNOWN, LATEST

ROOT = Path(__file__).resolve().parent.parent.parent


async def _node_folder(tmp_path: Path) -> Path:
    d = tmp_path / "node"
    init_node(d, "Commune A", "127.0.0.1:0")
    node = await Node.open(config_mod.load(d))  # creates and migrates the database
    await node.close()
    return d


def _bump(d: Path, version: int) -> str:
    with sqlite3.connect(d / "node.sqlite") as conn:
        conn.execute("INSERT INTO schema_migrations VALUES (?, 'from a newer release', 0)", (version,))
    conn.close()
    return _digest(d)


def _digest(d: Path) -> str:
    return hashlib.sha256((d / "node.sqlite").read_bytes()).hexdigest()


async def test_node_open_refuses_a_database_from_a_newer_version(tmp_path: Path) -> None:
    d = await _node_folder(tmp_path)
    before = _bump(d, LATEST + 1)
    with pytest.raises(StorageError) as exc:
        await Node.open(config_mod.load(d))
    assert f"this database was written by a newer Démocité (schema {LATEST + 1} > {LATEST})" in exc.value.message
    assert "pip install -U democite" in exc.value.message and "restore a backup" in exc.value.message
    assert _digest(d) == before


async def test_an_unknown_version_below_the_latest_is_newer_too(tmp_path: Path) -> None:
    # each area numbers its own range: a newer release may add a version below today's latest
    unknown = next(v for v in range(LATEST - 1, 0, -1) if v not in KNOWN)
    d = await _node_folder(tmp_path)
    before = _bump(d, unknown)
    with pytest.raises(StorageError, match="written by a newer Démocité"):
        await Node.open(config_mod.load(d))
    assert _digest(d) == before


async def test_democite_run_refuses_it_with_the_fix_and_no_traceback(tmp_path: Path) -> None:
    d = await _node_folder(tmp_path)
    before = _bump(d, LATEST + 7)
    done = subprocess.run(
        [sys.executable, "-c", "import sys, cli; sys.exit(cli.main())", "run", "--data", str(d)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,  # it refuses at once; the bound only stops a node that would run
    )
    assert done.returncode == 1, done.stderr
    assert f"democite: error: {d / 'node.sqlite'}: this database was written by a newer Démocité (schema {LATEST + 7} > {LATEST})" in done.stderr
    assert "Traceback" not in done.stderr
    assert _digest(d) == before
    assert not (d / "run" / "api.json").exists()


async def test_doctor_names_the_newer_database(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    d = await _node_folder(tmp_path)
    _bump(d, LATEST + 1)
    rc, out, _ = await run_cli("doctor", "--data", str(d))
    assert rc == 1
    line = next(ln for ln in out.splitlines() if " database " in f" {ln} ")
    assert line.startswith("FAIL") and "pip install -U democite" in line
