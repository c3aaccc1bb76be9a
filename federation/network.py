"""Writing a network file (genesis); loading it lives in `node.network` (re-exported here)."""

from __future__ import annotations

from node.network import genesis_for, load_genesis
from protocol.network import Genesis

__all__ = ["genesis_for", "load_genesis", "render_genesis"]


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def render_genesis(g: Genesis) -> str:
    lines = [
        "# Démocité network file (genesis). The network id is the hash of this content:",
        "# every member must hold the same file. Share it, never edit it after the network started.",
        "[network]",
        f"name = {_q(g.name)}",
        f"admission = {_q(str(g.admission))}  # majority: a candidate joins when more than half of the members endorse it",
    ]
    if g.description:
        lines.append(f"description = {_q(g.description)}")
    for f in g.founders:
        lines += ["", "[[founders]]", f"name = {_q(f.name)}", f"key = {_q(f.key.hex())}", f"url = {_q(f.url)}"]
    return "\n".join(lines) + "\n"
