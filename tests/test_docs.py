"""Every command is documented: each `democite ...` command path appears in README.md or docs/*.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import cli
from tests.test_cli_help import _paths

ROOT = Path(__file__).resolve().parent.parent
DOCS = "\n".join(p.read_text(encoding="utf-8") for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])
PATHS = [p for p in _paths(cli.build_parser()) if p]


def _documented(path: tuple[str, ...]) -> bool:
    # "democite das person add", followed by the end of the words: a space, `[options]`, a quote...
    return re.search(r"democite " + r" ".join(map(re.escape, path)) + r"(?![\w-])", DOCS) is not None


def test_there_are_commands_to_check() -> None:
    assert len(PATHS) > 60


@pytest.mark.parametrize("path", PATHS, ids=" ".join)
def test_every_command_is_documented(path: tuple[str, ...]) -> None:
    assert _documented(path), f"'democite {' '.join(path)}' appears in no README.md or docs/*.md: add one line for it"
