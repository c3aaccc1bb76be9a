"""The registry of derived-state checkers by kind prefix, of disclosure checkers by scheme, and hooks.

An area plugs its audit in with one line here: add its `CHECKERS` tuple to `CHECKERS`, or its
disclosure checker to `DISCLOSURES`. `HOOKS` lists the checks still to come: when a bundle holds
records they would cover and no checker of that name is registered, the report says so (warn).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from protocol import audit_das
from protocol.audit import checkers_core
from protocol.audit.context import Checker, DisclosureCheck, Hook

CHECKERS: tuple[Checker, ...] = (
    *checkers_core.CHECKERS,
    *audit_das.CHECKERS,
)

DISCLOSURES: Mapping[str, DisclosureCheck] = MappingProxyType({**audit_das.DISCLOSURES})

HOOKS: tuple[Hook, ...] = (
    Hook("member.", "membership", "the author of each record was a member of the network at the record's time"),
    Hook("key.", "retired_keys", "no record is signed by a key its territory had retired at that time"),
    Hook("pacte.", "pacte", "each pact's state recomputed from its records (task forces, commitments, evaluations)"),
    Hook("twin.", "twinning", "each twinning recomputed: active only with both signatures, hours and reports add up"),
    Hook("fund.", "fund", "the fund's balances recomputed from pledges and certified grants (> 2/3 approvals)"),
    Hook("das.", "das", "DAS summaries: small cells suppressed, disclosures match the committed Merkle root"),
)
