"""Records: ids, domain-separated signatures on the exact bytes, chain, kinds, fork proofs."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol import encoding
from protocol.errors import ChainError, ErrorCode, ProtocolError, RecordError, SignatureError
from protocol.fork import make_fork_proof, open_fork_proof
from protocol.identity import Domain, Identity
from protocol.network import OPEN_NETWORK_ID
from protocol.record import GENESIS_PREV, Record, check_link, open_record, record_id, sign_record

ALICE = Identity(bytes(range(32)))
MALLORY = Identity(bytes(range(1, 33)))


def note(ident: Identity, seq: int, prev: bytes, text: str = "bonjour", ts: int = 1000) -> Record:
    return Record(1, OPEN_NETWORK_ID, ident.public_key, seq, prev, ts, "note", {"text": text})


def test_signed_record_opens_and_id_is_sha256_of_bytes() -> None:
    s = sign_record(ALICE, note(ALICE, 1, GENESIS_PREV))
    opened = open_record(s.raw, s.sig, ALICE.public_key, OPEN_NETWORK_ID)
    assert opened.id == record_id(s.raw) == s.id
    assert opened.record == s.record


@settings(max_examples=60)
@given(st.data())
def test_any_flipped_bit_in_signature_or_bytes_is_refused(data: st.DataObject) -> None:
    s = sign_record(ALICE, note(ALICE, 1, GENESIS_PREV, data.draw(st.text(max_size=40))))
    blob = bytearray(s.raw + s.sig)
    bit = data.draw(st.integers(0, len(blob) * 8 - 1))
    blob[bit // 8] ^= 1 << (bit % 8)
    raw, sig = bytes(blob[: len(s.raw)]), bytes(blob[len(s.raw) :])
    with pytest.raises(ProtocolError):
        open_record(raw, sig, ALICE.public_key)


def test_flipped_author_key_is_refused() -> None:
    s = sign_record(ALICE, note(ALICE, 1, GENESIS_PREV))
    wrong = bytearray(ALICE.public_key)
    wrong[0] ^= 1
    with pytest.raises(ProtocolError):
        open_record(s.raw, s.sig, bytes(wrong))


def test_record_claiming_another_author_is_refused() -> None:
    # Mallory signs a record that names Alice as author, and serves it in Mallory's own log
    rec = note(ALICE, 1, GENESIS_PREV)
    raw = encoding.encode(rec.to_map())
    sig = MALLORY.sign(Domain.RECORD, record_id(raw))
    with pytest.raises(RecordError) as exc:
        open_record(raw, sig, MALLORY.public_key)
    assert exc.value.code is ErrorCode.WRONG_AUTHOR
    with pytest.raises(SignatureError):
        open_record(raw, sig, ALICE.public_key)


def test_signature_of_another_domain_does_not_verify() -> None:
    s = sign_record(ALICE, note(ALICE, 1, GENESIS_PREV))
    as_checkpoint = ALICE.sign(Domain.CHECKPOINT, s.id)
    with pytest.raises(SignatureError):
        open_record(s.raw, as_checkpoint, ALICE.public_key)


def test_unknown_kind_and_bad_bodies_are_refused() -> None:
    with pytest.raises(RecordError) as exc:
        Record(1, OPEN_NETWORK_ID, ALICE.public_key, 1, GENESIS_PREV, 1, "no.such.kind", {})
    assert exc.value.code is ErrorCode.UNKNOWN_KIND
    with pytest.raises(RecordError, match="unknown field"):
        Record(1, OPEN_NETWORK_ID, ALICE.public_key, 1, GENESIS_PREV, 1, "note", {"text": "x", "extra": 1})
    with pytest.raises(RecordError, match="required"):
        Record(1, OPEN_NETWORK_ID, ALICE.public_key, 1, GENESIS_PREV, 1, "note", {})


def test_non_canonical_record_bytes_are_refused_even_if_signed() -> None:
    import msgpack

    rec = note(ALICE, 1, GENESIS_PREV)
    raw = msgpack.packb(dict(reversed(list(rec.to_map().items()))), use_bin_type=True)
    sig = ALICE.sign(Domain.RECORD, record_id(raw))
    with pytest.raises(ProtocolError) as exc:
        open_record(raw, sig, ALICE.public_key)
    assert exc.value.code is ErrorCode.NOT_CANONICAL


def test_chain_rules() -> None:
    r1 = sign_record(ALICE, note(ALICE, 1, GENESIS_PREV))
    r2 = sign_record(ALICE, note(ALICE, 2, r1.id))
    check_link(None, r1)
    check_link(r1, r2)
    bad_prev = sign_record(ALICE, note(ALICE, 2, os.urandom(32)))
    with pytest.raises(ChainError, match="prev"):
        check_link(r1, bad_prev)
    with pytest.raises(ChainError):
        check_link(None, r2)
    with pytest.raises(ChainError):
        Record(1, OPEN_NETWORK_ID, ALICE.public_key, 2, GENESIS_PREV, 1, "note", {"text": "x"})


def test_wrong_network_is_refused() -> None:
    s = sign_record(ALICE, note(ALICE, 1, GENESIS_PREV))
    with pytest.raises(RecordError) as exc:
        open_record(s.raw, s.sig, ALICE.public_key, net=bytes(32))
    assert exc.value.code is ErrorCode.WRONG_NETWORK


def test_fork_proof_verifies_itself_and_refuses_forgeries() -> None:
    a = sign_record(ALICE, note(ALICE, 1, GENESIS_PREV, "une histoire"))
    b = sign_record(ALICE, note(ALICE, 1, GENESIS_PREV, "une autre"))
    proof = make_fork_proof(a, b)
    wire = encoding.decode(encoding.encode(proof.to_wire()))
    again = open_fork_proof(wire)
    assert again.author == ALICE.public_key and again.seq == 1
    assert encoding.encode(make_fork_proof(b, a).to_wire()) == encoding.encode(proof.to_wire())
    with pytest.raises(ProtocolError):
        make_fork_proof(a, a)
    tampered = dict(wire)
    tampered["b"] = [wire["b"][0], bytes(64)]
    with pytest.raises(ProtocolError):
        open_fork_proof(tampered)
    c = sign_record(MALLORY, note(MALLORY, 1, GENESIS_PREV))
    with pytest.raises(ProtocolError):
        make_fork_proof(a, c)
