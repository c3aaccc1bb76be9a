"""Which network a node is on: its network file (genesis), loaded and checked, or the open network.

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
