"""Messages between nodes on /fed/v1/: each validates itself from its decoded map."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from protocol.errors import ErrorCode, ProtocolError
from protocol.identity import KEY_BYTES

MAX_PAGE = 5000


def _map(m: Any, keys: set[str], what: str) -> dict[str, Any]:
    if not isinstance(m, dict):
        raise ProtocolError(f"{what} must be a map", ErrorCode.MALFORMED)
    extra = set(m) - keys
    if extra:
        raise ProtocolError(f"{what}: unexpected field '{sorted(extra)[0]}'", ErrorCode.MALFORMED)
    return m


def _key(v: Any, what: str) -> bytes:
    if not isinstance(v, bytes) or len(v) != KEY_BYTES:
        raise ProtocolError(f"{what} must be a 32-byte key", ErrorCode.MALFORMED)
    return v


def _int(v: Any, what: str, lo: int, hi: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise ProtocolError(f"{what} must be an integer in [{lo}, {hi}]", ErrorCode.MALFORMED)
    return v


@dataclass(frozen=True, slots=True)
class RecordsRequest:
    author: bytes
    start: int
    limit: int

    @classmethod
    def from_wire(cls, m: Any) -> RecordsRequest:
        m = _map(m, {"author", "start", "limit"}, "records request")
        return cls(
            _key(m.get("author"), "author"),
            _int(m.get("start"), "start", 1, 1 << 62),
            _int(m.get("limit", MAX_PAGE), "limit", 1, MAX_PAGE),
        )

    def to_wire(self) -> dict[str, Any]:
        return {"author": self.author, "start": self.start, "limit": self.limit}


@dataclass(frozen=True, slots=True)
class CheckpointRequest:
    author: bytes
    since: int  # size of the last checkpoint the caller holds: the proof starts there

    @classmethod
    def from_wire(cls, m: Any) -> CheckpointRequest:
        m = _map(m, {"author", "since"}, "checkpoint request")
        return cls(_key(m.get("author"), "author"), _int(m.get("since", 0), "since", 0, 1 << 62))

    def to_wire(self) -> dict[str, Any]:
        return {"author": self.author, "since": self.since}


@dataclass(frozen=True, slots=True)
class HeadEntry:
    author: bytes
    size: int
    root: bytes

    @classmethod
    def from_wire(cls, w: Any) -> HeadEntry:
        if not (isinstance(w, list) and len(w) == 3):
            raise ProtocolError("a head is [author, size, root]", ErrorCode.MALFORMED)
        root = w[2]
        if not isinstance(root, bytes) or len(root) != 32:
            raise ProtocolError("a head's root is 32 bytes", ErrorCode.MALFORMED)
        return cls(_key(w[0], "head author"), _int(w[1], "head size", 0, 1 << 62), root)

    def to_wire(self) -> list[Any]:
        return [self.author, self.size, self.root]


@dataclass(frozen=True, slots=True)
class Info:
    key: bytes
    net: bytes
    name: str
    url: str
    size: int

    @classmethod
    def from_wire(cls, m: Any) -> Info:
        m = _map(m, {"key", "net", "name", "url", "size", "v"}, "info")
        name, url = m.get("name"), m.get("url")
        if not isinstance(name, str) or not isinstance(url, str) or len(name) > 200 or len(url) > 300:
            raise ProtocolError("info: name and url must be short texts", ErrorCode.MALFORMED)
        net = m.get("net")
        if not isinstance(net, bytes) or len(net) != 32:
            raise ProtocolError("info: net must be 32 bytes", ErrorCode.MALFORMED)
        return cls(_key(m.get("key"), "key"), net, name, url, _int(m.get("size", 0), "size", 0, 1 << 62))

    def to_wire(self) -> dict[str, Any]:
        return {"key": self.key, "net": self.net, "name": self.name, "url": self.url, "size": self.size, "v": 1}
