"""RFC 6962 trees: roots, inclusion and consistency proofs, stored-node computation."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol import merkle
from protocol.checkpoint import Checkpoint, check_extends, cosign, open_checkpoint, open_cosignature, sign_checkpoint
from protocol.errors import ProofError, ProtocolError
from protocol.identity import Identity
from protocol.network import OPEN_NETWORK_ID


def build(leaves: list[bytes]) -> dict[tuple[int, int], bytes]:
    return {(lv, ix): h for lv, ix, h in merkle.append_nodes(0, {}, leaves)}


def test_known_answer_rfc6962() -> None:
    # RFC 6962 test vector: the root of the empty tree and of a one-leaf tree over b""
    assert merkle.root_of([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert merkle.root_of([b""]).hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    leaves = [bytes.fromhex(x) for x in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]]
    assert merkle.root_of(leaves).hex() == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"


@settings(max_examples=80)
@given(st.integers(1, 70), st.data())
def test_proofs_hold_and_fail_when_tampered(n: int, data: st.DataObject) -> None:
    leaves = [hashlib.sha256(str(i).encode()).digest() for i in range(n)]
    nodes = build(leaves)
    root = merkle.root_from_nodes(n, nodes)
    assert root == merkle.root_of(leaves)
    i = data.draw(st.integers(0, n - 1))
    proof = merkle.inclusion_proof(i, n, nodes)
    merkle.verify_inclusion(leaves[i], i, n, proof, root)
    with pytest.raises(ProofError):
        merkle.verify_inclusion(b"other", i, n, proof, root)
    m = data.draw(st.integers(1, n))
    cproof = merkle.consistency_proof(m, n, nodes)
    merkle.verify_consistency(m, n, merkle.root_of(leaves[:m]), root, cproof)
    if m < n:
        with pytest.raises(ProofError):
            merkle.verify_consistency(m, n, merkle.root_of(leaves[: m - 1] + [b"x"]), root, cproof)


@given(st.lists(st.integers(1, 9), min_size=1, max_size=8))
def test_appending_in_batches_gives_the_same_tree(batches: list[int]) -> None:
    leaves = [bytes([i % 256]) * 4 for i in range(sum(batches))]
    nodes: dict[tuple[int, int], bytes] = {}
    size = 0
    for b in batches:
        frontier = {k: nodes[k] for k in merkle.root_nodes(size)}
        nodes.update({(lv, ix): h for lv, ix, h in merkle.append_nodes(size, frontier, leaves[size : size + b])})
        size += b
    assert nodes == build(leaves)


def test_checkpoints_and_cosignatures() -> None:
    author, witness = Identity(bytes(32)), Identity(bytes([7]) * 32)
    leaves = [bytes([i]) * 32 for i in range(5)]
    nodes = build(leaves)
    cp3 = sign_checkpoint(author, Checkpoint(OPEN_NETWORK_ID, author.public_key, 3, merkle.root_of(leaves[:3]), 10))
    cp5 = sign_checkpoint(author, Checkpoint(OPEN_NETWORK_ID, author.public_key, 5, merkle.root_of(leaves), 20))
    opened = open_checkpoint(cp5.raw, cp5.sig, author.public_key)
    check_extends(cp3.checkpoint, opened.checkpoint, merkle.consistency_proof(3, 5, nodes))
    with pytest.raises(ProofError):
        check_extends(opened.checkpoint, cp3.checkpoint, [])  # never accept a smaller tree
    with pytest.raises(ProtocolError):
        open_checkpoint(cp5.raw, cp3.sig, author.public_key)
    c = cosign(witness, cp5, 30)
    assert open_cosignature(cp5.id, c.to_wire()).witness == witness.public_key
    with pytest.raises(ProtocolError):
        open_cosignature(cp3.id, c.to_wire())
