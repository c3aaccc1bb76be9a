"""JSON views of records and logs for people and the admin API (bytes shown as hex)."""

from __future__ import annotations

from typing import Any

from node.state import StoredRecord
from protocol.encoding import to_json
from protocol.errors import ProtocolError
from protocol.record import open_record

__all__ = ["record_json", "to_json"]  # to_json lives in protocol.encoding, the one bytes-as-hex helper


def record_json(rec: StoredRecord, verify: bool = True) -> dict[str, Any]:
    """A stored record as JSON; `verified` re-checks its signature on the stored bytes."""
    verified = False
    if verify:
        try:
            open_record(rec.raw, rec.sig, rec.author)
            verified = True
        except ProtocolError:
            verified = False
    if rec.undecodable is not None:
        # stored before a decoder rule existed (or damaged on disk): shown, flagged, never fatal
        return {"id": rec.id.hex(), "author": rec.author.hex(), "seq": rec.seq, "ts": rec.ts, "kind": rec.kind,
                "body": None, "undecodable": rec.undecodable, "raw": rec.raw.hex(), "verified": verified}
    return {
        "id": rec.id.hex(),
        "author": rec.author.hex(),
        "seq": rec.seq,
        "ts": rec.ts,
        "kind": rec.kind,
        "body": to_json(rec.body),
        "verified": verified,
    }
