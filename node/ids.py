"""Ids and keys typed by people (hex on the command line or in the API), checked in one place."""

from __future__ import annotations

from node.errors import Invalid


def _hex32(text: str) -> bytes:
    try:
        raw = bytes.fromhex(text.strip())
    except ValueError:
        raw = b""
    return raw if len(raw) == 32 else b""


def parse_id(text: str, what: str = "record") -> bytes:
    """A 32-byte record id from its 64 hex characters, or Invalid naming the fix."""
    raw = _hex32(text)
    if not raw:
        raise Invalid(f"'{text[:80]}' is not a {what} id: give the 64 hexadecimal characters printed when it was created")
    return raw


def parse_key(text: str) -> bytes:
    """A territory's public key from its 64 hex characters, or Invalid naming the fix."""
    raw = _hex32(text)
    if not raw:
        raise Invalid(f"'{text[:80]}' is not a territory key: give the 64 hexadecimal characters of its public key (see `democite status`)")
    return raw
