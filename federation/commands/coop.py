"""`democite review|twin|fund`: the cooperation command groups, clients of the admin API."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from node.commands.util import group

Handler = Callable[[argparse.Namespace], int | None]


def register(sub: Any) -> None:
    from federation.commands import fund as fund_commands
    from federation.commands import review as review_commands
    from federation.commands import twin as twin_commands

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
