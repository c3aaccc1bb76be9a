"""Who acted, as a signed record says it: the acting account's pseudonymous id and role, never a name.

A record an account's act produces carries `"actor": {"account": "a-1f2e3d4c5b6a7980", "role":
"partner"}` (the node's owner: `{"account": "owner", "role": "owner"}`). The field is optional, so
records signed before accounts existed stay valid; when present, its shape is checked here, the
same way on every node and in the offline audit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from protocol.schema import Field, Schema

# the roles of `node.accounts.permissions.Role` (tests/protocol/test_actor.py keeps the two equal)
ROLES = frozenset({"owner", "office", "coordinator", "secretariat", "employer", "person", "partner", "resident", "evaluator"})
ACCOUNT = re.compile(r"owner|a-[0-9a-f]{16}")
UNRECORDED = "unrecorded"  # the role an audit counts for an act signed before actors were recorded


def actor_problem(value: Any) -> str | None:
    """What is wrong with an `actor` map, or None when it fits."""
    if not isinstance(value, Mapping) or set(value) != {"account", "role"}:
        return "must be a map of exactly 'account' and 'role'"
    account, role = value["account"], value["role"]
    if not isinstance(account, str) or not ACCOUNT.fullmatch(account):
        return "has an 'account' that is not 'owner' or a pseudonymous id a- and 16 hexadecimal digits"
    if role not in ROLES:
        return f"has a 'role' that is not one of: {', '.join(sorted(ROLES))}"
    if (account == "owner") != (role == "owner"):
        return "names the owner account with another role, or another account with the owner's role"
    return None


def actor_field() -> Field:
    return Field("actor", dict, required=False, check=actor_problem)


def actor_of(body: Mapping[str, Any]) -> tuple[str, str] | None:
    """(account, role) of a valid body's actor, or None for a record signed without one."""
    a = body.get("actor")
    if a is None or actor_problem(a) is not None:
        return None
    return str(a["account"]), str(a["role"])


def with_actor(schemas: tuple[Schema, ...]) -> tuple[Schema, ...]:
    """The same kinds, each taking an optional `actor`: for areas whose every record is an act."""
    return tuple(Schema(s.kind, (*s.fields, actor_field()), s.doc) for s in schemas)


Actor = Mapping[str, str]  # what `Principal.act()` gives: {"account": ..., "role": ...}


def acted(body: dict[str, Any], actor: Actor | None) -> dict[str, Any]:
    """The body with `actor` added when an account acted (an automatic record names nobody)."""
    return {**body, "actor": dict(actor)} if actor else body
