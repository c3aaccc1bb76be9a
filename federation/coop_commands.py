"""`democite review|twin|fund`: the cooperation command groups, clients of the admin API."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from node.cliutil import add_data, add_json

Handler = Callable[[argparse.Namespace], int | None]


def command(sub: Any, name: str, func: Handler, help: str) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(name, help=help, description=help)
    add_data(p)
    add_json(p)
    p.set_defaults(func=func)
    return p


def group(sub: Any, name: str, help: str) -> Any:
    g = sub.add_parser(name, help=help, description=help)
    return g.add_subparsers(dest=f"{name}_command", metavar="ACTION", required=True)


def register(sub: Any) -> None:
    from federation import fund_commands, review_commands, twin_commands

    review_commands.register(group(sub, "review", "peer review: request, publish and list reviews between territories"))
    twin_commands.register(group(sub, "twin", "twinning projects: propose, answer, report milestones and hours, close"))
    fund_commands.register(group(sub, "fund", "the coresponsibility fund: create, pledge, contribute, request, approve"))
