"""The registry of derived-state checkers by kind prefix, of disclosure checkers by scheme, and hooks.

An area plugs its audit in with one line here: add its `CHECKERS` tuple to `CHECKERS`, or its
disclosure checker to `DISCLOSURES`. `HOOKS` lists the checks still to come: when a bundle holds
records they would cover and no checker of that name is registered, the report says so (warn).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from protocol.audit import checkers_coop, checkers_core, checkers_das, checkers_fund, checkers_network, checkers_pacte
from protocol.audit.context import Checker, DisclosureCheck, Hook

CHECKERS: tuple[Checker, ...] = (
    *checkers_core.CHECKERS,
    *checkers_network.CHECKERS,
    *checkers_das.CHECKERS,
    *checkers_pacte.CHECKERS,
    *checkers_coop.CHECKERS,
    *checkers_fund.CHECKERS,
)

DISCLOSURES: Mapping[str, DisclosureCheck] = MappingProxyType({**checkers_das.DISCLOSURES})

# Every planned check is registered; a future area adds its Hook here until its checker lands.
HOOKS: tuple[Hook, ...] = ()
