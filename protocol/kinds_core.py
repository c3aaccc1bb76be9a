"""Schemas of the record kinds every node understands from the start."""

from __future__ import annotations

from protocol.actor import actor_field
from protocol.schema import Field, Schema

SCHEMAS = (
    Schema(
        "note",
        (Field("text", str, max_len=4096),),
        "A short public note from the territory.",
    ),
    Schema(
        "territory.profile",
        (
            Field("name", str, max_len=200),
            Field("addresses", list, items=str, max_len=8),
            Field("description", str, required=False, max_len=2000),
            Field("country", str, required=False, max_len=2),
        ),
        "The territory's public profile: its name and where its node answers.",
    ),
    Schema(
        "evidence.fork",
        (
            Field("author", bytes, max_len=32),
            Field("seq", int, min=1),
            Field("ids", list, items=bytes, max_len=2),
            actor_field(),
        ),
        "A pointer to a fork proof this node holds about another author (`actor`: who published it).",
    ),
)
