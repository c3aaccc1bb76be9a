"""Who the members are when the audit recomputes the fund: the one place that decides it.

For now every territory whose `territory.profile` is in the bundle (the open network, as the
node's `federation.coop_members.current_members`). When the network area's membership is merged,
this function is rewired to the membership recorded in the bundle, and nothing else changes.
"""

from __future__ import annotations

from protocol.audit.context import AuditContext


def members_of(ctx: AuditContext) -> frozenset[bytes]:
    return frozenset(r.author for r in ctx.all_records() if r.record.kind == "territory.profile")
