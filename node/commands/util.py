"""Shared pieces of the `democite` command line: --data, --json, tables, one output rule.

`--json` prints exactly one JSON document on stdout; otherwise a readable table or line.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from node.config import default_data_dir


def add_data(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data",
        type=Path,
        default=None,
        help="the node's data directory (default: $DEMOCITE_DATA, else ~/.local/share/democite)",
    )


def add_json(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON document instead of a table")


def command(sub: Any, name: str, func: Any, help: str, data: bool = True, json_out: bool = True) -> argparse.ArgumentParser:
    """One subcommand with the shared --data and --json options; `func(args)` runs it."""
    p: argparse.ArgumentParser = sub.add_parser(name, help=help, description=help)
    if data:
        add_data(p)
    if json_out:
        add_json(p)
    p.set_defaults(func=func)
    return p


def group(sub: Any, name: str, help: str, dest: str | None = None, example: str | None = None) -> Any:
    """A command group (`democite NAME ACTION ...`): returns the subparsers for its actions.

    `example` is a command line shown at the end of the group's --help."""
    g = sub.add_parser(name, help=help, description=help, epilog=f"example: {example}" if example else None)
    return g.add_subparsers(dest=dest or f"{name}_command", metavar="ACTION", required=True)


def data_dir(args: argparse.Namespace) -> Path:
    return Path(args.data) if getattr(args, "data", None) else default_data_dir()


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> str:
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def emit(args: argparse.Namespace, data: Any, human: str | Callable[[Any], str]) -> None:
    if getattr(args, "json", False):
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        text = human(data) if callable(human) else human
        if text:
            print(text)


def api(args: argparse.Namespace) -> Any:
    from node.api.client import ApiClient

    return ApiClient(data_dir(args))


def short(key: str | None, n: int = 12) -> str:
    return (key or "")[:n]


def page_note(args: argparse.Namespace, shown: int, total: int | None, offset: int) -> None:
    """Say on stderr when a listing holds more than this page, and how to see the rest (never with --json:
    the document carries "total")."""
    if getattr(args, "json", False) or total is None or offset + shown >= total:
        return
    where = f" (from row {offset + 1:,})" if offset else ""
    nxt = f"use --offset {offset + shown}" if shown else "use a smaller --offset"
    print(f"{shown:,} of {total:,} shown{where}; {nxt} to see more", file=sys.stderr)
