"""`democite completion bash|zsh`: the shell completion script, generated from the parser itself
(shtab), so it never lags behind the commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from node.commands.util import command

SHELLS = ("bash", "zsh")


def _mark_paths(parser: argparse.ArgumentParser, shtab: Any) -> None:
    """--data completes folder names, options typed as a path complete file names."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _mark_paths(sub, shtab)
        elif action.dest == "data":
            action.complete = shtab.DIRECTORY  # type: ignore[attr-defined]
        elif action.option_strings and action.dest in ("output", "out", "file", "bundle"):
            action.complete = shtab.FILE  # type: ignore[attr-defined]


def register(sub: Any, build_parser: Callable[[], argparse.ArgumentParser]) -> None:
    def cmd_completion(args: argparse.Namespace) -> None:
        import shtab

        parser = build_parser()
        _mark_paths(parser, shtab)
        sys.stdout.write(shtab.complete(parser, shell=args.shell))

    p = command(sub, "completion", cmd_completion, "print the shell completion script (bash or zsh) on stdout", data=False, json_out=False)
    p.add_argument("shell", choices=SHELLS, help="the shell: bash or zsh")
    p.epilog = (
        "example: democite completion bash | sudo tee /etc/bash_completion.d/democite\n"
        "         democite completion zsh > ~/.zfunc/_democite   (with fpath+=~/.zfunc before compinit)"
    )
