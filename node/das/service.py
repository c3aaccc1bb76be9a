"""Societal Activity Rights on one node: the operations the admin API exposes, as one service.

`DasService` composes the area's operations, each group in its own module on the shared
`DasBase` (node, clock, config, lookups): persons and contracts (`persons`), the programme and its
entries (`programme`), statements and the ledger (`statements`), summaries and disclosures
(`summaries`). Other areas (audit exports, twinning) and the routes use this one class.
"""

from __future__ import annotations

from node.das.persons import PersonsContracts
from node.das.programme import ProgrammeEntries
from node.das.statements import StatementsLedger
from node.das.summaries import SummariesDisclosures


class DasService(PersonsContracts, ProgrammeEntries, StatementsLedger, SummariesDisclosures):
    """Every DAS operation of one node: `DasService(node)`."""
