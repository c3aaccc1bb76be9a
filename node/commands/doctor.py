"""`democite doctor --data D`: check a node's folder, files, database, ports, disk and clock, and
say what to fix (the checks are in node/doctor.py). Exits 1 when any check FAILs."""

from __future__ import annotations

import argparse
from typing import Any

from node.commands.util import command, data_dir, emit


def cmd_doctor(args: argparse.Namespace) -> int:
    from node.doctor import Status, run_checks

    checks = run_checks(data_dir(args))
    emit(
        args,
        {"ok": all(c.status != Status.FAIL for c in checks), "checks": [{"check": c.name, "status": str(c.status), "detail": c.detail} for c in checks]},
        lambda _: "\n".join(f"{c.status:<4}  {c.name:<12}  {c.detail}" for c in checks),
    )
    return 1 if any(c.status == Status.FAIL for c in checks) else 0


def register(sub: Any) -> None:
    p = command(sub, "doctor", cmd_doctor, "check a node's permissions, keys, config, database, ports, disk and clock, and say what to fix")
    p.epilog = "example: sudo -u democite democite doctor --data /var/lib/democite"
