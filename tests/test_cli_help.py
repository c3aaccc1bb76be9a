"""Every command and subcommand explains itself: `democite ... --help` never crashes."""

from __future__ import annotations

import argparse
import contextlib
import io
import re

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


def _parsers(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    out = [(prefix, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out += _parsers(sub, (*prefix, name))
    return out


PARSERS = _parsers(cli.build_parser())


def test_every_option_has_help() -> None:
    missing = [
        f"democite {' '.join(path)} {'/'.join(a.option_strings) or a.dest}"
        for path, parser in PARSERS
        for a in parser._actions
        if not isinstance(a, (argparse._HelpAction, argparse._SubParsersAction)) and not a.help
    ]
    assert missing == [], f"{len(missing)} options without help: {missing}"


def test_every_group_shows_an_example() -> None:
    groups = [(path, p) for path, p in PARSERS if any(isinstance(a, argparse._SubParsersAction) for a in p._actions)]
    assert len(groups) > 15
    missing = [" ".join(path) or "democite" for path, p in groups if not re.search(r"example:\s+democite ", p.format_help())]
    assert missing == []


def test_democite_alone_lists_the_groups_and_succeeds() -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main([]) == 0
    text = out.getvalue()
    assert "example: democite" in text and "--help` for more" in text
    for group in ("das", "pacte", "peer", "log", "audit"):
        assert f"\n  {group} " in text, group


@pytest.mark.parametrize("argv", [["das"], ["das", "contract"], ["pacte"]], ids=lambda a: " ".join(a))
def test_a_group_alone_lists_its_commands(argv: list[str]) -> None:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    text = err.getvalue()
    assert "the following arguments are required" not in text and "example: democite" in text and "--help` for more" in text
    if not argv:
        for group in ("das", "pacte", "peer", "log", "audit"):
            assert f"\n  {group} " in text, group
    if argv == ["das", "contract"]:
        assert "\n  add " in text and "\n  flex " in text
