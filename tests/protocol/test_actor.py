"""The `actor` of signed acts: its shape is checked by every kind that takes it, records signed
before it existed stay valid, and the pacte fold reads who moved a commitment from it."""

from __future__ import annotations

import pytest

from node.accounts.permissions import Role
from protocol.actor import ROLES, actor_of
from protocol.errors import RecordError
from protocol.kinds import KINDS, schema_for
from protocol.pacte import Entry, fold

C = bytes([3]) * 32
TRANSITION = {"commitment": C, "to": "accepted"}
# the kinds whose records come from an account's act on the admin API; the rest are automatic
# (territory.profile), given verbatim by the owner (note) or the DAS area's aggregates (das.summary)
ACTS = {k for k in KINDS if k.startswith(("pacte.", "review", "twin.", "fund.", "member.", "key.", "evidence."))}


def test_roles_are_the_permission_tables_roles() -> None:
    assert {str(r) for r in Role} == ROLES


def test_every_act_kind_takes_an_optional_actor() -> None:
    for kind in ACTS:
        field = next((f for f in schema_for(kind).fields if f.name == "actor"), None)
        assert field is not None and not field.required, kind
    assert {k for k in KINDS if any(f.name == "actor" for f in KINDS[k].fields)} == ACTS


@pytest.mark.parametrize("actor", [
    {"account": "a-1f2e3d4c5b6a7980", "role": "partner"},
    {"account": "owner", "role": "owner"},
    {"account": "a-0000000000000000", "role": "evaluator"},
])
def test_a_pseudonymous_actor_fits(actor: dict[str, str]) -> None:
    schema_for("pacte.transition").validate({**TRANSITION, "actor": actor})
    assert actor_of({"actor": actor}) == (actor["account"], actor["role"])


@pytest.mark.parametrize(("actor", "why"), [
    ({"account": "marie.dupont", "role": "partner"}, "pseudonymous id"),  # a username is never an actor
    ({"account": "marie@example.org", "role": "person"}, "pseudonymous id"),
    ({"account": "a-1F2E3D4C5B6A7980", "role": "partner"}, "pseudonymous id"),
    ({"account": "a-1f2e3d4c5b6a79", "role": "partner"}, "pseudonymous id"),
    ({"account": "a-1f2e3d4c5b6a7980", "role": "mayor"}, "'role'"),
    ({"account": "a-1f2e3d4c5b6a7980", "role": "owner"}, "owner"),
    ({"account": "owner", "role": "office"}, "owner"),
    ({"account": "a-1f2e3d4c5b6a7980", "role": "partner", "name": "Marie"}, "exactly"),
    ({"account": "a-1f2e3d4c5b6a7980"}, "exactly"),
    ("a-1f2e3d4c5b6a7980", "type dict"),
])
def test_a_misshapen_actor_is_refused_naming_the_field(actor: object, why: str) -> None:
    for kind, body in (("pacte.transition", TRANSITION), ("member.endorse", {"candidate": C}), ("evidence.fork",
                       {"author": C, "seq": 1, "ids": [C, C]})):
        with pytest.raises(RecordError) as exc:
            schema_for(kind).validate({**body, "actor": actor})
        assert "field 'actor'" in exc.value.message and why in exc.value.message, exc.value.message


def test_older_records_stay_valid_and_fold() -> None:
    pid, tf, partner = bytes([1]) * 32, bytes([2]) * 32, bytes([5]) * 32
    old = {**TRANSITION, "by": "Biocoop"}
    schema_for("pacte.transition").validate(old)  # `by` free text, no actor: as signed before accounts
    entries = [
        Entry(pid, 0, "pacte.create", {"title": "P", "horizon": 3, "start_year": 2026}),
        Entry(partner, 1, "pacte.partner", {"pacte": pid, "org": "Biocoop", "org_kind": "company", "since": "2026-01-01"}),
        Entry(tf, 2, "pacte.taskforce", {"pacte": pid, "mission": "m", "criteria": [], "budget": [], "members": []}),
        Entry(C, 3, "pacte.commitment", {"taskforce": tf, "partner": "Biocoop", "deliverable": "d", "due": "2027-01-01"}),
        Entry(bytes([6]) * 32, 4, "pacte.transition", old),
        Entry(bytes([7]) * 32, 5, "pacte.transition", {"commitment": C, "to": "in_progress",
                                                         "actor": {"account": "a-1f2e3d4c5b6a7980", "role": "partner"}}),
    ]
    book, rejected = fold(b"k" * 32, entries)
    assert rejected == []
    moves = book.pacts[pid].commitments[C].transitions
    assert [(t.by, t.actor) for t in moves] == [("Biocoop", None), ("partner", ("a-1f2e3d4c5b6a7980", "partner"))]
