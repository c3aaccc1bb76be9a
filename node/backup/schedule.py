"""Scheduled backups (`[backup] every_hours`): the running node backs itself up into its backup
folder and keeps the newest `keep` files. A plain asyncio loop the runtime starts and stops."""

from __future__ import annotations

import asyncio
import logging
import stat
import time
from pathlib import Path

from node import files
from node.backup.archive import BackupInfo, check_passphrase, make
from node.config import NodeConfig
from node.errors import ConfigError
from protocol.errors import DemociteError

log = logging.getLogger("democite.backup")
SUFFIX = ".dmcbak"
PREFIX = "backup-"


def read_passphrase_file(path: Path) -> str:
    """The passphrase on the first line of `path`, a file only its owner may read."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"backup.passphrase_file {path} does not exist: create it (chmod 600) with the passphrase") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read backup.passphrase_file {path}: {getattr(exc, 'strerror', None) or exc}") from None
    if mode & 0o077:
        raise ConfigError(f"backup.passphrase_file {path} is readable by other users (mode {mode:o}): run `chmod 600 {path}`")
    first = text.splitlines()[0] if text else ""
    if not first:
        raise ConfigError(f"backup.passphrase_file {path} is empty: write the passphrase on its first line")
    return first


def check_ready(config: NodeConfig) -> None:
    """At start: a scheduled backup that could never run stops the node now, not silently later."""
    check_passphrase(read_passphrase_file(config.backup_passphrase_path))


def _name(now_ms: int) -> str:
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now_ms // 1000))
    return f"{PREFIX}{stamp}{now_ms % 1000:03d}Z{SUFFIX}"


def prune(folder: Path, keep: int) -> list[Path]:
    """Remove all but the newest `keep` backups (their names sort by time); the removed paths."""
    found = sorted(p for p in folder.glob(f"{PREFIX}*{SUFFIX}") if p.is_file())
    gone = found[: max(0, len(found) - keep)]
    for p in gone:
        p.unlink(missing_ok=True)
    return gone


def backup_now(config: NodeConfig, now_ms: int | None = None) -> BackupInfo:
    """One scheduled backup: a new file in the backup folder, then the oldest beyond `keep` removed."""
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    passphrase = read_passphrase_file(config.backup_passphrase_path)
    folder = config.backup_folder
    files.private_dir(folder)
    dest = folder / _name(now_ms)
    while dest.exists():  # two backups in one millisecond: the next name
        now_ms += 1
        dest = folder / _name(now_ms)
    info = make(config.data_dir, passphrase, dest, now_ms)
    prune(folder, config.backup.keep)
    return info


async def every(config: NodeConfig) -> None:
    """Back up every `backup.every_hours` until cancelled; a failed backup is logged, not fatal."""
    period = config.backup.every_hours * 3600
    while True:
        await asyncio.sleep(period)
        started = time.monotonic()
        try:
            info = await asyncio.to_thread(backup_now, config)
        except DemociteError as exc:
            log.error("scheduled backup failed: %s", exc.message)
        except OSError as exc:
            log.error("scheduled backup failed: %s", exc.strerror)
        else:
            log.info("scheduled backup %s written (%d bytes, log size %d) in %.1f s", info.path.name, info.bytes, info.log_size, time.monotonic() - started)
