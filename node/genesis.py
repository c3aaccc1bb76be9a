"""The network file (genesis): written by `network create`, loaded and checked by every node;
which network a node is on, or the open network.

In `node/` so that node-level code (audit bundles, status) can name the network too.
"""

from __future__ import annotations

from pathlib import Path

from node.config import NodeConfig, read_toml
from node.errors import ConfigError
from protocol.errors import ProtocolError
from protocol.network import OPEN_GENESIS, Genesis, genesis_from_mapping


def load_genesis(path: Path) -> Genesis:
    raw = read_toml(path, "network file", f"network file {path} not found: create one with `democite network create`")
    try:
        return genesis_from_mapping(raw)
    except ProtocolError as exc:
        raise ConfigError(f"network file {path}: {exc.message}") from None


def genesis_for(config: NodeConfig) -> Genesis:
    path = config.network_path
    return OPEN_GENESIS if path is None else load_genesis(path)


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
