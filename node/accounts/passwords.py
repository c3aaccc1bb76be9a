"""Passwords: NIST SP 800-63B rules (a length, no composition rules) and Argon2id through PyNaCl.

Hashing takes about a tenth of a second and 64 MiB on purpose; callers run it in a worker thread
(libsodium releases the GIL), so the event loop keeps serving meanwhile.
"""

from __future__ import annotations

import unicodedata

import nacl.exceptions
import nacl.pwhash

from node.errors import Invalid

MIN_LENGTH = 12
MAX_LENGTH = 256  # a passphrase, not a file: bounds the work one sign-in attempt costs
_OPS = nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE
_MEM = nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE


def normalized(password: str) -> bytes:
    """NFKC (SP 800-63B 5.1.1.2), so the same passphrase typed on two keyboards is the same."""
    return unicodedata.normalize("NFKC", password).encode("utf-8", "surrogateescape")


TOO_SHORT = "The password needs at least 12 characters: a few words you will remember make a good one."
TOO_LONG = "The password has more than 256 characters: choose a shorter one."
DIFFERENT = "The two passwords differ: type the same one twice."
MESSAGES = (TOO_SHORT, TOO_LONG, DIFFERENT)


def check_new(password: str, confirm: str | None = None) -> None:
    """A new password's problem, as the error a person reads (fixed text: pages translate it)."""
    length = len(unicodedata.normalize("NFKC", password))
    if length < MIN_LENGTH:
        raise Invalid(TOO_SHORT)
    if length > MAX_LENGTH:
        raise Invalid(TOO_LONG)
    if confirm is not None and confirm != password:
        raise Invalid(DIFFERENT)


def hash_password(password: str) -> bytes:
    return bytes(nacl.pwhash.argon2id.str(normalized(password), opslimit=_OPS, memlimit=_MEM))


def verify(stored: bytes, password: str) -> bool:
    if len(password) > MAX_LENGTH * 4:
        return False
    try:
        return bool(nacl.pwhash.verify(stored, normalized(password)))
    except nacl.exceptions.InvalidkeyError:
        return False
    except (nacl.exceptions.CryptoError, ValueError):  # a stored hash we do not recognise: no entry
        return False


# Checked against when the username is unknown, so a wrong name costs what a wrong password
# costs: the time of an answer tells nothing about which accounts exist.
DUMMY_HASH = b"$argon2id$v=19$m=65536,t=2,p=1$mQjlhnzHRp1pMoECaYEcaw$ibzle/04yqqsH5LCvJrF/MOT/EZ6Vb+eFM8D4Fj3Vng"  # hash_password("not-a-password-of-anyone")
