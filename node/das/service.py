"""Societal Activity Rights on one node: the operations the admin API exposes, as one service.

`DasService` owns one service per group of operations, all sharing one `DasContext` (node,
database, clock, config, lookups): `persons` (employers, persons, contracts), `consent`
(acceptances, profile agreements and flexibility moves, each by its own party), `programme`
(projects and entries), `statements` (statements and the ledger) and `summaries` (summaries and
disclosures), `leave` (DAS leave requests and decisions). The routes and other areas (audit exports, twinning, the demo) go through it;
operations that act for someone take the acting `Principal` (the owner's: `Principal.owner()`).
"""

from __future__ import annotations

from node.das.base import DasContext
from node.das.consent import ConsentService
from node.das.leave import LeaveService
from node.das.persons import PersonsService
from node.das.programme import ProgrammeService
from node.das.statements import StatementsService
from node.das.summaries import SummariesService
from node.service import Node


class DasService:
    """Every DAS operation of one node: `DasService(node).persons.add_person(...)`."""

    def __init__(self, node: Node) -> None:
        self.ctx = DasContext.of(node)
        self.persons = PersonsService(self.ctx)
        self.consent = ConsentService(self.ctx)
        self.programme = ProgrammeService(self.ctx)
        self.statements = StatementsService(self.ctx)
        self.summaries = SummariesService(self.ctx)
        self.leave = LeaveService(self.ctx)
        # the operations other areas call by name (federation's demo and twinning, audit exports, bench)
        self.add_employer = self.persons.add_employer
        self.add_person = self.persons.add_person
        self.add_contract = self.persons.add_contract
        self.add_project = self.programme.add_project
        self.project_transition = self.programme.project_transition
        self.add_entry = self.programme.add_entry
        self.review_entry = self.programme.review_entry
        self.issue_all = self.statements.issue_all
        self.publish_summary = self.summaries.publish_summary
        self.project_aggregate = self.summaries.project_aggregate
        self.audit_disclosures = self.summaries.audit_disclosures
