"""`democite --version`: one version everywhere, the package's (from pyproject.toml)."""

from __future__ import annotations

import contextlib
import io
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

import cli
from federation import runtime
from node.version import VERSION

ROOT = Path(__file__).resolve().parent.parent


def test_version_flag_prints_the_package_version() -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert out.getvalue().strip() == f"democite {metadata.version('democite')}"


def test_one_source_of_truth() -> None:
    with (ROOT / "pyproject.toml").open("rb") as fh:
        declared = tomllib.load(fh)["project"]["version"]
    assert VERSION == metadata.version("democite") == declared
    assert runtime.VERSION is VERSION  # the OpenAPI document's version
