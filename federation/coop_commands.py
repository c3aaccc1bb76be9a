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

    for name, module, help in (
        ("review", review_commands, "peer review: request, publish and list reviews between territories"),
        ("twin", twin_commands, "twinning projects: propose, answer or withdraw, report milestones and hours, close"),
        ("fund", fund_commands, "the coresponsibility fund: create, pledge, contribute, request, approve"),
    ):
        actions = group(sub, name, help)
        # each group's help ends with an example, its lines kept as written
        sub.choices[name].epilog = module.EXAMPLE
        sub.choices[name].formatter_class = argparse.RawDescriptionHelpFormatter
        module.register(actions)
