"""Network identity: the genesis (name, founders, admission rule) and its hash, the network id.

Every record carries the network id in `net`, so a record signed for one network is refused by
another. The open network (no genesis file) admits everyone; a "majority" network admits a
candidate once more than half of its current members endorsed it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from protocol import encoding
from protocol.errors import ErrorCode, ProtocolError
from protocol.identity import KEY_BYTES

OPEN_NETWORK_GENESIS: dict[str, Any] = {"admission": "open", "name": "democite-open", "v": 1}
MAX_FOUNDERS = 256


class Admission(StrEnum):
    OPEN = "open"
    MAJORITY = "majority"


def network_id(genesis: dict[str, Any]) -> bytes:
    return hashlib.sha256(b"democite/v1/network\x00" + encoding.encode(genesis)).digest()


OPEN_NETWORK_ID = network_id(OPEN_NETWORK_GENESIS)


@dataclass(frozen=True, slots=True)
class Founder:
    key: bytes
    name: str
    url: str

    def __post_init__(self) -> None:
        if not isinstance(self.key, bytes) or len(self.key) != KEY_BYTES:
            raise ProtocolError("a founder's key is 32 bytes (64 hex characters)", ErrorCode.BAD_FIELD)
        if not isinstance(self.name, str) or not 0 < len(self.name) <= 200:
            raise ProtocolError("a founder's name is 1 to 200 characters", ErrorCode.BAD_FIELD)
        if not isinstance(self.url, str) or len(self.url) > 300 or (self.url and not self.url.startswith(("http://", "https://"))):
            raise ProtocolError(f"founder {self.name}: url must start with http:// or https://", ErrorCode.BAD_FIELD)


@dataclass(frozen=True, slots=True)
class Genesis:
    name: str
    admission: Admission
    founders: tuple[Founder, ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not 0 < len(self.name) <= 100:
            raise ProtocolError("a network's name is 1 to 100 characters", ErrorCode.BAD_FIELD)
        if self.admission is Admission.MAJORITY and not self.founders:
            raise ProtocolError("a majority network needs at least one founder", ErrorCode.BAD_FIELD)
        if len(self.founders) > MAX_FOUNDERS:
            raise ProtocolError(f"at most {MAX_FOUNDERS} founders", ErrorCode.BAD_FIELD)
        keys = [f.key for f in self.founders]
        if len(set(keys)) != len(keys):
            raise ProtocolError("a founder is listed twice", ErrorCode.BAD_FIELD)
        if len(self.description) > 2000:
            raise ProtocolError("a network's description is at most 2000 characters", ErrorCode.BAD_FIELD)

    @property
    def open(self) -> bool:
        return self.admission is Admission.OPEN

    def to_map(self) -> dict[str, Any]:
        if self.open and not self.founders and not self.description and self.name == OPEN_NETWORK_GENESIS["name"]:
            return dict(OPEN_NETWORK_GENESIS)
        return {
            "v": 1,
            "name": self.name,
            "admission": str(self.admission),
            "description": self.description,
            # founders sorted by key: the same network has one id whatever the file's order
            "founders": [{"key": f.key, "name": f.name, "url": f.url} for f in sorted(self.founders, key=lambda f: f.key)],
        }

    @property
    def id(self) -> bytes:
        return network_id(self.to_map())


OPEN_GENESIS = Genesis(OPEN_NETWORK_GENESIS["name"], Admission.OPEN)


def genesis_from_mapping(m: Any) -> Genesis:
    """A genesis from a network file's tables: [network] name, admission, description; [[founders]]."""
    if not isinstance(m, dict):
        raise ProtocolError("a network file is a TOML document", ErrorCode.MALFORMED)
    extra = sorted(set(m) - {"network", "founders"})
    if extra:
        raise ProtocolError(f"unknown table [{extra[0]}] in the network file; known: [network], [[founders]]", ErrorCode.BAD_FIELD)
    net = m.get("network")
    if not isinstance(net, dict):
        raise ProtocolError("the network file needs a [network] table with name and admission", ErrorCode.BAD_FIELD)
    unknown = sorted(set(net) - {"name", "admission", "description"})
    if unknown:
        raise ProtocolError(f"unknown option network.{unknown[0]}; known: admission, description, name", ErrorCode.BAD_FIELD)
    try:
        admission = Admission(net.get("admission", "majority"))
    except ValueError:
        raise ProtocolError("network.admission is 'majority' or 'open'", ErrorCode.BAD_FIELD) from None
    founders = []
    raw_founders = m.get("founders", [])
    if not isinstance(raw_founders, list):
        raise ProtocolError("founders are [[founders]] tables with key, name and url", ErrorCode.BAD_FIELD)
    for f in raw_founders:
        if not isinstance(f, dict) or set(f) - {"key", "name", "url"}:
            raise ProtocolError("each [[founders]] table has key, name and url", ErrorCode.BAD_FIELD)
        try:
            key = bytes.fromhex(str(f.get("key", "")))
        except ValueError:
            raise ProtocolError(f"founder {f.get('name', '?')}: key is 64 hex characters", ErrorCode.BAD_FIELD) from None
        founders.append(Founder(key, str(f.get("name", "")), str(f.get("url", ""))))
    return Genesis(str(net.get("name", "")), admission, tuple(founders), str(net.get("description", "")))
