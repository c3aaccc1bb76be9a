"""`democite backup` and `democite restore`: an encrypted copy of a node's data folder.

Both work on files, with or without the node running: the database is copied with SQLite's
online backup (one read snapshot, so a running node keeps writing and the copy is consistent).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from node.commands.util import command, data_dir, emit


def _passphrase(args: argparse.Namespace, confirm: bool) -> str:
    if args.passphrase_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    if not sys.stdin.isatty():
        raise SystemExit("democite: error: no terminal to ask the passphrase on: pipe it in with --passphrase-stdin")
    first = getpass.getpass("backup passphrase: ")
    if confirm and getpass.getpass("the same passphrase again: ") != first:
        raise SystemExit("democite: error: the two passphrases differ: run the command again")
    return first


def _shown(info: Any) -> dict[str, Any]:
    return {"path": str(info.path), "bytes": info.bytes, "files": list(info.files), "log_size": info.log_size, "head": info.head, "root": info.root}


def cmd_backup(args: argparse.Namespace) -> None:
    from node.backup.archive import check_passphrase, make

    d = data_dir(args)
    passphrase = _passphrase(args, confirm=True)
    check_passphrase(passphrase)
    info = _shown(make(d, passphrase, Path(args.output)))
    emit(args, info, lambda i: f"backed up {d} to {i['path']} ({i['bytes']} bytes; log size {i['log_size']}, head {i['head'][:16] or '-'})")


def cmd_restore(args: argparse.Namespace) -> None:
    from node.backup.archive import restore

    d = data_dir(args)
    passphrase = _passphrase(args, confirm=False)
    info = _shown(restore(Path(args.file), d, passphrase))
    emit(
        args,
        info,
        lambda i: (
            f"restored {args.file} into {d} (log size {i['log_size']}, head {i['head'][:16] or '-'})\n"
            f"start it with: democite run --data {d} (stop the original first, or give this copy other ports in node.toml)"
        ),
    )


def register(sub: Any) -> None:
    p = command(sub, "backup", cmd_backup, "write an encrypted backup of the node (database, keys, config); safe while it runs")
    p.add_argument("-o", "--output", required=True, help="the backup file to write (0600), e.g. node-2026-11-29.dmcbak")
    p.add_argument("--passphrase-stdin", action="store_true", help="read the passphrase from the first line of stdin instead of asking twice")
    p = command(sub, "restore", cmd_restore, "unpack an encrypted backup into a new, empty data folder")
    p.add_argument("file", help="the backup file written by `democite backup`")
    p.add_argument("--passphrase-stdin", action="store_true", help="read the passphrase from the first line of stdin instead of asking")
