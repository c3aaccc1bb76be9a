"""Random secrets handed to people (invitation codes, session ids, API tokens, CSRF tokens) and
the digests kept of them: the database holds SHA-256 digests only, so a copy of it signs nobody in.
A digest is enough (no slow hash): each secret carries 192 bits or more of randomness."""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_PREFIX = "dct_"  # a per-account API token, told apart from the owner's api.token at a glance


def new_code() -> str:
    return secrets.token_urlsafe(24)


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_account_id() -> str:
    """The pseudonym an account's acts carry: random, so it says nothing about who holds it."""
    return "a-" + secrets.token_hex(8)


def digest(secret: str) -> bytes:
    # surrogateescape: a header's stray bytes make a wrong secret, never a UnicodeEncodeError
    return hashlib.sha256(secret.encode("utf-8", "surrogateescape")).digest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8", "surrogateescape"), b.encode("utf-8", "surrogateescape"))
