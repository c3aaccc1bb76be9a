"""SQLite's online backup: a consistent copy of the node's database while the node writes.

The copy runs on its own connection, in one step (`pages=-1`): under WAL it holds one read
snapshot for the whole copy, so writers go on and the copy is the database as of one commit.
Works the same whether the node runs or not.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from node import files
from node.errors import StorageError
from node.storage.db import DB_FILE


def snapshot(data_dir: Path, dest: Path) -> None:
    """Copy `<data_dir>/node.sqlite` into `dest` (created 0600) as of one commit."""
    src_path = data_dir / DB_FILE
    if not src_path.is_file():
        raise StorageError(f"no node database at {src_path}: is {data_dir} a node's data folder?")
    files.private_file(dest)
    try:
        src = sqlite3.connect(src_path, timeout=30)
        try:
            src.execute("PRAGMA busy_timeout=30000")
            dst = sqlite3.connect(dest)
            try:
                src.backup(dst, pages=-1)
                # the copy stands alone: no -wal file to carry along
                dst.execute("PRAGMA journal_mode=DELETE")
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise StorageError(f"cannot back up the node database {src_path}: {exc}") from None


def check(path: Path) -> str:
    """SQLite's integrity check of a restored database file ("ok" when sound)."""
    try:
        conn = sqlite3.connect(path)
        try:
            return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return str(exc)


def head_of(path: Path, author: bytes) -> tuple[int, bytes, bytes] | None:
    """(size, last record id, tree root) of `author`'s log in the database file at `path`."""
    try:
        conn = sqlite3.connect(path)
        try:
            row = conn.execute("SELECT size, last_id, root FROM authors WHERE key = ?", (author,)).fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise StorageError(f"cannot read the backed-up database: {exc}") from None
    return (int(row[0]), bytes(row[1] or b""), bytes(row[2] or b"")) if row else None
