"""What every DAS operation shares: the node it runs on, its clock and config, and the lookups
that turn a pseudonym, employer name or project id into a row (or a clear error).

Each operation checks its input and writes in one transaction (`Database.write()`), reading what
it checks inside that transaction. Error messages name the field or line at fault and never
repeat a person's pseudonym or name (the node's logs and errors carry no personal data).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from node.errors import Invalid, NotFound
from node.service import Node
from node.storage import das_persons, das_programme
from protocol import das as pdas
from protocol.errors import ProtocolError


def period_field(text: str) -> pdas.Period:
    try:
        return pdas.parse_period(text)
    except ProtocolError as exc:
        raise Invalid(f"field 'period': {exc.message}") from None


@dataclass
class DasBase:
    """The node a DAS operation runs on, its clock and config, and the lookups every operation shares."""

    node: Node

    @property
    def db(self) -> Any:
        return self.node.db

    @property
    def cfg(self) -> Any:
        return self.node.config.das

    def now(self) -> int:
        return self.node.clock()

    def today(self) -> dt.date:
        return dt.datetime.fromtimestamp(self.now() / 1000, dt.UTC).date()

    # -- lookups ---------------------------------------------------------------------------

    async def _person(self, q: Any, ref: str, field: str = "person") -> dict[str, Any]:
        p = await das_persons.person(q, str(ref).strip())
        if p is None or p["erased_at"] is not None:
            raise NotFound(f"field '{field}': no person with this pseudonym or local id (add one with `das person add`)")
        return p

    async def _employer(self, q: Any, ref: str, field: str = "employer") -> dict[str, Any]:
        e = await das_persons.employer(q, str(ref).strip())
        if e is None:
            raise NotFound(f"field '{field}': no employer '{str(ref)[:60]}' (add it with `das employer add`)")
        return e

    async def _project(self, q: Any, ref: Any, field: str = "project") -> dict[str, Any]:
        try:
            pid = int(ref)
        except (TypeError, ValueError):
            raise Invalid(f"field '{field}': a project id is a number (see `das project list`)") from None
        p = await das_programme.project(q, pid)
        if p is None:
            raise NotFound(f"field '{field}': no project {pid} (see `das project list`)")
        return p


def jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value
