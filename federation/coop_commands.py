"""`democite review|twin|fund`: the cooperation command groups, clients of the admin API."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from node.cliutil import command, group

__all__ = ["Handler", "command", "register"]  # the groups' modules take `command` from here

Handler = Callable[[argparse.Namespace], int | None]


def register(sub: Any) -> None:
    from federation import fund_commands, review_commands, twin_commands

    review_commands.register(group(sub, "review", "peer review: request, publish and list reviews between territories"))
    twin_commands.register(group(sub, "twin", "twinning projects: propose, answer, report milestones and hours, close"))
    fund_commands.register(group(sub, "fund", "the coresponsibility fund: create, pledge, contribute, request, approve"))
