"""Ed25519 identities and domain-separated signatures (PyNaCl; no cryptography of our own).

Every signature covers a domain tag then the message, so a signature made for one purpose
(a record, a checkpoint, a request) can never be replayed as another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import nacl.exceptions
import nacl.signing

from protocol.errors import ErrorCode, SignatureError

KEY_BYTES = 32
SIG_BYTES = 64


class Domain(Enum):
    RECORD = b"democite/v1/record\x00"
    CHECKPOINT = b"democite/v1/checkpoint\x00"
    COSIGN = b"democite/v1/cosign\x00"
    REQUEST = b"democite/v1/request\x00"
    CREDENTIAL = b"democite/v1/credential\x00"
    DISCLOSURE = b"democite/v1/disclosure\x00"


@dataclass(frozen=True, slots=True)
class Identity:
    """A signing identity built from a 32-byte seed (the node keeps the seed in its key file)."""

    seed: bytes = field(repr=False)
    _key: nacl.signing.SigningKey = field(init=False, repr=False, compare=False)
    public_key: bytes = field(init=False)

    def __post_init__(self) -> None:
        if not isinstance(self.seed, bytes) or len(self.seed) != KEY_BYTES:
            raise SignatureError("a key seed is exactly 32 bytes", ErrorCode.BAD_FIELD)
        key = nacl.signing.SigningKey(self.seed)
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "public_key", bytes(key.verify_key))

    def sign(self, domain: Domain, message: bytes) -> bytes:
        return bytes(self._key.sign(domain.value + message).signature)

    def sign_raw(self, message: bytes) -> bytes:
        """Plain Ed25519 over `message`, for external formats (W3C Data Integrity) that fix their own input."""
        return bytes(self._key.sign(message).signature)


def verify(public_key: bytes, domain: Domain, message: bytes, signature: bytes) -> None:
    """Raise SignatureError unless `signature` is `public_key`'s signature of domain + message."""
    verify_raw(public_key, domain.value + message, signature)


def verify_raw(public_key: bytes, message: bytes, signature: bytes) -> None:
    if len(public_key) != KEY_BYTES:
        raise SignatureError("a public key is exactly 32 bytes", ErrorCode.BAD_FIELD)
    if len(signature) != SIG_BYTES:
        raise SignatureError("a signature is exactly 64 bytes")
    try:
        nacl.signing.VerifyKey(public_key).verify(message, signature)
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, ValueError) as exc:
        raise SignatureError("signature does not verify for this key and content") from exc


def parse_key(text: str) -> bytes:
    """A public key from its 64-character hex form."""
    try:
        key = bytes.fromhex(text.strip())
    except ValueError as exc:
        raise SignatureError("a public key is 64 hexadecimal characters", ErrorCode.BAD_FIELD) from exc
    if len(key) != KEY_BYTES:
        raise SignatureError("a public key is 64 hexadecimal characters", ErrorCode.BAD_FIELD)
    return key
