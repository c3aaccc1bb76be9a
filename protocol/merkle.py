"""RFC 6962 Merkle tree hashing over a log's record ids, with inclusion and consistency proofs.

Trees are addressed by perfect aligned subtrees `(level, index)` covering leaves
`[index * 2**level, (index + 1) * 2**level)`. Storage keeps those nodes; this module says which
nodes a root or proof needs (`*_nodes`) and computes the answer from them, so it never does I/O.
Proof verification follows RFC 9162 section 2.1.3/2.1.4 so other tools can check our proofs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

from protocol.errors import ProofError

Node = tuple[int, int]  # (level, index)
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """Largest power of two strictly smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _perfect(a: int, b: int) -> Node | None:
    n = b - a
    if n & (n - 1) == 0 and a % n == 0:
        level = n.bit_length() - 1
        return (level, a >> level)
    return None


def _range_nodes(a: int, b: int, out: list[Node]) -> None:
    p = _perfect(a, b)
    if p is not None:
        out.append(p)
        return
    k = _split(b - a)
    _range_nodes(a, a + k, out)
    _range_nodes(a + k, b, out)


def _range_hash(a: int, b: int, nodes: Mapping[Node, bytes]) -> bytes:
    p = _perfect(a, b)
    if p is not None:
        try:
            return nodes[p]
        except KeyError:
            raise ProofError(f"missing tree node {p}") from None
    k = _split(b - a)
    return node_hash(_range_hash(a, a + k, nodes), _range_hash(a + k, b, nodes))


def root_nodes(size: int) -> list[Node]:
    out: list[Node] = []
    if size:
        _range_nodes(0, size, out)
    return out


def root_from_nodes(size: int, nodes: Mapping[Node, bytes]) -> bytes:
    return EMPTY_ROOT if size == 0 else _range_hash(0, size, nodes)


def root_of(leaves: Sequence[bytes]) -> bytes:
    """Root of a whole list of leaves, in memory (for audits and tests)."""
    if not leaves:
        return EMPTY_ROOT
    level = [leaf_hash(x) for x in leaves]
    # Iterative RFC 6962 hashing: pairing left to right and carrying an odd last node up gives
    # the same tree as the recursive definition with its largest-power-of-two split.
    while len(level) > 1:
        nxt = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def append_nodes(size: int, frontier: Mapping[Node, bytes], leaves: Iterable[bytes]) -> list[tuple[int, int, bytes]]:
    """New perfect nodes created by appending `leaves` to a tree of `size` leaves.

    `frontier` must hold the nodes of `root_nodes(size)`. Returns (level, index, hash) triples,
    leaves included, to store.
    """
    known: dict[Node, bytes] = dict(frontier)
    out: list[tuple[int, int, bytes]] = []
    i = size
    for leaf in leaves:
        h = leaf_hash(leaf)
        known[(0, i)] = h
        out.append((0, i, h))
        level, idx = 0, i
        while idx & 1:
            left = known[(level, idx - 1)]
            h = node_hash(left, h)
            level, idx = level + 1, idx >> 1
            known[(level, idx)] = h
            out.append((level, idx, h))
        i += 1
    return out


def _inclusion_path(m: int, a: int, b: int, out: list[tuple[int, int]]) -> None:
    # RFC 6962 PATH(m, D[a:b]); ranges appended leaf-side first
    n = b - a
    if n <= 1:
        return
    k = _split(n)
    if m < k:
        _inclusion_path(m, a, a + k, out)
        out.append((a + k, b))
    else:
        _inclusion_path(m - k, a + k, b, out)
        out.append((a, a + k))


def inclusion_nodes(index: int, size: int) -> list[Node]:
    ranges: list[tuple[int, int]] = []
    _inclusion_path(index, 0, size, ranges)
    out: list[Node] = []
    for a, b in ranges:
        _range_nodes(a, b, out)
    return out


def inclusion_proof(index: int, size: int, nodes: Mapping[Node, bytes]) -> list[bytes]:
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size}")
    ranges: list[tuple[int, int]] = []
    _inclusion_path(index, 0, size, ranges)
    return [_range_hash(a, b, nodes) for a, b in ranges]


def _subproof(m: int, a: int, b: int, complete: bool, out: list[tuple[int, int]]) -> None:
    # RFC 6962 SUBPROOF(m, D[a:b], b)
    n = b - a
    if m == n:
        if not complete:
            out.append((a, b))
        return
    k = _split(n)
    if m <= k:
        _subproof(m, a, a + k, complete, out)
        out.append((a + k, b))
    else:
        _subproof(m - k, a + k, b, False, out)
        out.append((a, a + k))


def consistency_nodes(old: int, new: int) -> list[Node]:
    out: list[Node] = []
    if 0 < old < new:
        ranges: list[tuple[int, int]] = []
        _subproof(old, 0, new, True, ranges)
        for a, b in ranges:
            _range_nodes(a, b, out)
    return out


def consistency_proof(old: int, new: int, nodes: Mapping[Node, bytes]) -> list[bytes]:
    if not 0 <= old <= new:
        raise ProofError(f"no consistency proof from {old} to {new} leaves")
    if old in (0, new):
        return []
    ranges: list[tuple[int, int]] = []
    _subproof(old, 0, new, True, ranges)
    return [_range_hash(a, b, nodes) for a, b in ranges]


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """RFC 9162 2.1.3.2. Raises ProofError when the proof does not hold."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size}")
    fn, sn = index, size - 1
    r = leaf_hash(leaf)
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    if r != root:
        raise ProofError("inclusion proof does not lead to the root")


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> None:
    """RFC 9162 2.1.4.2. Raises ProofError unless the tree of `old` leaves is a prefix of `new`."""
    if not 0 <= old <= new:
        raise ProofError(f"a tree cannot shrink from {old} to {new} leaves")
    if old == new:
        if proof:
            raise ProofError("a proof between equal sizes is empty")
        if old_root != new_root:
            raise ProofError("same size, different roots: two histories")
        return
    if old == 0:
        if proof:
            raise ProofError("a proof from the empty tree is empty")
        return
    if not proof:
        raise ProofError("consistency proof is empty")
    path = list(proof)
    if old & (old - 1) == 0:  # old is a power of two: its root is the first node
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is too short")
    if fr != old_root:
        raise ProofError("consistency proof does not lead to the old root")
    if sr != new_root:
        raise ProofError("consistency proof does not lead to the new root")
