"""What every DAS operation shares (`DasContext`): the node it runs on, its database, clock and
config, and the lookups that turn a pseudonym, employer name or project id into a row (or a clear
error).

Each operation checks its input and writes in one transaction (`Database.write()`), reading what
it checks inside that transaction. Error messages name the field or line at fault and never
repeat a person's pseudonym or name (the node's logs and errors carry no personal data).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from node.config import DasSection
from node.errors import Invalid, NotFound
from node.service import Clock, Node
from node.storage import das_persons, das_programme
from node.storage.das_persons import Employer, Person
from node.storage.das_programme import Project
from node.storage.das_query import Query
from node.storage.db import Database
from protocol import das as pdas
from protocol.errors import ProtocolError


def period_field(text: str) -> pdas.Period:
    try:
        return pdas.parse_period(text)
    except ProtocolError as exc:
        raise Invalid(f"field 'period': {exc.message}") from None


@dataclass(frozen=True, slots=True)
class DasContext:
    """The node a DAS operation runs on, its database, clock and config, and the lookups every operation shares."""

    node: Node
    db: Database
    cfg: DasSection
    clock: Clock

    @classmethod
    def of(cls, node: Node) -> DasContext:
        return cls(node, node.db, node.config.das, node.clock)

    def now(self) -> int:
        return self.clock()

    def today(self) -> dt.date:
        return dt.datetime.fromtimestamp(self.now() / 1000, dt.UTC).date()

    # -- lookups ---------------------------------------------------------------------------

    async def person(self, q: Query, ref: str, field: str = "person") -> Person:
        p = await das_persons.person(q, str(ref).strip())
        if p is None or p.erased_at is not None:
            raise NotFound(f"field '{field}': no person with this pseudonym or local id (add one with `das person add`)")
        return p

    async def employer(self, q: Query, ref: str, field: str = "employer") -> Employer:
        e = await das_persons.employer(q, str(ref).strip())
        if e is None:
            raise NotFound(f"field '{field}': no employer '{str(ref)[:60]}' (add it with `das employer add`)")
        return e

    async def project(self, q: Query, ref: int | str, field: str = "project") -> Project:
        try:
            pid = int(ref)
        except (TypeError, ValueError):
            raise Invalid(f"field '{field}': a project id is a number (see `das project list`)") from None
        p = await das_programme.project(q, pid)
        if p is None:
            raise NotFound(f"field '{field}': no project {pid} (see `das project list`)")
        return p
