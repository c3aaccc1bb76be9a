"""W3C Verifiable Credentials secured with a Data Integrity proof, cryptosuite `eddsa-jcs-2022`.

Pure code: JCS (RFC 8785) canonical JSON, base58btc multibase, `did:key` for Ed25519 keys, and
the proof's create/verify algorithms of "Data Integrity EdDSA Cryptosuites v1.0" (hash of the
canonical proof configuration, then hash of the canonical document, signed with Ed25519). The
signature itself is PyNaCl's, through `Identity.sign_raw` / `verify_raw`.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from protocol.errors import ErrorCode, SignatureError
from protocol.identity import KEY_BYTES, Identity, verify_raw

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
CRYPTOSUITE = "eddsa-jcs-2022"
PROOF_TYPE = "DataIntegrityProof"
_ED25519_PUB = b"\xed\x01"  # multicodec prefix of an Ed25519 public key
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_MAX_SAFE_INT = 2**53 - 1
_MAX_DEPTH = 32


class CredentialError(SignatureError):
    """A credential that is malformed, altered, expired or signed by another key than it claims."""


# -- JCS (RFC 8785) -------------------------------------------------------------------------------


def jcs(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON value (integers only: no floats in our data)."""
    return _jcs(value, 0).encode("utf-8")


def _jcs(value: Any, depth: int) -> str:
    if depth > _MAX_DEPTH:
        raise CredentialError("credential nests too deeply", ErrorCode.TOO_DEEP)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        if abs(value) > _MAX_SAFE_INT:
            raise CredentialError("integer outside the interoperable JSON range", ErrorCode.BAD_TYPE)
        return str(value)
    if isinstance(value, str):
        _check_text(value)
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(_jcs(v, depth + 1) for v in value) + "]"
    if isinstance(value, dict):
        for k in value:
            if not isinstance(k, str):
                raise CredentialError("JSON object keys are text", ErrorCode.BAD_TYPE)
            _check_text(k)
        # RFC 8785 orders members by the UTF-16 code units of their names
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + _jcs(value[k], depth + 1) for k in keys) + "}"
    raise CredentialError(f"a credential holds only JSON values, not {type(value).__name__}", ErrorCode.BAD_TYPE)


def _check_text(s: str) -> None:
    if any(0xD800 <= ord(c) <= 0xDFFF for c in s):
        raise CredentialError("text holds a lone surrogate", ErrorCode.MALFORMED)


def parse(text: str) -> Any:
    """A credential's JSON text, parsed; CredentialError if it is not JSON or nests deeper than JCS takes.

    The depth is counted before `json.loads`, whose parser recurses: a few KB of brackets would
    otherwise raise RecursionError, which callers that fold peer records do not expect.
    """
    depth, in_string, escaped = 0, False, False
    for c in text:
        if in_string:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in "[{":
            depth += 1
            if depth > _MAX_DEPTH:
                raise CredentialError(f"credential nests more than {_MAX_DEPTH} arrays and objects", ErrorCode.TOO_DEEP)
        elif c in "]}":
            depth -= 1
    try:
        return json.loads(text)
    except ValueError as exc:
        raise CredentialError(f"the credential is not JSON ({str(exc)[:80]})", ErrorCode.MALFORMED) from None


# -- multibase and did:key -----------------------------------------------------------------------


