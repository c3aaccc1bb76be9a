"""`democite init`: create a node's data directory — config, key and API token.

The database is created (and migrated) when the node first opens it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from node import config as config_mod
from node import files, keys
from node.errors import ConfigError


def init_node(data_dir: Path, name: str, listen: str, network: str = "", public_url: str = "", web_listen: str = "") -> dict[str, Any]:
    if not name.strip():
        raise ConfigError("a node needs a name: --name \"Commune A\"")
    bad = config_mod.control_char(name)
    if bad:
        raise ConfigError(f"--name holds a control character ({bad}): give the territory's name on one line, e.g. --name \"Commune A\"")
    config_mod.parse_hostport(listen, "--listen")
    if public_url and not public_url.startswith(("http://", "https://")):
        raise ConfigError("--public-url must start with http:// or https://")
    if web_listen:
        config_mod.parse_hostport(web_listen, "--web-listen")
    files.private_dir(data_dir)  # an existing folder at 0755 is tightened, not kept
    cfg_path = data_dir / config_mod.CONFIG_FILE
    if cfg_path.exists() or (data_dir / keys.KEY_FILE).exists():
        raise ConfigError(f"{data_dir} already holds a node; its key and config are never overwritten")
    text = config_mod.render_toml(name.strip(), listen, network, public_url, web_listen)
    config_mod.from_mapping(data_dir, config_mod.parse_toml(text, "the new node.toml"))  # refuse to write a config we could not load
    fd = os.open(cfg_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    identity = keys.create_key(data_dir)
    keys.create_token(data_dir)
    return {
        "data": str(data_dir),
        "name": name.strip(),
        "listen": listen,
        "web_listen": web_listen,
        "public_key": identity.public_key.hex(),
    }


