"""The backup file: a header naming the format, then the packed files sealed with a passphrase.

Layout: MAGIC (16 bytes), format version (1 byte), Argon2id opslimit (4 bytes, big-endian) and
memlimit (8 bytes), salt (16 bytes), then a PyNaCl SecretBox (its random nonce first) over a
msgpack map {"version", "created_ms", "head", "files": {name: bytes}}. The key is Argon2id of the
passphrase with the header's salt and limits, so the file alone says how to open it; a changed
header byte only yields a wrong key, which SecretBox's authentication refuses.
"""

from __future__ import annotations

import os
import shutil
import struct
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgpack
import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.utils

from node import config as config_mod
from node import files, keys
from node.errors import Conflict, Invalid
from node.storage import backup as db_backup
from node.storage.db import DB_FILE

MAGIC = b"DEMOCITE-BACKUP\n"
VERSION = 1
_HEADER = struct.Struct(">BIQ16s")
HEADER_SIZE = len(MAGIC) + _HEADER.size
# libsodium's "moderate" work, with 128 MiB: about a second to open, costly to guess at scale
OPSLIMIT = nacl.pwhash.argon2id.OPSLIMIT_MODERATE
MEMLIMIT = 128 * 1024 * 1024
# what a backup file may ask for: a crafted header must not make restore eat the machine
MAX_OPSLIMIT = nacl.pwhash.argon2id.OPSLIMIT_SENSITIVE
MAX_MEMLIMIT = nacl.pwhash.argon2id.MEMLIMIT_SENSITIVE
MIN_PASSPHRASE = 8
WRONG = "wrong passphrase or damaged file"
TOKEN_FILE = keys.TOKEN_FILE


@dataclass(frozen=True, slots=True)
class BackupInfo:
    path: Path
    bytes: int
    files: tuple[str, ...]
    log_size: int
    head: str  # hex id of the node's last own record at the snapshot ("" for an empty log)
    root: str


def check_passphrase(passphrase: str) -> bytes:
    raw = passphrase.encode("utf-8")
    if len(passphrase) < MIN_PASSPHRASE:
        raise Invalid(f"the passphrase is too short: use at least {MIN_PASSPHRASE} characters (a few words)")
    return raw


def _key(passphrase: bytes, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    return bytes(nacl.pwhash.argon2id.kdf(nacl.secret.SecretBox.KEY_SIZE, passphrase, salt, opslimit=opslimit, memlimit=memlimit))


def seal(payload: bytes, passphrase: str, opslimit: int = OPSLIMIT, memlimit: int = MEMLIMIT) -> bytes:
    salt = nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)
    box = nacl.secret.SecretBox(_key(check_passphrase(passphrase), salt, opslimit, memlimit))
    return MAGIC + _HEADER.pack(VERSION, opslimit, memlimit, salt) + bytes(box.encrypt(payload))


def unseal(blob: bytes, passphrase: str) -> bytes:
    if not blob.startswith(MAGIC) or len(blob) < HEADER_SIZE:
        raise Invalid("not a Démocité backup file (its header is missing)")
    version, opslimit, memlimit, salt = _HEADER.unpack_from(blob, len(MAGIC))
    if version != VERSION:
        raise Invalid(f"backup format version {version} is not known to this democite (it reads version {VERSION}): upgrade democite")
    if not (nacl.pwhash.argon2id.OPSLIMIT_MIN <= opslimit <= MAX_OPSLIMIT and nacl.pwhash.argon2id.MEMLIMIT_MIN <= memlimit <= MAX_MEMLIMIT):
        raise Invalid(WRONG)
    box = nacl.secret.SecretBox(_key(passphrase.encode("utf-8"), salt, opslimit, memlimit))
    try:
        return bytes(box.decrypt(blob[HEADER_SIZE:]))
    except nacl.exceptions.CryptoError:
        raise Invalid(WRONG) from None