def b58encode(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = _B58[r] + out
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + out


def b58decode(text: str) -> bytes:
    n = 0
    for c in text:
        i = _B58.find(c)
        if i < 0:
            raise CredentialError(f"'{c}' is not a base58btc character", ErrorCode.MALFORMED)
        n = n * 58 + i
    pad = len(text) - len(text.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * pad + body


def multibase(data: bytes) -> str:
    return "z" + b58encode(data)


def from_multibase(text: str) -> bytes:
    if not isinstance(text, str) or not text.startswith("z"):
        raise CredentialError("a multibase value here is base58btc and starts with 'z'", ErrorCode.MALFORMED)
    return b58decode(text[1:])


def did_key(public_key: bytes) -> str:
    """The `did:key` of an Ed25519 public key (multicodec 0xed01, base58btc)."""
    return "did:key:" + multibase(_ED25519_PUB + public_key)


def verification_method(public_key: bytes) -> str:
    did = did_key(public_key)
    return f"{did}#{did.removeprefix('did:key:')}"


def key_from_did(did: str) -> bytes:
    """The Ed25519 public key a `did:key` (or its verification method URL) names."""
    if not isinstance(did, str) or not did.startswith("did:key:z"):
        raise CredentialError("the verification method must be a did:key (did:key:z6Mk...)", ErrorCode.MALFORMED)
    base, _, fragment = did.partition("#")
    ident = base.removeprefix("did:key:")
    if fragment and fragment != ident:
        raise CredentialError("the did:key fragment must repeat the key", ErrorCode.MALFORMED)
    raw = from_multibase(ident)
    if raw[:2] != _ED25519_PUB or len(raw) != 2 + KEY_BYTES:
        raise CredentialError("the did:key is not an Ed25519 public key", ErrorCode.MALFORMED)
    return raw[2:]


# -- proofs ---------------------------------------------------------------------------------------


def _hash_data(document: dict[str, Any], proof_config: dict[str, Any]) -> bytes:
    return hashlib.sha256(jcs(proof_config)).digest() + hashlib.sha256(jcs(document)).digest()


def sign_credential(identity: Identity, document: dict[str, Any], created: str) -> dict[str, Any]:
    """Return `document` with an `eddsa-jcs-2022` proof by `identity` (created: an XML datetime)."""
    if "proof" in document:
        raise CredentialError("the document to sign already carries a proof", ErrorCode.BAD_FIELD)
    config: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method(identity.public_key),
        "proofPurpose": "assertionMethod",
    }
    if "@context" in document:
        config["@context"] = document["@context"]
    signature = identity.sign_raw(_hash_data(document, config))
    return {**document, "proof": {**config, "proofValue": multibase(signature)}}


def verify_proof(secured: Any, public_key: bytes) -> None:
    """Raise CredentialError unless `secured` carries a valid eddsa-jcs-2022 proof by `public_key`."""
    if not isinstance(secured, dict):
        raise CredentialError("a credential is a JSON object", ErrorCode.BAD_TYPE)
    proof = secured.get("proof")
    if not isinstance(proof, dict):
        raise CredentialError("the credential has no proof (one Data Integrity proof object expected)")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise CredentialError(f"the proof is not a {PROOF_TYPE} with cryptosuite {CRYPTOSUITE}")
    if proof.get("proofPurpose") != "assertionMethod":
        raise CredentialError("the proof's purpose must be assertionMethod")
    document = {k: v for k, v in secured.items() if k != "proof"}
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    if "@context" in config and config["@context"] != document.get("@context"):
        raise CredentialError("the proof's @context differs from the credential's")
    try:
        signature = from_multibase(proof.get("proofValue", ""))
        verify_raw(public_key, _hash_data(document, config), signature)
    except SignatureError as exc:
        raise CredentialError(f"the credential was altered or not signed by its issuer ({exc.message})") from None


def verify_credential(secured: Any, today: str) -> dict[str, Any]:
    """Verify a certificate offline: VC 2.0 shape, issuer = proof key, signature, validity on `today`.

    `today` is an ISO date (YYYY-MM-DD) given by the caller. Returns the verified credential.
    """
    if not isinstance(secured, dict):
        raise CredentialError("a credential is a JSON object", ErrorCode.BAD_TYPE)
    ctx = secured.get("@context")
    if not isinstance(ctx, list) or not ctx or ctx[0] != VC_CONTEXT:
        raise CredentialError(f"the credential's @context must start with {VC_CONTEXT}")
    types = secured.get("type")
    if not isinstance(types, list) or "VerifiableCredential" not in types:
        raise CredentialError("the credential's type must include VerifiableCredential")
    if not isinstance(secured.get("credentialSubject"), dict):
        raise CredentialError("the credential has no credentialSubject")
    issuer = secured.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    proof = secured.get("proof")
    method = proof.get("verificationMethod") if isinstance(proof, dict) else None
    if not isinstance(method, str) or not isinstance(issuer_id, str) or method.partition("#")[0] != issuer_id:
        raise CredentialError("the proof's verificationMethod is not a key of the credential's issuer")
    verify_proof(secured, key_from_did(method))
    valid_from, valid_until = secured.get("validFrom"), secured.get("validUntil")
    for name, value in (("validFrom", valid_from), ("validUntil", valid_until)):
        if value is not None and not (isinstance(value, str) and len(value) >= 10):
            raise CredentialError(f"the credential's {name} is not a date-time")
    if isinstance(valid_from, str) and today < valid_from[:10]:
        raise CredentialError(f"the credential is not valid before {valid_from[:10]}")
    if isinstance(valid_until, str) and today > valid_until[:10]:
        raise CredentialError(f"the credential expired on {valid_until[:10]}")
    return secured
