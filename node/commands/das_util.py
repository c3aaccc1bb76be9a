"""What the `democite das ...` commands share: their subcommand groups, printing ids, hours and
files, and quoting a pseudonym into an API path.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from node import files
from node.commands.util import emit, group
from node.das import rules


def das_group(sub: Any, name: str, help: str, example: str) -> Any:
    return group(sub, name, help, dest=f"das_{name}_command", example=example)


def print_id(args: argparse.Namespace, r: dict[str, Any]) -> None:
    emit(args, r, str(r["id"]))


def fmt_hm(minutes: int | None) -> str:
    return "" if minutes is None else rules.hm(int(minutes))


def drop_unset(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None and v is not False}


def write_or_print(args: argparse.Namespace, text: str) -> None:
    out = getattr(args, "out", None)
    if out:
        files.write_private(out, text)
        print(f"written to {out}", file=sys.stderr)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def quote_ref(ref: str) -> str:
    import urllib.parse

    return urllib.parse.quote(ref, safe="")


def when(ms: int | None) -> str:
    """A stored time (ms since the epoch) as the UTC date and minute, for people reading a table."""
    import datetime as dt

    return "" if ms is None else dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%d %H:%M")


def fields(pairs: list[tuple[str, Any]]) -> str:
    """`label  value` lines, labels aligned: how a `show` command prints one object."""
    width = max(len(k) for k, _ in pairs)
    return "\n".join(f"{k.ljust(width)}  {'' if v is None else v}".rstrip() for k, v in pairs)
