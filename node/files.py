"""Files that hold the territory's data: private to the node's user (files 0600, folders 0700).

A data folder holds every person's data; exports hold a person's or a ledger's. Any local user
could read them under the usual umask (0644/0755), so every place that creates one goes through
here, and what already exists is tightened when the node opens it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from node.errors import ConfigError

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> None:
    """Create `path` 0700, or tighten an existing one; a folder we cannot tighten is refused."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        try:
            path.chmod(DIR_MODE)
        except OSError as exc:
            raise ConfigError(
                f"the data folder {path} is readable by other users (mode {mode:o}) and cannot be tightened "
                f"({exc.strerror}): run `chmod 700 {path}` as its owner"
            ) from None


def private_file(path: Path) -> None:
    """Create `path` empty 0600 if missing, else tighten it (SQLite then gives its -wal and -shm
    files the database file's mode)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)


def tighten(path: Path) -> None:
    """Make an existing file 0600; a missing one is left missing."""
    try:
        path.chmod(FILE_MODE)
    except FileNotFoundError:
        pass


def write_private(path: Path | str, data: str | bytes) -> None:
    """Write an export 0600 whatever the umask; an existing file is truncated and tightened."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "wb") as fh:
        os.fchmod(fh.fileno(), FILE_MODE)
        fh.write(raw)
