"""Every command and subcommand explains itself: `democite ... --help` never crashes."""

from __future__ import annotations

import argparse
import contextlib
import io

import pytest

import cli


def _paths(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = [prefix]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out += _paths(sub, (*prefix, name))
    return out


PATHS = _paths(cli.build_parser())


def test_there_are_many_commands() -> None:
    assert len(PATHS) > 60


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "democite")
def test_help_of_every_command(path: tuple[str, ...]) -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exc:
        cli.main([*path, "--help"])
    assert exc.value.code == 0
    assert "usage: democite" in out.getvalue()
