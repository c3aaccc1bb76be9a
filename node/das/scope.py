"""Which DAS rows the calling account may touch: the permission table said the role may do the
action at all; these say whether these rows are its own (a person's own data, an employer's own
employees' contracts, a coordinator's own projects).

Outside its scope an account gets 403 with nothing read or changed, and the same 403 whether or
not the row exists (an account learns nothing about rows that are not its own).
"""

from __future__ import annotations

from node.accounts.permissions import Role
from node.accounts.principal import Principal
from node.das.base import DasContext
from node.storage import das_persons, das_statements
from node.storage.das_persons import Employer, Person
from node.storage.das_query import Query


async def person(ctx: DasContext, q: Query, who: Principal, ref: str, field: str = "person") -> Person:
    """The person `ref` names, when the account may see them (404 for staff when unknown, else 403)."""
    if who.staff:
        return await ctx.person(q, ref, field)
    p = await das_persons.person(q, str(ref).strip())
    if p is None or p.erased_at is not None or not who.may_person(p.id, p.employer_id):
        raise who.refuse("person")
    return p


def own_person(who: Principal) -> int | None:
    """The person a person account is limited to (None: not limited to one person)."""
    return who.person_id if who.role is Role.PERSON else None


async def employer(ctx: DasContext, q: Query, who: Principal, ref: str) -> Employer:
    if who.staff:
        return await ctx.employer(q, ref)
    e = await das_persons.employer(q, str(ref).strip())
    if e is None or not who.may_employer(e.id):
        raise who.refuse("employer")
    return e


async def statement(ctx: DasContext, who: Principal, number: int) -> None:
    """Refuse a statement that is not the account's own (staff read every statement)."""
    if who.staff:
        return
    s = await das_statements.statement(ctx.db, number)
    if s is None or s.person_id is None or not who.may_person(s.person_id):
        raise who.refuse("statement")


async def person_ref(ctx: DasContext, who: Principal, ref: str | None) -> str | None:
    """The `person` filter of a listing: a person account lists only its own rows, whatever it asked."""
    limit = own_person(who)
    if limit is None:
        return ref
    p = await person(ctx, ctx.db, who, ref) if ref else await das_persons.person_by_id(ctx.db, limit)
    if p is None or p.erased_at is not None or p.local_id is None:
        raise who.refuse("person")
    return p.local_id
