"""Record kinds of the network: membership votes and key rotation, each with an optional `actor` (`protocol.actor`)."""

from __future__ import annotations

from protocol.actor import with_actor
from protocol.schema import Field, Schema

SCHEMAS = with_actor((
    Schema(
        "member.endorse",
        (Field("candidate", bytes, max_len=32, min=32), Field("note", str, required=False, max_len=500)),
        "The author endorses a candidate territory (its public key) as a member of the network.",
    ),
    Schema(
        "member.remove",
        (Field("member", bytes, max_len=32, min=32), Field("reason", str, required=False, max_len=500)),
        "The author asks for a member's removal from the network.",
    ),
    Schema(
        "key.rotate",
        (
            Field("new", bytes, max_len=32, min=32),
            Field("next_hash", bytes, required=False, max_len=32, min=32),
        ),
        "Signed by the old key: the territory now signs with `new`; the old key signs nothing after this.",
    ),
))
