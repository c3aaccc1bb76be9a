"""Test vectors of the wire protocol (docs/vectors/*.json), computed by the protocol code itself.

Deterministic: fixed seeds, a fixed `now`, fixed nonces. `python -m tests.protocol.vectors_gen`
rewrites docs/vectors/; tests/protocol/test_vectors.py recomputes them and compares byte for byte.
Byte strings appear as lowercase hex; inside a decoded value (`value`, `map`) a byte string is
written `{"$bytes": "<hex>"}` so that it cannot be mistaken for a text string.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from protocol import encoding, merkle
from protocol.checkpoint import Checkpoint, cosign, sign_checkpoint
from protocol.errors import ProtocolError
from protocol.fork import make_fork_proof
from protocol.httpsig import sign_request
from protocol.identity import Domain, Identity
from protocol.messages import CheckpointRequest, RecordsRequest
from protocol.network import OPEN_NETWORK_GENESIS, OPEN_NETWORK_ID, network_id
from protocol.proof import ProofRequest, open_inclusion_proof
from protocol.reconcile import Reconciler, head_item
from protocol.record import GENESIS_PREV, Record, SignedRecord, sign_record

OUT = Path(__file__).resolve().parents[2] / "docs" / "vectors"
NOW_MS = 1_796_000_000_000  # 2026-11-30T00:53:20Z: a fixed clock reading, in milliseconds
AUTHOR = Identity(bytes(range(32)))
WITNESS = Identity(bytes(range(32, 64)))
CALLER = Identity(bytes(range(64, 96)))
LOG_SIZE = 7


def tagged(v: Any) -> Any:
    """A decoded value as JSON: bytes become {"$bytes": hex}."""
    if isinstance(v, bytes):
        return {"$bytes": v.hex()}
    if isinstance(v, dict):  # keys in their canonical order (UTF-8 bytes), as on the wire
        return {k: tagged(v[k]) for k in sorted(v, key=lambda k: k.encode("utf-8"))}
    if isinstance(v, list):
        return [tagged(x) for x in v]
    return v


def _log() -> list[SignedRecord]:
    out: list[SignedRecord] = []
    prev = GENESIS_PREV
    for seq in range(1, LOG_SIZE + 1):
        rec = Record(1, OPEN_NETWORK_ID, AUTHOR.public_key, seq, prev, NOW_MS + seq * 1000, "note", {"text": f"note {seq}"})
        out.append(sign_record(AUTHOR, rec))
        prev = out[-1].id
    return out


def _record_vector(r: SignedRecord) -> dict[str, Any]:
    return {
        "map": tagged(r.record.to_map()),
        "raw": r.raw.hex(),
        "id": r.id.hex(),
        "signed_message": (Domain.RECORD.value + r.id).hex(),
        "sig": r.sig.hex(),
        "wire": encoding.encode(r.wire()).hex(),
    }


def encoding_vectors() -> dict[str, Any]:
    values: list[tuple[str, Any]] = [
        ("nil", None),
        ("false", False),
        ("positive fixint", 5),
        ("uint8", 200),
        ("uint16", 1000),
        ("uint32", 100_000),
        ("uint64", 1 << 40),
        ("negative fixint", -1),
        ("int8", -100),
        ("int64 min", -(1 << 63)),
        ("uint64 max", (1 << 64) - 1),
        ("text", "Démocité"),
        ("bin", b"\x00\xff"),
        ("array", [1, "a", b""]),
        ("map: keys sorted by UTF-8 bytes", {"b": 1, "a": 2, "B": 3, "é": 4, "aa": 5}),
    ]
    canonical = [{"name": n, "value": tagged(v), "hex": encoding.encode(v).hex()} for n, v in values]
    refused: list[dict[str, Any]] = []
    for name, hx in [
        ("integer 1 as uint8 (not shortest)", "cc01"),
        ("keys out of order", "82a16201a16102"),
        ("duplicate key", "82a16101a16101"),
        ("float64", "cb3ff0000000000000"),
        ("ext type 1", "d40100"),
        ("msgpack Timestamp (ext type -1) in a map", "81a16dd6ff00000001"),
        ("text as str8 when fixstr fits", "d90161"),
        ("trailing byte", "c0c0"),
        ("integer map key", "810102"),
        ("array nested 17 deep", "91" * 17 + "c0"),
    ]:
        try:
            encoding.decode(bytes.fromhex(hx))
            code = "accepted"
        except ProtocolError as exc:
            code = str(exc.code)
        refused.append({"name": name, "hex": hx, "error": code})
    return {"canonical": canonical, "refused": refused}


def identity_vectors() -> dict[str, Any]:
    return {
        "keys": [
            {"role": role, "seed": who.seed.hex(), "public_key": who.public_key.hex()}
            for role, who in (("author", AUTHOR), ("witness", WITNESS), ("caller", CALLER))
        ],
        "domains": {d.name.lower(): d.value.hex() for d in Domain},
        "network": {
            "genesis": tagged(OPEN_NETWORK_GENESIS),
            "genesis_raw": encoding.encode(OPEN_NETWORK_GENESIS).hex(),
            "hashed": (b"democite/v1/network\x00" + encoding.encode(OPEN_NETWORK_GENESIS)).hex(),
            "id": network_id(OPEN_NETWORK_GENESIS).hex(),
        },
    }


def record_vectors() -> dict[str, Any]:
    log = _log()
    return {"author_seed": AUTHOR.seed.hex(), "author": AUTHOR.public_key.hex(), "records": [_record_vector(r) for r in log[:2]]}


def checkpoint_vectors() -> dict[str, Any]:
    log = _log()
    ids = [r.id for r in log]
    root = merkle.root_of(ids)
    scp = sign_checkpoint(AUTHOR, Checkpoint(OPEN_NETWORK_ID, AUTHOR.public_key, LOG_SIZE, root, NOW_MS + 10_000))
    c = cosign(WITNESS, scp, NOW_MS + 20_000)
    return {
        "author_seed": AUTHOR.seed.hex(),
        "record_ids": [i.hex() for i in ids],
        "checkpoint": {
            "map": tagged(scp.checkpoint.to_map()),
            "raw": scp.raw.hex(),
            "signed_message": (Domain.CHECKPOINT.value + scp.raw).hex(),
            "sig": scp.sig.hex(),
            "id": scp.id.hex(),
            "wire": encoding.encode(scp.wire()).hex(),
        },
        "cosignature": {
            "witness_seed": WITNESS.seed.hex(),
            "map": tagged({"cp": scp.id, "ts": c.ts, "w": c.witness}),
            "raw": c.message().hex(),
            "signed_message": (Domain.COSIGN.value + c.message()).hex(),
            "sig": c.sig.hex(),
            "wire": encoding.encode(c.to_wire()).hex(),
        },
    }


def merkle_vectors() -> dict[str, Any]:
    rfc = [bytes.fromhex(x) for x in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]]
    ids = [r.id for r in _log()]
    nodes = {(lv, ix): h for lv, ix, h in merkle.append_nodes(0, {}, ids)}
    inclusion = [
        {"index": i, "size": n, "path": [h.hex() for h in merkle.inclusion_proof(i, n, nodes)]}
        for n in range(1, LOG_SIZE + 1)
        for i in range(n)
    ]
    consistency = [
        {"old": m, "new": n, "proof": [h.hex() for h in merkle.consistency_proof(m, n, nodes)]}
        for n in range(1, LOG_SIZE + 1)
        for m in range(0, n + 1)
    ]
    return {
        "rfc6962_leaves": [x.hex() for x in rfc],
        "rfc6962_roots": [merkle.root_of(rfc[:n]).hex() for n in range(len(rfc) + 1)],
        "leaves": [i.hex() for i in ids],
        "leaf_hashes": [merkle.leaf_hash(i).hex() for i in ids],
        "roots": [merkle.root_of(ids[:n]).hex() for n in range(LOG_SIZE + 1)],
        "inclusion": inclusion,
        "consistency": consistency,
    }


def proof_vectors() -> dict[str, Any]:
    log = _log()
    ids = [r.id for r in log]
    nodes = {(lv, ix): h for lv, ix, h in merkle.append_nodes(0, {}, ids)}
    scp = sign_checkpoint(AUTHOR, Checkpoint(OPEN_NETWORK_ID, AUTHOR.public_key, LOG_SIZE, merkle.root_of(ids), NOW_MS + 10_000))
    c = cosign(WITNESS, scp, NOW_MS + 20_000)
    target = log[2]
    request = ProofRequest(target.id).to_wire()
    answer = {
        "author": AUTHOR.public_key,
        "record": target.wire(),
        "index": target.seq - 1,
        "checkpoint": scp.wire(),
        "path": merkle.inclusion_proof(target.seq - 1, LOG_SIZE, nodes),
        "cosigs": [c.to_wire()],
    }
    open_inclusion_proof(answer, AUTHOR.public_key)  # the vector is a valid proof
    return {
        "request": {"map": tagged(request), "raw": encoding.encode(request).hex()},
        "request_by_size": {"map": tagged(ProofRequest(target.id, 5).to_wire()), "raw": encoding.encode(ProofRequest(target.id, 5).to_wire()).hex()},
        "answer": {"map": tagged(answer), "raw": encoding.encode(answer).hex()},
        "record_id": target.id.hex(),
        "leaf_hash": merkle.leaf_hash(target.id).hex(),
        "root": merkle.root_of(ids).hex(),
    }


def request_vectors() -> dict[str, Any]:
    out = []
    for path, msg in (
        ("/fed/v1/records", RecordsRequest(AUTHOR.public_key, 1, 100).to_wire()),
        ("/fed/v1/checkpoint", CheckpointRequest(AUTHOR.public_key, 3).to_wire()),
        ("/fed/v1/heads", {}),
    ):
        body = encoding.encode(msg)
        nonce = hashlib.sha256(path.encode()).digest()[:16]
        base = {"b": hashlib.sha256(body).digest(), "k": CALLER.public_key, "m": "POST", "n": nonce, "p": path, "t": NOW_MS}
        headers = sign_request(CALLER, "POST", path, body, NOW_MS, nonce)
        out.append(
            {
                "method": "POST",
                "path": path,
                "now_ms": NOW_MS,
                "nonce": nonce.hex(),
                "body_map": tagged(msg),
                "body": body.hex(),
                "body_sha256": hashlib.sha256(body).hexdigest(),
                "base_map": tagged(base),
                "base": encoding.encode(base).hex(),
                "signed_message": (Domain.REQUEST.value + encoding.encode(base)).hex(),
                "headers": headers,
            }
        )
    return {"caller_seed": CALLER.seed.hex(), "requests": out}


def fork_vectors() -> dict[str, Any]:
    log = _log()
    other = sign_record(AUTHOR, Record(1, OPEN_NETWORK_ID, AUTHOR.public_key, 2, log[0].id, NOW_MS + 2000, "note", {"text": "another story"}))
    proof = make_fork_proof(log[1], other)
    wire = proof.to_wire()
    return {"author_seed": AUTHOR.seed.hex(), "map": tagged(wire), "raw": encoding.encode(wire).hex(), "ids": sorted([log[1].id.hex(), other.id.hex()])}


def reconcile_vectors() -> dict[str, Any]:
    ids = [r.id for r in _log()]
    mine = [head_item(AUTHOR.public_key, LOG_SIZE, merkle.root_of(ids)), head_item(WITNESS.public_key, 3, bytes(32))]
    theirs = [head_item(AUTHOR.public_key, 5, merkle.root_of(ids[:5])), head_item(WITNESS.public_key, 3, bytes(32))]
    a, b = Reconciler(mine), Reconciler(theirs)
    messages = [a.initiate()]
    for _ in range(8):
        side = b if len(messages) % 2 else a
        nxt = side.receive(messages[-1])
        messages.append(nxt)
        if nxt == encoding.encode([]):
            break
    return {
        "items": [{"key": it.key.hex(), "value": it.value.hex(), "digest": it.digest.hex(), "id": it.id.hex()} for it in mine],
        "peer_items": [{"key": it.key.hex(), "value": it.value.hex()} for it in theirs],
        "messages": [m.hex() for m in messages],
    }


def _mixed(msg: bytes) -> tuple[bytes, bytes, bytes]:
    from tests.protocol.ed25519_ref import mixed_order_r_signature

    key, sig = mixed_order_r_signature(AUTHOR.seed, msg)
    return key, msg, sig


def ed25519_vectors() -> dict[str, Any]:
    """Edge cases of the verification rule (libsodium's): each expected result is what the code says."""
    from protocol.errors import SignatureError
    from protocol.identity import verify_raw

    order = 2**252 + 27742317777372353535851937790883648493
    msg = b"democite"
    sig = AUTHOR.sign_raw(msg)
    s = int.from_bytes(sig[32:], "little")
    cases = [
        ("valid", AUTHOR.public_key, msg, sig),
        ("S + L (non-canonical S)", AUTHOR.public_key, msg, sig[:32] + (s + order).to_bytes(32, "little")),
        ("small-order key (identity point), R = identity, S = 0", (1).to_bytes(32, "little"), msg, (1).to_bytes(32, "little") + bytes(32)),
        ("non-canonical key encoding (y = p + 1)", (2**255 - 19 + 1).to_bytes(32, "little"), msg, sig),
        ("other message", AUTHOR.public_key, b"democitE", sig),
        ("R with an order-8 component (valid only under the cofactored equation)", *_mixed(msg)),
    ]
    out = []
    for name, key, m, sg in cases:
        try:
            verify_raw(key, m, sg)
            ok = True
        except SignatureError:
            ok = False
        out.append({"name": name, "public_key": key.hex(), "message": m.hex(), "sig": sg.hex(), "valid": ok})
    return {"cases": out}


def kinds_vectors() -> dict[str, Any]:
    """Every record kind and its body fields (protocol/kinds_*.py), for validators in other languages."""
    from protocol.actor import ACCOUNT, ROLES, actor_problem
    from protocol.kinds import KINDS
    from protocol.schema import MAX_TEXT

    names = {str: "str", int: "int", bytes: "bin", bool: "bool", list: "array", dict: "map"}
    out = []
    for kind in sorted(KINDS):
        fields = []
        for f in KINDS[kind].fields:
            d: dict[str, Any] = {"name": f.name, "type": names[f.type], "required": f.required}
            if f.type in (str, bytes, list, dict):
                d["max_len"] = f.max_len if f.max_len is not None else MAX_TEXT
            if f.min is not None:
                d["min" if f.type is int else "min_len"] = f.min
            if f.max is not None:
                d["max"] = f.max
            if f.choices is not None:
                d["choices"] = sorted(f.choices)
            if f.items is not None:
                d["items"] = names[f.items]
            if f.check is actor_problem:  # the one nested shape: docs/protocol.md §4, "Acts"
                d["shape"] = {"keys": ["account", "role"], "account": ACCOUNT.pattern, "role": sorted(ROLES),
                              "owner": "account 'owner' if and only if role 'owner'"}
            elif f.check is not None:
                raise ValueError(f"{kind}.{f.name}: describe its check here for validators in other languages")
            fields.append(d)
        out.append({"kind": kind, "doc": KINDS[kind].doc, "fields": fields})
    return {"kinds": out}


VECTORS = {
    "encoding": encoding_vectors,
    "identity": identity_vectors,
    "record": record_vectors,
    "checkpoint": checkpoint_vectors,
    "merkle": merkle_vectors,
    "inclusion_proof": proof_vectors,
    "request": request_vectors,
    "fork": fork_vectors,
    "reconcile": reconcile_vectors,
    "ed25519": ed25519_vectors,
    "kinds": kinds_vectors,
}


def render(name: str) -> str:
    return json.dumps(VECTORS[name](), indent=1, ensure_ascii=False) + "\n"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name in VECTORS:
        (OUT / f"{name}.json").write_text(render(name), encoding="utf-8")
    print(f"wrote {len(VECTORS)} files to {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
