"""Key rotation: the old key signs a `key.rotate` record naming the new key, then steps down.

KERI-style pre-commitment: each rotation also commits to the key the next rotation will use
(`next_hash`), kept in `node.key.next`; the next rotation uses that key, so a thief of the
current key cannot rotate the territory to a key of its own. Keys are written before the record
is signed (0600, fsynced) so a crash never loses one; the old key file is kept beside the new as
`node.key.retired-<old key prefix>`. Records signed by the old key stay valid up to the rotation; peers
refuse any later one, and membership follows the new key.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from node import keys
from node.service import Node, ensure_profile
from protocol.identity import Identity
from protocol.membership import key_commitment

_SEED = "ed25519-seed:"


def _write_private(path: os.PathLike[str] | str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


async def rotate_key(node: Node) -> dict[str, Any]:
    d = node.config.data_dir
    old = node.identity
    committed = d / (keys.KEY_FILE + ".next")
    # the key committed by the previous rotation, if any; else a fresh one
    new = _read_seed(committed) or Identity(secrets.token_bytes(32))
    after = Identity(secrets.token_bytes(32))
    pending, pending_next = d / (keys.KEY_FILE + ".new"), d / (keys.KEY_FILE + ".next.new")
    _write_private(pending, _SEED + new.seed.hex() + "\n")
    _write_private(pending_next, _SEED + after.seed.hex() + "\n")
    signed = await node.publish("key.rotate", {"new": new.public_key, "next_hash": key_commitment(after.public_key)})
    retired = d / f"{keys.KEY_FILE}.retired-{old.public_key.hex()[:16]}"
    os.link(d / keys.KEY_FILE, retired)
    os.replace(pending, d / keys.KEY_FILE)
    os.replace(pending_next, committed)
    node.identity = new
    await ensure_profile(node)  # the new key's log starts with the territory's profile
    return {
        "old": old.public_key.hex(),
        "new": new.public_key.hex(),
        "rotation_seq": signed.seq,
        "retired_key_file": str(retired),
        "next_key_committed": key_commitment(after.public_key).hex(),
    }


def _read_seed(path: Path) -> Identity | None:
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return None
    if not text.startswith(_SEED):
        return None
    return Identity(bytes.fromhex(text[len(_SEED):]))
