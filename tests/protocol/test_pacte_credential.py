"""Certificates as W3C VCs: JCS (RFC 8785), did:key, eddsa-jcs-2022 against the W3C test vector."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol.credential import (
    CredentialError,
    b58decode,
    b58encode,
    did_key,
    from_multibase,
    jcs,
    key_from_did,
    sign_credential,
    verify_credential,
    verify_proof,
)
from protocol.identity import Identity

# "Data Integrity EdDSA Cryptosuites v1.0", test vector for eddsa-jcs-2022 (w3c/vc-di-eddsa TestVectors)
W3C_PUBLIC = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
W3C_SIGNED = {
    "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential",
    "description": "A minimum viable example of an Alumni Credential.",
    "issuer": "https://vc.example/issuers/5678",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
    "proof": {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "created": "2023-02-24T23:36:38Z",
        "verificationMethod": "https://vc.example/issuers/5678#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
        "proofPurpose": "assertionMethod",
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "proofValue": "z63t83Y53KfzJ5ZosfKTnqfMcKB2dmTrfjSaQjeNNjAD5srBowQfmWqeRb8rRjmeEuCBEsddF9LsVogtuTsijJKh4",
    },
}


def test_w3c_test_vector_verifies_and_fails_once_altered() -> None:
    key = key_from_did("did:key:" + W3C_PUBLIC)
    verify_proof(W3C_SIGNED, key)
    altered = copy.deepcopy(W3C_SIGNED)
    altered["credentialSubject"]["alumniOf"] = "The School of Counterfeits"
    with pytest.raises(CredentialError, match="altered"):
        verify_proof(altered, key)
    with pytest.raises(CredentialError):
        verify_proof(W3C_SIGNED, Identity(bytes(32)).public_key)


def test_jcs_orders_keys_by_utf16_and_escapes_like_ecmascript() -> None:
    # RFC 8785 section 3.2.3: sorting by UTF-16 code units puts the emoji before U+FB33
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    keys = list(json.loads(jcs(value)))
    assert keys == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]
    assert jcs({"b": [1, True, None], "a": 'é\n"\u001f'}) == '{"a":"é\\n\\"\\u001f","b":[1,true,null]}'.encode()
    with pytest.raises(CredentialError):
        jcs({"x": 1.5})
    with pytest.raises(CredentialError):
        jcs({"x": "\ud800"})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(st.characters(exclude_categories=["Cs"])),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(st.characters(exclude_categories=["Cs"]), max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_jcs_is_json_and_a_fixed_point(value: object) -> None:
    out = jcs(value)
    assert json.loads(out) == value
    assert jcs(json.loads(out)) == out


@given(st.binary(max_size=40))
def test_base58_round_trips(data: bytes) -> None:
    assert b58decode(b58encode(data)) == data


def test_did_key_round_trips_and_matches_the_w3c_key() -> None:
    key = key_from_did("did:key:" + W3C_PUBLIC)
    assert did_key(key) == "did:key:" + W3C_PUBLIC
    assert from_multibase(W3C_PUBLIC)[:2] == b"\xed\x01"
    with pytest.raises(CredentialError, match="did:key"):
        key_from_did("did:web:example.org")


def _doc(issuer: Identity, name: str) -> dict[str, object]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", "TerritorialUtilityCertificate"],
        "issuer": {"id": did_key(issuer.public_key), "name": "Commune A"},
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2027-12-31T23:59:59Z",
        "credentialSubject": {"name": name},
    }


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=1, max_size=40, alphabet=st.characters(exclude_categories=["Cs"])), st.text(min_size=1, max_size=3))
def test_signed_credentials_verify_and_any_change_of_subject_fails(name: str, suffix: str) -> None:
    issuer = Identity(bytes(range(32)))
    signed = sign_credential(issuer, _doc(issuer, name), "2026-11-23T10:00:00Z")
    assert verify_credential(signed, "2026-11-23") == signed
    altered = copy.deepcopy(signed)
    altered["credentialSubject"]["name"] = name + suffix
    with pytest.raises(CredentialError):
        verify_credential(altered, "2026-11-23")


def test_credential_content_rules() -> None:
    issuer, other = Identity(bytes(range(32))), Identity(bytes(32))
    signed = sign_credential(issuer, _doc(issuer, "Biocoop"), "2026-11-23T10:00:00Z")
    with pytest.raises(CredentialError, match="expired"):
        verify_credential(signed, "2028-01-01")
    with pytest.raises(CredentialError, match="not valid before"):
        verify_credential(signed, "2025-06-01")
    claimed = copy.deepcopy(signed)
    claimed["issuer"]["id"] = did_key(other.public_key)  # someone else's name on our signature
    with pytest.raises(CredentialError, match="issuer"):
        verify_credential(claimed, "2026-11-23")
    stripped = {k: v for k, v in signed.items() if k != "proof"}
    with pytest.raises(CredentialError, match="no proof|issuer"):
        verify_credential(stripped, "2026-11-23")
