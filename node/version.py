"""Démocité's version, from one source: the installed package's metadata (written from
pyproject.toml at install), else pyproject.toml itself when running from a source checkout."""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

_PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def _version() -> str:
    try:
        return metadata.version("democite")
    except metadata.PackageNotFoundError:
        pass
    try:
        with _PYPROJECT.open("rb") as fh:
            return str(tomllib.load(fh)["project"]["version"])
    except (OSError, tomllib.TOMLDecodeError, KeyError):
        return "0+unknown"


VERSION = _version()
