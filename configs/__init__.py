"""The files a node ships with, as package data: the example config (node.toml), the review
frameworks (frameworks/*.toml) and an example network file (networks/*.toml).

A package so that a non-editable install (`pip install .`, a wheel) carries them too; code finds
them with `configs.path()`, never relative to a checkout.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def path(*parts: str) -> Path:
    """A shipped file or folder, e.g. `path("frameworks")`. Wheels install unzipped, so this is a
    real path on disk."""
    return Path(str(resources.files(__name__).joinpath(*parts)))
