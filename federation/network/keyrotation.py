"""Key rotation: the old key signs a `key.rotate` record naming the new key, then steps down.

KERI-style pre-commitment: each rotation also commits to the key the next rotation will use
(`next_hash`), kept in `node.key.next`; the next rotation uses that key, so a thief of the
current key cannot rotate the territory to a key of its own. Keys are written before the record
is signed (0600, fsynced) so a crash never loses one; the old key file is kept beside the new as
`node.key.retired-<old key prefix>`. Records signed by the old key stay valid up to the rotation; peers
refuse any later one, and membership follows the new key.

A member that does not hold the rotation yet refuses the new key, and may not know our address to
pull it: `hand_over` pushes our retired logs (ending on their `key.rotate`) to such a peer with
requests signed by the retired key it still admits. The retired key signs no record there, only
the transport of records it signed before.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

from federation.errors import FederationError, FedErrorCode
from federation.peer.client import PeerClient
from federation.peer.state import Traffic
from node import keys
from node.profile import ensure_profile
from node.service import Node
from protocol.actor import Actor, acted
from protocol.identity import Identity
from protocol.membership import Membership, key_commitment

if TYPE_CHECKING:  # only the session's type: the calls go through federation.peer.client
    import aiohttp

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
    retired = _retired_file(d, old.public_key)
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


async def rotate_key(node: Node, actor: Actor | None = None) -> dict[str, Any]:
    """Rotate, or finish a rotation whose record is signed but whose swap failed (then that one is
    the answer, with `recovered`: a second `key.rotate` by the retired key would be refused)."""
    pending = await finish_rotation(node)
    if pending is not None:
        return {**pending, "recovered": True}
    old = node.identity
    new, after = stage_rotation(node)
    signed = await node.publish("key.rotate", acted({"new": new.public_key, "next_hash": key_commitment(after.public_key)}, actor))
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
    if last.body.get("new") != staged.public_key:
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


def _retired_file(d: Path, key: bytes) -> Path:
    return d / f"{keys.KEY_FILE}.retired-{key.hex()[:16]}"


def refused_as_non_member(exc: FederationError) -> bool:
    return exc.peer_code == "not_member" or exc.code is FedErrorCode.NOT_MEMBER


def retired_keys(node: Node, membership: Membership) -> list[Identity]:
    """Our retired keys, oldest first, whose key file is still here."""
    by_new = {r.new: old for old, r in membership.retired.items()}
    chain: list[bytes] = []
    key = node.public_key
    while key in by_new and by_new[key] not in chain:
        key = by_new[key]
        chain.append(key)
    out = []
    for old in reversed(chain):
        ident = _read_seed(_retired_file(node.config.data_dir, old))
        if ident is not None and ident.public_key == old:
            out.append(ident)
    return out


PUSH_PAGE = 500


async def hand_over(node: Node, session: aiohttp.ClientSession, url: str, membership: Membership, traffic: Traffic | None = None) -> int:
    """Push our retired logs to a peer that refused our current key; the number of records it took.

    Each log is pushed under the key that signed it, oldest first: the peer admits that key until it
    holds its rotation, and once it does, admits the next one. Raises FederationError when the peer
    refuses the retired key too (we were never admitted, or were removed) or is unreachable.
    """
    taken = 0
    for ident in retired_keys(node, membership):
        old = ident.public_key
        f = node.config.federation
        client = PeerClient(session, ident, url, node.clock, f.peer_timeout_s, f.max_body_bytes, traffic)
        theirs = next((h.size for h in await client.heads() if h.author == old), 0)
        ours = await node.logs.head(old)
        start, end = theirs + 1, ours.size if ours is not None else 0
        while start <= end:
            page = await node.logs.page(old, start, min(PUSH_PAGE, end - start + 1), node.config.federation.max_body_bytes // 2)
            if not page:
                break
            answer = await client.push(old, [[r.raw, r.sig] for r in page])
            if answer.get("error") or answer.get("fork") or not answer.get("accepted"):
                return taken
            taken += int(answer["accepted"])
            start = page[-1].seq + 1
    return taken
