"""docs/vectors/ stay true: each file is recomputed by the protocol code and compared byte for byte,
and the formulas docs/protocol.md states are re-checked from the hex alone (hashlib, PyNaCl)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.signing
import pytest

from protocol import encoding, merkle
from protocol.httpsig import verify_request
from protocol.proof import open_inclusion_proof
from tests.protocol import vectors_gen

DIR = vectors_gen.OUT


def load(name: str) -> Any:
    return json.loads((DIR / f"{name}.json").read_text(encoding="utf-8"))


def untag(v: Any) -> Any:
    if isinstance(v, dict):
        if set(v) == {"$bytes"}:
            return bytes.fromhex(v["$bytes"])
        return {k: untag(x) for k, x in v.items()}
    if isinstance(v, list):
        return [untag(x) for x in v]
    return v


def ed25519_ok(key_hex: str, msg: bytes, sig_hex: str) -> bool:
    try:
        nacl.signing.VerifyKey(bytes.fromhex(key_hex)).verify(msg, bytes.fromhex(sig_hex))
        return True
    except (nacl.exceptions.BadSignatureError, ValueError):
        return False


@pytest.mark.parametrize("name", sorted(vectors_gen.VECTORS))
def test_each_file_is_what_the_code_computes(name: str) -> None:
    path = DIR / f"{name}.json"
    assert path.exists(), f"{path} missing: run python -m tests.protocol.vectors_gen"
    assert path.read_bytes() == vectors_gen.render(name).encode("utf-8"), f"{name}.json drifted from the code: regenerate with `python -m tests.protocol.vectors_gen`"


def test_no_stray_files() -> None:
    assert {p.stem for p in Path(DIR).glob("*.json")} == set(vectors_gen.VECTORS)


def test_encoding_from_the_hex() -> None:
    v = load("encoding")
    for case in v["canonical"]:
        assert encoding.encode(untag(case["value"])).hex() == case["hex"], case["name"]
        assert encoding.decode(bytes.fromhex(case["hex"])) == untag(case["value"])
    assert all(case["error"] != "accepted" for case in v["refused"])


def test_records_from_the_hex() -> None:
    v = load("record")
    tag = bytes.fromhex(load("identity")["domains"]["record"])
    assert tag == b"democite/v1/record\x00"
    for r in v["records"]:
        raw = bytes.fromhex(r["raw"])
        assert encoding.encode(untag(r["map"])) == raw
        assert hashlib.sha256(raw).hexdigest() == r["id"]
        assert bytes.fromhex(r["signed_message"]) == tag + bytes.fromhex(r["id"])
        assert ed25519_ok(v["author"], bytes.fromhex(r["signed_message"]), r["sig"])
    assert v["records"][1]["map"]["prev"] == {"$bytes": v["records"][0]["id"]}
    ident = load("identity")
    assert nacl.signing.SigningKey(bytes.fromhex(v["author_seed"])).verify_key.encode().hex() == v["author"]
    net = ident["network"]
    assert hashlib.sha256(bytes.fromhex(net["hashed"])).hexdigest() == net["id"] == v["records"][0]["map"]["net"]["$bytes"]


def test_checkpoint_and_cosignature_from_the_hex() -> None:
    v = load("checkpoint")
    cp, co = v["checkpoint"], v["cosignature"]
    raw = bytes.fromhex(cp["raw"])
    assert encoding.encode(untag(cp["map"])) == raw and hashlib.sha256(raw).hexdigest() == cp["id"]
    assert bytes.fromhex(cp["signed_message"]) == b"democite/v1/checkpoint\x00" + raw
    author = cp["map"]["author"]["$bytes"]
    assert ed25519_ok(author, bytes.fromhex(cp["signed_message"]), cp["sig"])
    ids = [bytes.fromhex(i) for i in v["record_ids"]]
    assert merkle.root_of(ids).hex() == cp["map"]["root"]["$bytes"]
    assert untag(co["map"])["cp"].hex() == cp["id"]
    assert bytes.fromhex(co["signed_message"]) == b"democite/v1/cosign\x00" + encoding.encode(untag(co["map"]))
    assert ed25519_ok(co["map"]["w"]["$bytes"], bytes.fromhex(co["signed_message"]), co["sig"])


def _mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 section 2.1, written from the RFC, independent of protocol.merkle."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + _mth(leaves[:k]) + _mth(leaves[k:])).digest()


def test_merkle_from_the_hex() -> None:
    v = load("merkle")
    rfc = [bytes.fromhex(x) for x in v["rfc6962_leaves"]]
    assert [_mth(rfc[:n]).hex() for n in range(len(rfc) + 1)] == v["rfc6962_roots"]
    assert v["rfc6962_roots"][-1] == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"  # RFC 6962 test data
    leaves = [bytes.fromhex(x) for x in v["leaves"]]
    assert [_mth(leaves[:n]).hex() for n in range(len(leaves) + 1)] == v["roots"]
    for p in v["inclusion"]:
        merkle.verify_inclusion(leaves[p["index"]], p["index"], p["size"], [bytes.fromhex(h) for h in p["path"]], bytes.fromhex(v["roots"][p["size"]]))
    for p in v["consistency"]:
        merkle.verify_consistency(
            p["old"], p["new"], bytes.fromhex(v["roots"][p["old"]]), bytes.fromhex(v["roots"][p["new"]]), [bytes.fromhex(h) for h in p["proof"]]
        )


def test_inclusion_proof_from_the_hex() -> None:
    v = load("inclusion_proof")
    answer = encoding.decode(bytes.fromhex(v["answer"]["raw"]))
    assert answer == untag(v["answer"]["map"])
    p = open_inclusion_proof(answer)
    assert p.record.id.hex() == v["record_id"] and p.checkpoint.checkpoint.root.hex() == v["root"]
    assert encoding.decode(bytes.fromhex(v["request"]["raw"])) == {"record": bytes.fromhex(v["record_id"])}


def test_signed_requests_from_the_hex() -> None:
    v = load("request")
    for r in v["requests"]:
        body = bytes.fromhex(r["body"])
        assert hashlib.sha256(body).hexdigest() == r["body_sha256"]
        assert encoding.encode(untag(r["base_map"])).hex() == r["base"]
        assert bytes.fromhex(r["signed_message"]) == b"democite/v1/request\x00" + bytes.fromhex(r["base"])
        h = r["headers"]
        assert ed25519_ok(h["X-Democite-Key"], bytes.fromhex(r["signed_message"]), h["X-Democite-Signature"])
        signed = verify_request(h, r["method"], r["path"], body, r["now_ms"])
        assert signed.nonce.hex() == r["nonce"] and h["X-Democite-Timestamp"] == str(r["now_ms"])


def test_fork_and_ed25519_from_the_hex() -> None:
    v = load("fork")
    m = untag(v["map"])
    assert encoding.encode(m).hex() == v["raw"]
    ids = sorted(hashlib.sha256(m[side][0]).hexdigest() for side in ("a", "b"))
    assert ids == v["ids"] == [hashlib.sha256(m["a"][0]).hexdigest(), hashlib.sha256(m["b"][0]).hexdigest()]
    for case in load("ed25519")["cases"]:
        assert ed25519_ok(case["public_key"], bytes.fromhex(case["message"]), case["sig"]) is case["valid"], case["name"]


def test_the_mixed_order_vector_is_valid_under_the_cofactored_equation() -> None:
    """So libsodium's refusal of it shows the cofactorless rule docs/protocol.md states."""
    from tests.protocol import ed25519_ref as ed

    case = next(c for c in load("ed25519")["cases"] if "order-8" in c["name"])
    sig, key, msg = bytes.fromhex(case["sig"]), bytes.fromhex(case["public_key"]), bytes.fromhex(case["message"])
    r, a = ed.decode(sig[:32]), ed.decode(key)
    assert r is not None and a is not None and ed.BASE is not None
    s = int.from_bytes(sig[32:], "little")
    k = int.from_bytes(hashlib.sha512(sig[:32] + key + msg).digest(), "little") % ed.L
    lhs, rhs = ed.mul(s, ed.BASE), ed.add(r, ed.mul(k, a))
    assert ed.encode(ed.mul(8, lhs)) == ed.encode(ed.mul(8, rhs))  # cofactored: holds
    assert ed.encode(lhs) != ed.encode(rhs) and case["valid"] is False  # cofactorless: fails, refused
