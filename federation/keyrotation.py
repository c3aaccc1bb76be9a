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
from protocol import encoding
from protocol.identity import Identity
from protocol.membership import key_commitment

_SEED = "ed25519-seed:"


def _write_private(path: os.PathLike[str] | str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_dir(d: Path) -> None:
    """Make renames and links in `d` durable: without it a crash may forget them."""
    fd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def stage_rotation(node: Node) -> tuple[Identity, Identity]:
    """First half: write the new key and the next committed key beside the current one, durably.

    Until a `key.rotate` record names the staged key these files mean nothing: a crash here
    leaves the node on its old key and the next rotation overwrites them.
    """
    d = node.config.data_dir
    # the key committed by the previous rotation, if any; else a fresh one
    new = _read_seed(d / (keys.KEY_FILE + ".next")) or Identity(secrets.token_bytes(32))
    after = Identity(secrets.token_bytes(32))
    _write_private(d / (keys.KEY_FILE + ".new"), _SEED + new.seed.hex() + "\n")
    _write_private(d / (keys.KEY_FILE + ".next.new"), _SEED + after.seed.hex() + "\n")
    _fsync_dir(d)
    return new, after


def _swap(node: Node, new: Identity) -> Path:
    """Second half, idempotent so a crash anywhere in it is finished by running it again:
    keep the old key as `node.key.retired-*`, then put the staged keys in place."""
    d = node.config.data_dir
    old = node.identity
    retired = d / f"{keys.KEY_FILE}.retired-{old.public_key.hex()[:16]}"
    try:
        os.link(d / keys.KEY_FILE, retired)
    except FileExistsError:
        pass  # linked before a crash: the name carries the old key, so it is the same key
    pending_next = d / (keys.KEY_FILE + ".next.new")
    if pending_next.exists():
        os.replace(pending_next, d / (keys.KEY_FILE + ".next"))
    os.replace(d / (keys.KEY_FILE + ".new"), d / keys.KEY_FILE)
    _fsync_dir(d)
    node.identity = new
    return retired


async def rotate_key(node: Node) -> dict[str, Any]:
    """Rotate, or finish a rotation whose record is signed but whose swap failed (then that one is
    the answer, with `recovered`: a second `key.rotate` by the retired key would be refused)."""
    pending = await finish_rotation(node)
    if pending is not None:
        return {**pending, "recovered": True}
    old = node.identity
    new, after = stage_rotation(node)
    signed = await node.publish("key.rotate", {"new": new.public_key, "next_hash": key_commitment(after.public_key)})
    retired = _swap(node, new)
    await ensure_profile(node)  # the new key's log starts with the territory's profile
    return _answer(old, new, signed.seq, retired, after)


def _answer(old: Identity, new: Identity, seq: int, retired: Path, after: Identity | None) -> dict[str, Any]:
    return {
        "old": old.public_key.hex(),
        "new": new.public_key.hex(),
        "rotation_seq": seq,
        "retired_key_file": str(retired),
        "next_key_committed": key_commitment(after.public_key).hex() if after is not None else "",
    }


async def finish_rotation(node: Node) -> dict[str, Any] | None:
    """At startup: when our own log ends on a `key.rotate` naming the staged key, the record is
    durable but the swap did not happen (a crash in between): finish it. None when nothing was due.

    Without this the node would go on signing with a retired key, and every peer would refuse it.
    """
    staged = _read_seed(node.config.data_dir / (keys.KEY_FILE + ".new"))
    if staged is None:
        return None
    head = await node.logs.head(node.public_key)
    last = await node.logs.record_at(node.public_key, head.size) if head is not None and head.size else None
    if last is None or last.kind != "key.rotate":
        return None
    # our own record, verified when we signed it
    if encoding.decode(last.raw)["body"].get("new") != staged.public_key:
        return None
    old = node.identity
    retired = _swap(node, staged)
    await ensure_profile(node)
    return _answer(old, staged, last.seq, retired, _read_seed(node.config.data_dir / (keys.KEY_FILE + ".next")))


def _read_seed(path: Path) -> Identity | None:
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return None
    if not text.startswith(_SEED):
        return None
    return Identity(bytes.fromhex(text[len(_SEED):]))
