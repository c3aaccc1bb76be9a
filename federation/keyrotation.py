"""Key rotation: the old key signs a `key.rotate` record naming the new key, then steps down.

The new key is written first (0600, fsynced) so a crash between the two steps never loses it;
the old key file is kept beside it as `node.key.retired-<seq>`. Records signed by the old key
stay valid up to the rotation; peers refuse any later one, and membership follows the new key.
"""

from __future__ import annotations

import os
import secrets
from typing import Any

from node import keys
from node.service import Node, ensure_profile
from protocol.identity import Identity


def _write_private(path: os.PathLike[str] | str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


async def rotate_key(node: Node) -> dict[str, Any]:
    d = node.config.data_dir
    old = node.identity
    new = Identity(secrets.token_bytes(32))
    pending = d / (keys.KEY_FILE + ".new")
    _write_private(pending, "ed25519-seed:" + new.seed.hex() + "\n")
    signed = await node.publish("key.rotate", {"new": new.public_key})
    retired = d / f"{keys.KEY_FILE}.retired-{signed.seq}"
    os.link(d / keys.KEY_FILE, retired)
    os.replace(pending, d / keys.KEY_FILE)
    node.identity = new
    await ensure_profile(node)  # the new key's log starts with the territory's profile
    return {"old": old.public_key.hex(), "new": new.public_key.hex(), "rotation_seq": signed.seq, "retired_key_file": str(retired)}
