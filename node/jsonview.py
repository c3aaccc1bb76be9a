"""JSON views of records and logs for people and the admin API (bytes shown as hex)."""

from __future__ import annotations

from typing import Any

from node.storage.logs import StoredRecord
from protocol import encoding
from protocol.errors import ProtocolError
from protocol.record import open_record


def to_json(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    return value


def record_json(rec: StoredRecord, verify: bool = True) -> dict[str, Any]:
    """A stored record as JSON; `verified` re-checks its signature on the stored bytes."""
    verified = False
    if verify:
        try:
            open_record(rec.raw, rec.sig, rec.author)
            verified = True
        except ProtocolError:
            verified = False
    body = encoding.decode(rec.raw)["body"]
    return {
        "id": rec.id.hex(),
        "author": rec.author.hex(),
        "seq": rec.seq,
        "ts": rec.ts,
        "kind": rec.kind,
        "body": to_json(body),
        "verified": verified,
    }
