"""Ids and keys typed by people (hex on the command line or in the API), checked in one place."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

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


MIN_PREFIX = 8  # hex characters of a key prefix, as git asks of an abbreviated commit
SHOWN_PREFIX = 12  # hex characters shown at least when a key is printed short


def _hex(text: str) -> bool:
    return bool(text) and all(c in "0123456789abcdef" for c in text)


def _label(key: bytes, known: Mapping[bytes, str]) -> str:
    name = known.get(key, "")
    return f"{name} ({key.hex()})" if name else key.hex()


def _near(key: bytes, known: Mapping[bytes, str]) -> list[bytes]:
    """Known keys one or two hex characters away: what a mistyped key was probably meant to be."""
    text = key.hex()
    return [k for k in known if sum(a != b for a, b in zip(k.hex(), text, strict=True)) <= 2]


def resolve_territory(text: str, known: Mapping[bytes, str], unknown_key: bool = False, what: str = "territory") -> bytes:
    """A territory named by people: its full key, its name, or an unambiguous key prefix (at least
    MIN_PREFIX hex characters), among `known` (key -> name). A full key that names no known
    territory is refused unless `unknown_key` (a typo would otherwise sign for a stranger)."""
    t = text.strip()
    lower = t.lower()
    if len(lower) == 64 and _hex(lower):
        key = bytes.fromhex(lower)
        if key in known or unknown_key:
            return key
        near = _near(key, known)
        hint = f" did you mean {_label(near[0], known)}?" if len(near) == 1 else ""
        raise Invalid(
            f"no {what} with key {lower} is known here (a typo?{hint}): check it; if this node has not "
            "heard of it yet (a candidate), repeat with --unknown-key"
        )
    by_name = [k for k, n in known.items() if n and " ".join(n.split()).casefold() == " ".join(t.split()).casefold()]
    if len(by_name) == 1:
        return by_name[0]
    if len(by_name) > 1:
        raise Invalid(f"{len(by_name)} territories are named '{t[:80]}': give a key instead, one of "
                      + ", ".join(_label(k, known) for k in sorted(by_name)))
    if _hex(lower):
        if len(lower) < MIN_PREFIX:
            raise Invalid(f"'{t[:80]}' is too short: give a {what}'s name, or at least {MIN_PREFIX} hex characters of its key")
        matches = sorted(k for k in known if k.hex().startswith(lower))
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise Invalid(f"'{lower}' starts {len(matches)} keys: give more characters, one of "
                          + ", ".join(_label(k, known) for k in matches[:10]))
        raise Invalid(f"no known {what}'s key starts with '{lower}': see `democite member list` or `democite peer list`")
    raise Invalid(f"no known {what} is named '{t[:80]}': give its name as its profile shows it, or its key "
                  "(see `democite member list`)")


def distinct_prefix(key: str, keys: Iterable[str], least: int = SHOWN_PREFIX) -> str:
    """The shortest prefix of hex `key` (at least `least` characters) that no other of `keys` shares."""
    n = least
    for other in keys:
        if other != key:
            common = next((i for i, (a, b) in enumerate(zip(key, other, strict=False)) if a != b), min(len(key), len(other)))
            n = max(n, common + 1)
    return key[:n]
