"""Schemas of the `pacte.*` record kinds (Pactes 21). Pacts are about organisations: no personal data.

Every kind may carry `actor` (`protocol.actor`): the pseudonymous account and role that acted.

Ids are record ids (32 bytes): a pact is named by its `pacte.create` record, a task force by its
`pacte.taskforce` record, and so on. Dates are ISO calendar dates (`YYYY-MM-DD`) as text.
"""

from __future__ import annotations

from protocol.actor import actor_field
from protocol.schema import Field, Schema

ORG_KINDS = frozenset({"company", "public", "association", "citizens", "other"})
ACTOR = actor_field()  # optional: who acted (account and role), on every pacte.* record
COMMITMENT_STATES = frozenset({"proposed", "accepted", "in_progress", "met", "missed", "withdrawn"})

SCHEMAS = (
    Schema(
        "pacte.create",
        (
            Field("title", str, max_len=200, min=1),
            Field("vision", str, required=False, max_len=4000),
            Field("horizon", int, min=1, max=20),
            Field("start_year", int, min=1900, max=9999),
            Field("scope", str, required=False, max_len=400),
            ACTOR,
        ),
        "A territorial pact: its title, vision, first year and horizon in years.",
    ),
    Schema(
        "pacte.partner",
        (
            Field("pacte", bytes, max_len=32, min=32),
            Field("org", str, max_len=200, min=1),
            Field("org_kind", str, choices=ORG_KINDS),
            Field("contact_role", str, required=False, max_len=200),
            Field("since", str, max_len=10, min=10),
            ACTOR,
        ),
        "An organisation's adhesion to a pact, with its date (a role, never a person).",
    ),
    Schema(
        "pacte.taskforce",
        (
            Field("pacte", bytes, max_len=32, min=32),
            Field("mission", str, max_len=1000, min=1),
            Field("criteria", list, items=dict, max_len=64),
            Field("budget", list, items=dict, max_len=256),
            Field("members", list, items=str, max_len=256),
            Field("governance", str, required=False, max_len=4000),
            ACTOR,
        ),
        "A task force: mission, criteria (indicator, baseline, target), budget plan, members, governance.",
    ),
    Schema(
        "pacte.commitment",
        (
            Field("taskforce", bytes, max_len=32, min=32),
            Field("partner", str, max_len=200, min=1),
            Field("deliverable", str, max_len=1000, min=1),
            Field("due", str, max_len=10, min=10),
            Field("indicator", str, required=False, max_len=200),
            ACTOR,
        ),
        "A partner's commitment to a deliverable, due on a date; it starts as proposed.",
    ),
    Schema(
        "pacte.transition",
        (
            Field("commitment", bytes, max_len=32, min=32),
            Field("to", str, choices=COMMITMENT_STATES),
            Field("by", str, required=False, max_len=200, min=1),
            Field("note", str, required=False, max_len=1000),
            ACTOR,
        ),
        "A commitment's move to a new state, dated (the record's time) and attributed: `actor`, the acting "
        "account (older records: `by`, free text).",
    ),
    Schema(
        "pacte.salary_share",
        (
            Field("pacte", bytes, max_len=32, min=32),
            Field("partner", str, max_len=200, min=1),
            Field("year", int, min=1900, max=9999),
            Field("share_bp", int, min=0, max=1000),
            Field("payroll_cents", int, min=0),
            ACTOR,
        ),
        "The share of a partner's salaries paid in local currency (basis points, at most 10%).",
    ),
    Schema(
        "pacte.evaluation",
        (
            Field("pacte", bytes, max_len=32, min=32),
            Field("year", int, min=1900, max=9999),
            Field("taskforces", list, items=dict, max_len=64),
            Field("assessment", str, max_len=8000),
            Field("adjustments", str, required=False, max_len=8000),
            Field("published", bool),
            ACTOR,
        ),
        "A yearly evaluation workshop's result; a draft is replaced by the next one, a published one is frozen.",
    ),
    Schema(
        "pacte.certificate",
        (
            Field("pacte", bytes, max_len=32, min=32),
            Field("org", str, max_len=200, min=1),
            Field("evidence", list, items=bytes, max_len=64, min=1),
            Field("valid_from", str, max_len=10, min=10),
            Field("valid_until", str, max_len=10, min=10),
            Field("credential", str, max_len=32000),
            Field("renews", bytes, required=False, max_len=32, min=32),
            ACTOR,
        ),
        "A Certificate of Territorial Utility: the signed W3C credential and the evidence it cites.",
    ),
    Schema(
        "pacte.certificate_revoke",
        (
            Field("certificate", bytes, max_len=32, min=32),
            Field("reason", str, max_len=1000, min=1),
            ACTOR,
        ),
        "The revocation of a certificate.",
    ),
)
