"""Territories named by people: the resolver and the prefixes shown for keys."""

from __future__ import annotations

import pytest

from node.errors import Invalid
from node.ids import distinct_prefix, resolve_territory

A, B, C = bytes.fromhex("ab" * 32), bytes.fromhex("ab" * 31 + "ac"), bytes.fromhex("cd" * 32)
KNOWN = {A: "Commune A", B: "Quartier B", C: ""}


def test_full_key_name_and_prefix() -> None:
    assert resolve_territory(A.hex(), KNOWN) == A
    assert resolve_territory("  ABAB" + "ab" * 30 + "  ", KNOWN) == A
    assert resolve_territory("quartier   b", KNOWN) == B
    assert resolve_territory("cdcdcdcd", KNOWN) == C


def test_ambiguous_short_unknown_refused() -> None:
    with pytest.raises(Invalid, match="starts 2 keys.*Commune A.*Quartier B"):
        resolve_territory("abababab", KNOWN)
    with pytest.raises(Invalid, match="at least 8 hex"):
        resolve_territory("cdcd", KNOWN)
    near = "cd" * 31 + "ce"
    with pytest.raises(Invalid, match=f"did you mean {C.hex()}.*--unknown-key"):
        resolve_territory(near, KNOWN)
    assert resolve_territory(near, KNOWN, unknown_key=True).hex() == near
    with pytest.raises(Invalid, match="named 'Ville'"):
        resolve_territory("Ville", KNOWN)
    with pytest.raises(Invalid, match="2 territories are named"):
        resolve_territory("x", {A: "X", B: "x"})


def test_distinct_prefix_tells_keys_apart() -> None:
    keys = [k.hex() for k in KNOWN]
    assert distinct_prefix(C.hex(), keys) == C.hex()[:12]
    assert distinct_prefix(A.hex(), keys) == A.hex()  # differs from B only in the last character
    assert len(distinct_prefix(A.hex(), [A.hex(), C.hex()])) == 12
