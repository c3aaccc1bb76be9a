"""Ingest: verified, idempotent, all-or-nothing; bad input leaves the store unchanged; forks freeze."""

from __future__ import annotations

import os
from pathlib import Path

import msgpack
import pytest

from node import config as config_mod
from node.bootstrap import init_node
from node.service import Node
from protocol import encoding, merkle
from protocol.errors import ErrorCode
from protocol.identity import Domain, Identity
from protocol.network import OPEN_NETWORK_ID
from protocol.record import GENESIS_PREV, Record, record_id, sign_record

AUTHOR = Identity(bytes([9]) * 32)


def chain(n: int, ident: Identity = AUTHOR, tag: str = "") -> list[list[bytes]]:
    out, prev = [], GENESIS_PREV
    for seq in range(1, n + 1):
        s = sign_record(ident, Record(1, OPEN_NETWORK_ID, ident.public_key, seq, prev, seq, "note", {"text": f"{tag}{seq}"}))
        out.append(s.wire())
        prev = s.id
    return out


@pytest.fixture
async def node(tmp_path: Path):
    init_node(tmp_path / "n", "N", "127.0.0.1:0")
    n = await Node.open(config_mod.load(tmp_path / "n"))
    yield n
    await n.close()


async def snapshot(node: Node) -> tuple:
    heads = [(h.key, h.size, h.root, h.frozen) for h in await node.logs.heads()]
    recs = [(r.author, r.seq, r.id) for r in await node.logs.records(limit=10_000)]
    return heads, recs


async def test_ingest_is_idempotent_and_builds_the_merkle_root(node: Node) -> None:
    log = chain(25)
    r = await node.ingest(AUTHOR.public_key, log[:10])
    assert (r.accepted, r.error) == (10, None)
    r = await node.ingest(AUTHOR.public_key, log[5:25])
    assert (r.accepted, r.duplicates, r.size) == (15, 5, 25)
    r = await node.ingest(AUTHOR.public_key, log)
    assert (r.accepted, r.duplicates) == (0, 25)
    ids = [record_id(raw) for raw, _ in log]
    assert await node.root_at(AUTHOR.public_key, 25) == merkle.root_of(ids)
    assert await node.root_at(AUTHOR.public_key, 7) == merkle.root_of(ids[:7])


def _flip(b: bytes, i: int) -> bytes:
    x = bytearray(b)
    x[i % len(x)] ^= 1
    return bytes(x)


def _unknown_kind() -> list[bytes]:
    m = Record(1, OPEN_NETWORK_ID, AUTHOR.public_key, 3, bytes([1]) * 32, 1, "note", {"text": "x"}).to_map()
    m["kind"] = "zz.unknown"
    raw = encoding.encode(m)
    return [raw, AUTHOR.sign(Domain.RECORD, record_id(raw))]


def _timestamp_in_body() -> list[bytes]:
    """A member could sign a body holding a msgpack Timestamp: it must never be stored or relayed."""
    m = Record(1, OPEN_NETWORK_ID, AUTHOR.public_key, 3, bytes([1]) * 32, 1, "note", {"text": "x"}).to_map()
    m["body"] = {"text": msgpack.Timestamp(1)}
    raw = msgpack.packb({k: m[k] for k in sorted(m)}, use_bin_type=True)
    return [raw, AUTHOR.sign(Domain.RECORD, record_id(raw))]


@pytest.mark.parametrize(
    ("make_bad", "code"),
    [
        (lambda log: [log[2][0], _flip(log[2][1], 5)], ErrorCode.BAD_SIGNATURE),
        (lambda log: [_flip(log[2][0], 40), log[2][1]], ErrorCode.BAD_SIGNATURE),
        (lambda log: chain(3, tag="other")[2], ErrorCode.BAD_CHAIN),  # prev does not match record 2
        (lambda log: chain(3, Identity(os.urandom(32)))[2], ErrorCode.BAD_SIGNATURE),  # another author's record
        (lambda log: _unknown_kind(), ErrorCode.UNKNOWN_KIND),
        (lambda log: _timestamp_in_body(), ErrorCode.BAD_TYPE),
        (lambda log: [log[2][0][:-3], log[2][1]], ErrorCode.BAD_SIGNATURE),  # truncated
    ],
)
async def test_bad_records_change_nothing(node: Node, make_bad, code: ErrorCode) -> None:
    log = chain(4)
    await node.ingest(AUTHOR.public_key, log[:2])
    before = await snapshot(node)
    r = await node.ingest(AUTHOR.public_key, [make_bad(log), log[3]])
    assert r.accepted == 0 and r.error is not None and r.error.code == code
    assert await snapshot(node) == before


async def test_a_fork_is_proven_kept_and_freezes_the_author(node: Node) -> None:
    await node.ingest(AUTHOR.public_key, chain(3))
    other = chain(4, tag="autre histoire ")
    r = await node.ingest(AUTHOR.public_key, other[:2])
    assert r.fork is not None and r.fork.seq == 1
    proofs = await node.fork_proofs()
    assert len(proofs) == 1 and proofs[0].author == AUTHOR.public_key
    head = await node.logs.head(AUTHOR.public_key)
    assert head is not None and head.frozen and head.size == 3
    r = await node.ingest(AUTHOR.public_key, chain(5)[3:])
    assert r.accepted == 0 and r.error is not None and str(r.error.code) == "frozen"
    assert (await node.logs.head(AUTHOR.public_key)).size == 3


async def test_own_log_gets_a_checkpoint_per_publish(node: Node) -> None:
    for i in range(3):
        await node.publish("note", {"text": f"n{i}"})
    cp = await node.logs.latest_checkpoint(node.public_key)
    assert cp is not None and cp.size == 3
    assert cp.root == await node.root_at(node.public_key, 3)
    proof = await node.consistency_proof(node.public_key, 1, 3)
    merkle.verify_consistency(1, 3, await node.root_at(node.public_key, 1), cp.root, proof)