def _folder_files(data_dir: Path) -> dict[str, bytes]:
    """The files beside the database: config, key files (current, next, staged, retired), API
    token, and the network file when it lives in the data folder."""
    out: dict[str, bytes] = {}
    names = [config_mod.CONFIG_FILE, TOKEN_FILE] + sorted(p.name for p in data_dir.glob(keys.KEY_FILE + "*") if p.is_file())
    cfg = config_mod.load(data_dir)
    net = cfg.network_path
    if net is not None and net.parent.resolve() == data_dir.resolve():
        names.append(net.name)
    for name in names:
        p = data_dir / name
        if p.is_file():
            out[name] = p.read_bytes()
    return out


def make(data_dir: Path, passphrase: str, dest: Path, now_ms: int | None = None) -> BackupInfo:
    """Back up the node at `data_dir` into `dest` (0600). Safe while the node runs."""
    check_passphrase(passphrase)
    me = keys.load_key(data_dir).public_key
    # the files before the database: a key rotation writes its staged keys, then its record, then
    # swaps the files, so this order sees what a crash at that instant would leave, which the
    # node's start-up recovery (finish_rotation) completes
    packed = _folder_files(data_dir)
    head = None
    if (data_dir / DB_FILE).exists():  # a node that never ran has no database yet
        with tempfile.TemporaryDirectory(prefix="democite-backup-") as tmp:
            snap = Path(tmp) / DB_FILE
            db_backup.snapshot(data_dir, snap)
            head = db_backup.head_of(snap, me)
            packed[DB_FILE] = snap.read_bytes()
    size, last, root = head or (0, b"", b"")
    payload = msgpack.packb(
        {"version": VERSION, "created_ms": now_ms if now_ms is not None else int(time.time() * 1000),
         "head": {"size": size, "id": last, "root": root}, "files": packed},
        use_bin_type=True,
    )
    blob = seal(payload, passphrase)
    tmp_dest = dest.with_name(dest.name + ".part")
    files.write_private(tmp_dest, blob)
    os.replace(tmp_dest, dest)
    return BackupInfo(dest, len(blob), tuple(sorted(packed)), size, last.hex(), root.hex())


def _contents(blob: bytes, passphrase: str) -> dict[str, Any]:
    try:
        doc = msgpack.unpackb(unseal(blob, passphrase), raw=False)
        names = doc["files"]
        ok = isinstance(names, dict) and all(
            isinstance(k, str) and isinstance(v, bytes) and k == Path(k).name and k not in (".", "..") for k, v in names.items()
        )
    except (ValueError, KeyError, TypeError, msgpack.ExtraData):
        ok = False
    if not ok or config_mod.CONFIG_FILE not in doc["files"]:
        raise Invalid(WRONG)
    return dict(doc)


def restore(source: Path, data_dir: Path, passphrase: str) -> BackupInfo:
    """Unpack the backup `source` into the new folder `data_dir` (0700, files 0600). Nothing is
    written unless the passphrase opens the file and the database inside passes SQLite's check."""
    if data_dir.exists() and (not data_dir.is_dir() or any(data_dir.iterdir())):
        raise Conflict(f"{data_dir} exists and is not empty: restore into a new folder (the node's files are never overwritten)")
    try:
        blob = source.read_bytes()
    except OSError as exc:
        raise Invalid(f"cannot read the backup file {source}: {exc.strerror}") from None
    doc = _contents(blob, passphrase)
    content: dict[str, bytes] = doc["files"]
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    # staged beside the target, so the final moves stay on one file system
    staging = Path(tempfile.mkdtemp(prefix=".democite-restore-", dir=data_dir.parent))
    try:
        staging.chmod(files.DIR_MODE)
        for name, data in content.items():
            files.write_private(staging / name, data)
        verdict = db_backup.check(staging / DB_FILE) if DB_FILE in content else "ok"
        if verdict != "ok":
            raise Invalid(f"the database in the backup is damaged ({verdict[:80]}): use another backup")
        files.private_dir(data_dir)
        for name in content:
            os.replace(staging / name, data_dir / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    head = doc.get("head") or {}
    return BackupInfo(
        data_dir, len(blob), tuple(sorted(content)), int(head.get("size", 0)), bytes(head.get("id", b"")).hex(), bytes(head.get("root", b"")).hex()
    )
