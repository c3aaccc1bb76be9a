"""Range-based set reconciliation (in the spirit of negentropy), as a pure state machine.

Each side holds a set of items `(key, value)` with 32-byte keys (for log heads: key = author,
value = the head's size and root). Keys are public keys or hashes, so they spread evenly over
the key space: ranges are split into `branch` equal parts of that space, and only a range's
upper bound travels (as a short byte string: the bound's big-endian bytes without trailing zeros).
A message is a list of consecutive ranges `[upper, mode, payload]` (or a bare `upper` for a
settled range), each starting where the previous one ended:

- SPLIT: the sender's fingerprints of the equal parts of the range. For each part that differs
  the receiver splits again, or, when it holds at most `leaf` items there, sends their ids (IDS).
- IDS: the receiver answers REPLY with its own full items the sender lacks, and the ids of the
  sender's items it lacks; the sender then sends those full items (ITEMS), which need no answer.

An identical set settles in one tiny exchange; d differences among n items cost about
d * branch * log_branch(n) fingerprints. Settled ranges are elided at the end of a message and
merged in the middle (SKIP), so an empty message means "done".
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from protocol import encoding
from protocol.errors import ErrorCode, ProtocolError

KEY_BYTES = 32
FP_BYTES = 8
ID_BYTES = 6
MAX_VALUE = 256
MAX_BRANCH = 16
MAX_RANGES = 4096
MAX_ITEMS = 20_000
MAX_MESSAGE = 4 * 1024 * 1024
END = 1 << (8 * KEY_BYTES)
_MOD = 1 << 256
_BOUND_BYTES = KEY_BYTES + 1


class Mode(IntEnum):
    SKIP = 0
    SPLIT = 1
    IDS = 2
    REPLY = 3
    ITEMS = 4


@dataclass(frozen=True, slots=True)
class Item:
    key: bytes
    value: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.key, bytes) or len(self.key) != KEY_BYTES:
            raise ProtocolError(f"an item key is {KEY_BYTES} bytes", ErrorCode.MALFORMED)
        if not isinstance(self.value, bytes) or len(self.value) > MAX_VALUE:
            raise ProtocolError(f"an item value is at most {MAX_VALUE} bytes", ErrorCode.MALFORMED)

    @property
    def digest(self) -> bytes:
        return hashlib.sha256(len(self.key).to_bytes(1, "big") + self.key + self.value).digest()

    @property
    def id(self) -> bytes:
        return self.digest[:ID_BYTES]


def encode_bound(b: int) -> bytes:
    return b.to_bytes(_BOUND_BYTES, "big").rstrip(b"\x00")


def decode_bound(raw: Any) -> int:
    if not isinstance(raw, bytes) or not 0 < len(raw) <= _BOUND_BYTES:
        raise ProtocolError("a range bound is 1 to 33 bytes", ErrorCode.MALFORMED)
    b = int.from_bytes(raw.ljust(_BOUND_BYTES, b"\x00"), "big")
    if b > END:
        raise ProtocolError("a range bound is past the end of the key space", ErrorCode.MALFORMED)
    return b


def parts(lo: int, hi: int, n: int) -> list[int]:
    """Upper bounds of the n equal parts of [lo, hi)."""
    return [lo + (hi - lo) * i // n for i in range(1, n + 1)]


@dataclass(slots=True)
class Reconciler:
    """One side of a reconciliation. `have`: our items the peer lacks; `need`: its items we lack."""

    items: Sequence[Item]
    branch: int = 4
    leaf: int = 8
    have: dict[bytes, Item] = field(default_factory=dict)
    need: dict[bytes, Item] = field(default_factory=dict)
    _keys: list[int] = field(default_factory=list)
    _sums: list[int] = field(default_factory=list)
    _by_id: dict[bytes, Item] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 2 <= self.branch <= MAX_BRANCH or self.leaf < 1:
            raise ProtocolError(f"branch is 2 to {MAX_BRANCH} and leaf at least 1", ErrorCode.MALFORMED)
        self.items = sorted(self.items, key=lambda it: it.key)
        self._keys = [int.from_bytes(it.key, "big") for it in self.items]
        for a, b in zip(self._keys, self._keys[1:], strict=False):
            if a == b:
                raise ProtocolError("two items share a key", ErrorCode.MALFORMED)
        total = 0
        self._sums = [0]
        for it in self.items:
            total = (total + int.from_bytes(it.digest, "big")) % _MOD
            self._sums.append(total)
        self._by_id = {it.id: it for it in self.items}

    def _index(self, bound: int) -> int:
        return bisect.bisect_left(self._keys, bound)

    def _fingerprint(self, lo: int, hi: int) -> bytes:
        """Fingerprint of our items with index in [lo, hi)."""
        s = (self._sums[hi] - self._sums[lo]) % _MOD
        return hashlib.sha256(s.to_bytes(32, "big") + (hi - lo).to_bytes(8, "big")).digest()[:FP_BYTES]

    def _fp_range(self, lo: int, hi: int) -> bytes:
        return self._fingerprint(self._index(lo), self._index(hi))

    def _differs(self, lo: int, hi: int, out: _Out) -> None:
        """Our answer for a key range [lo, hi) whose fingerprints differ."""
        i, j = self._index(lo), self._index(hi)
        if j - i <= self.leaf or hi - lo < self.branch:
            out.add(hi, Mode.IDS, [it.id for it in self.items[i:j]])
            return
        bounds = parts(lo, hi, self.branch)
        fps, prev = [], lo
        for b in bounds:
            fps.append(self._fp_range(prev, b))
            prev = b
        out.add(hi, Mode.SPLIT, b"".join(fps))

    # -- the two entry points --------------------------------------------------------------

    def initiate(self) -> bytes:
        out = _Out()
        out.add(END, Mode.SPLIT, self._fp_range(0, END))
        return out.encode()

    def receive(self, message: bytes) -> bytes:
        """Process a peer message and return our answer; an empty answer (`done`) means settled."""
        out = _Out()
        lower = 0
        for upper, mode, payload in _decode(message):
            if upper <= lower:
                raise ProtocolError("reconciliation bounds must increase", ErrorCode.MALFORMED)
            if mode is Mode.SKIP:
                out.skip(upper)
            elif mode is Mode.SPLIT:
                self._on_split(lower, upper, payload, out)
            elif mode is Mode.IDS:
                self._on_ids(lower, upper, payload, out)
            elif mode is Mode.REPLY:
                self._on_reply(lower, upper, payload, out)
            else:  # ITEMS: the full items behind ids we said we lacked
                for it in payload:
                    self.need[it.key] = it
                out.skip(upper)
            lower = upper
            if upper == END:
                break
        return out.encode()

    def _on_split(self, lower: int, upper: int, fingerprints: bytes, out: _Out) -> None:
        """Their fingerprints of the equal parts of [lower, upper): settle the parts that match."""
        n = len(fingerprints) // FP_BYTES
        if n > 1 and upper - lower < n:
            raise ProtocolError("a range too narrow to split", ErrorCode.MALFORMED)
        prev = lower
        for k, b in enumerate(parts(lower, upper, n)):
            if fingerprints[k * FP_BYTES : (k + 1) * FP_BYTES] == self._fp_range(prev, b):
                out.skip(b)
            else:
                self._differs(prev, b, out)
            prev = b

    def _on_ids(self, lower: int, upper: int, ids: list[bytes], out: _Out) -> None:
        """Their ids in [lower, upper): reply with our items they lack and the ids of theirs we lack."""
        i, j = self._index(lower), self._index(upper)
        theirs = set(ids)
        mine = self.items[i:j]
        extra = [it for it in mine if it.id not in theirs]
        known = {it.id for it in mine}
        missing = sorted(x for x in theirs if x not in known)
        for it in extra:
            self.have[it.key] = it
        out.add(upper, Mode.REPLY, [[[it.key, it.value] for it in extra], missing])

    def _on_reply(self, lower: int, upper: int, payload: tuple[list[Item], list[bytes]], out: _Out) -> None:
        """Their items we lacked, and the ids of ours they want: sent only if we announced them in this range."""
        items, wanted = payload
        for it in items:
            self.need[it.key] = it
        send = []
        for x in wanted:
            mine_it = self._by_id.get(x)
            if mine_it is None or not lower <= int.from_bytes(mine_it.key, "big") < upper:
                raise ProtocolError("peer asked for an item we never announced", ErrorCode.MALFORMED)
            self.have[mine_it.key] = mine_it
            send.append([mine_it.key, mine_it.value])
        if send:
            out.add(upper, Mode.ITEMS, send)
        else:
            out.skip(upper)


def done(message: bytes) -> bool:
    return message == EMPTY


EMPTY = encoding.encode([])


@dataclass(slots=True)
class _Out:
    ranges: list[Any] = field(default_factory=list)
    pending_skip: int = 0  # 0: no skip pending; else the skipped range's upper bound

    def skip(self, upper: int) -> None:
        self.pending_skip = upper

    def add(self, upper: int, mode: Mode, payload: Any) -> None:
        if self.pending_skip:
            self.ranges.append(encode_bound(self.pending_skip))  # a bare bound: nothing to do up to it
            self.pending_skip = 0
        self.ranges.append([encode_bound(upper), int(mode), payload])

    def encode(self) -> bytes:
        # a pending skip at the end is elided: the peer treats the rest of the key space as settled
        return encoding.encode(self.ranges)


def _decode(message: bytes) -> Iterable[tuple[int, Mode, Any]]:
    if len(message) > MAX_MESSAGE:
        raise ProtocolError("reconciliation message too large", ErrorCode.TOO_LARGE)
    ranges = encoding.decode(message, MAX_MESSAGE)
    if not isinstance(ranges, list) or len(ranges) > MAX_RANGES:
        raise ProtocolError(f"a reconciliation message is a list of at most {MAX_RANGES} ranges", ErrorCode.MALFORMED)
    budget = MAX_ITEMS
    for r in ranges:
        if isinstance(r, bytes):
            yield decode_bound(r), Mode.SKIP, None
            continue
        if not (isinstance(r, list) and len(r) == 3):
            raise ProtocolError("a range is a bound or [bound, mode, payload]", ErrorCode.MALFORMED)
        upper, mode, payload = decode_bound(r[0]), r[1], r[2]
        if mode == Mode.SKIP:
            raise ProtocolError("a skipped range is a bare bound", ErrorCode.MALFORMED)
        try:
            m = Mode(mode)
        except ValueError:
            raise ProtocolError(f"unknown reconciliation mode {mode!r}", ErrorCode.MALFORMED) from None
        if m is Mode.SPLIT:
            if not isinstance(payload, bytes) or len(payload) % FP_BYTES or not 0 < len(payload) <= MAX_BRANCH * FP_BYTES:
                raise ProtocolError(f"a split carries 1 to {MAX_BRANCH} fingerprints of {FP_BYTES} bytes", ErrorCode.MALFORMED)
            yield upper, m, payload
        elif m is Mode.IDS:
            budget -= len(_ids(payload))
            yield upper, m, payload
        elif m is Mode.REPLY:
            if not (isinstance(payload, list) and len(payload) == 2):
                raise ProtocolError("a reply is [items, wanted ids]", ErrorCode.MALFORMED)
            items, wanted = _items(payload[0]), _ids(payload[1])
            budget -= len(items) + len(wanted)
            yield upper, m, (items, wanted)
        else:
            items = _items(payload)
            budget -= len(items)
            yield upper, m, items
        if budget < 0:
            raise ProtocolError("reconciliation message carries too many items", ErrorCode.TOO_LARGE)


def _ids(v: Any) -> list[bytes]:
    if not isinstance(v, list) or not all(isinstance(i, bytes) and len(i) == ID_BYTES for i in v):
        raise ProtocolError(f"an id list holds {ID_BYTES}-byte ids", ErrorCode.MALFORMED)
    return v


def _items(v: Any) -> list[Item]:
    if not isinstance(v, list):
        raise ProtocolError("an item list is a list of [key, value]", ErrorCode.MALFORMED)
    out = []
    for w in v:
        if not (isinstance(w, list) and len(w) == 2):
            raise ProtocolError("an item is [key, value]", ErrorCode.MALFORMED)
        out.append(Item(w[0], w[1]))
    return out


@dataclass(frozen=True, slots=True)
class Exchange:
    """What a whole reconciliation cost: messages both ways and their bytes."""

    round_trips: int
    bytes: int


def run_local(initiator: Reconciler, responder: Reconciler, max_round_trips: int = 64) -> Exchange:
    """Drive both sides in memory (tests, benchmarks, simulations): the same code as over HTTP."""
    msg = initiator.initiate()
    total, trips = 0, 0
    while trips < max_round_trips:
        trips += 1
        answer = responder.receive(msg)
        total += len(msg) + len(answer)
        if done(answer):
            break
        msg = initiator.receive(answer)
        if done(msg):
            break
    else:
        raise ProtocolError("reconciliation did not settle", ErrorCode.MALFORMED)
    return Exchange(trips, total)


HEAD_ROOT_PREFIX = 12


def head_item(author: bytes, size: int, root: bytes) -> Item:
    """A log head as an item: a prefix of the root is enough to see that two heads differ."""
    return Item(author, encoding.encode([size, root[:HEAD_ROOT_PREFIX]]))


def head_of(item: Item) -> tuple[bytes, int, bytes]:
    """(author, size, root prefix) of a head item received from a peer."""
    v = encoding.decode(item.value, MAX_VALUE)
    if not (isinstance(v, list) and len(v) == 2 and isinstance(v[0], int) and not isinstance(v[0], bool)):
        raise ProtocolError("a head item's value is [size, root prefix]", ErrorCode.MALFORMED)
    size, prefix = v
    if not 0 <= size < 1 << 62 or not isinstance(prefix, bytes) or len(prefix) != HEAD_ROOT_PREFIX:
        raise ProtocolError("a head item's value is [size, root prefix]", ErrorCode.MALFORMED)
    return item.key, size, prefix
