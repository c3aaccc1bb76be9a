"""Network identity: the id every record carries in `net`, the hash of the network's genesis."""

from __future__ import annotations

import hashlib
from typing import Any

from protocol import encoding

OPEN_NETWORK_GENESIS: dict[str, Any] = {"admission": "open", "name": "democite-open", "v": 1}


def network_id(genesis: dict[str, Any]) -> bytes:
    return hashlib.sha256(b"democite/v1/network\x00" + encoding.encode(genesis)).digest()


OPEN_NETWORK_ID = network_id(OPEN_NETWORK_GENESIS)
