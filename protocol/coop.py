"""What the cooperation folds read: a record reduced to who said what, independent of storage.

Folds take a collection of entries and the member set as arguments and return the same answer
whatever order the entries arrived in (they are sorted canonically first).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from protocol.errors import ErrorCode, RecordError

KEY_BYTES = 32


@dataclass(frozen=True, slots=True)
class Entry:
    id: bytes
    author: bytes
    seq: int
    ts: int
    kind: str
    body: Mapping[str, Any]

    def __post_init__(self) -> None:
        if not isinstance(self.id, bytes) or len(self.id) != 32:
            raise RecordError("an entry id is 32 bytes", ErrorCode.BAD_TYPE)
        if not isinstance(self.author, bytes) or len(self.author) != KEY_BYTES:
            raise RecordError("an entry author is a 32-byte key", ErrorCode.BAD_TYPE)

    def ref(self, name: str) -> bytes:
        value = self.body.get(name)
        return value if isinstance(value, bytes) else b""


def canonical(entries: Iterable[Entry]) -> list[Entry]:
    """Deduplicated by id and sorted by (author, seq, id): the same list from the same set."""
    unique = {e.id: e for e in entries}
    return sorted(unique.values(), key=lambda e: (e.author, e.seq, e.id))


def by_id(entries: Iterable[Entry]) -> dict[bytes, Entry]:
    return {e.id: e for e in entries}


def parse_amount(text: str) -> int:
    """'12', '12.5' or '12,50' in currency units to integer cents, without floats."""
    t = text.strip().replace(",", ".")
    whole, _, frac = t.partition(".")
    if not whole.isdigit() or (frac and (not frac.isdigit() or len(frac) > 2)):
        raise RecordError(f"'{text[:32]}' is not an amount: write units with at most 2 decimals, e.g. 1250 or 12.50")
    cents = int(whole) * 100 + int((frac + "00")[:2])
    if cents <= 0:
        raise RecordError("an amount must be more than zero")
    return cents


def format_cents(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def parse_hours(text: str) -> int:
    """'12' or '1.5' hours to integer minutes, without floats."""
    t = text.strip().replace(",", ".")
    whole, _, frac = t.partition(".")
    if not whole.isdigit() or (frac and not frac.isdigit()):
        raise RecordError(f"'{text[:32]}' is not a number of hours, e.g. 12 or 1.5")
    frac = (frac + "00")[:2]
    return int(whole) * 60 + (int(frac) * 60) // 100


def as_territories(
    entries: Iterable[Entry], current: Callable[[bytes], bytes], lineage_seq: Callable[[bytes, int], int]
) -> list[Entry]:
    """Entries seen as territories rather than keys: after a key rotation, the author and every key
    a body names map to the territory's current key, and seqs continue across its keys, so a
    rotation changes nobody's role in a fund, a twinning or a review. (`current` leaves any value
    that is not a retired key, record ids included, as it is.)"""

    def key(v: Any) -> Any:
        return current(v) if isinstance(v, bytes) and len(v) == KEY_BYTES else v

    def body(b: Mapping[str, Any]) -> dict[str, Any]:
        return {k: [key(x) for x in v] if isinstance(v, list) else key(v) for k, v in b.items()}

    return [Entry(e.id, current(e.author), lineage_seq(e.author, e.seq), e.ts, e.kind, body(e.body)) for e in entries]
