"""The registry of record kinds: a record whose kind is not here is refused."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from protocol import kinds_coop, kinds_core, kinds_das, kinds_network, kinds_pacte
from protocol.errors import ErrorCode, RecordError
from protocol.schema import Schema

KINDS: Mapping[str, Schema] = MappingProxyType(
    {
        s.kind: s
        for s in (
            *kinds_core.SCHEMAS,
            *kinds_network.SCHEMAS,
            *kinds_das.SCHEMAS,
            *kinds_pacte.SCHEMAS,
            *kinds_coop.SCHEMAS,
        )
    }
)


def schema_for(kind: str) -> Schema:
    try:
        return KINDS[kind]
    except KeyError:
        raise RecordError(
            f"unknown record kind '{kind[:64]}'; known kinds: {', '.join(sorted(KINDS))}",
            ErrorCode.UNKNOWN_KIND,
        ) from None
