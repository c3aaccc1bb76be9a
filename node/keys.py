"""The node's key file and API token: created 0600 at init, never overwritten."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from node.errors import KeyFileError
from protocol.identity import Identity

KEY_FILE = "node.key"
TOKEN_FILE = "api.token"
_PREFIX = "ed25519-seed:"


def _create_exclusive(path: Path, content: str) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyFileError(f"{path} already exists and is never overwritten") from None
    with os.fdopen(fd, "w") as fh:
        fh.write(content)
        fh.flush()
        os.fsync(fh.fileno())


def create_key(data_dir: Path) -> Identity:
    seed = secrets.token_bytes(32)
    _create_exclusive(data_dir / KEY_FILE, _PREFIX + seed.hex() + "\n")
    return Identity(seed)


def _read_private(path: Path, what: str) -> str:
    try:
        st = path.stat()
    except FileNotFoundError:
        raise KeyFileError(f"{what} {path} is missing: this data directory was not created by `democite init`") from None
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(f"{what} {path} is readable by others: run `chmod 600 {path}`")
    return path.read_text().strip()


def load_key(data_dir: Path) -> Identity:
    path = data_dir / KEY_FILE
    text = _read_private(path, "key file")
    if not text.startswith(_PREFIX):
        raise KeyFileError(f"key file {path} is not a Démocité key")
    try:
        seed = bytes.fromhex(text[len(_PREFIX):])
    except ValueError:
        raise KeyFileError(f"key file {path} is damaged") from None
    if len(seed) != 32:
        raise KeyFileError(f"key file {path} is damaged")
    return Identity(seed)


def create_token(data_dir: Path) -> str:
    token = secrets.token_urlsafe(32)
    _create_exclusive(data_dir / TOKEN_FILE, token + "\n")
    return token


def load_token(data_dir: Path) -> str:
    return _read_private(data_dir / TOKEN_FILE, "API token")
