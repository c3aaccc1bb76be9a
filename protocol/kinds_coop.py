"""Schemas of the cooperation kinds: peer review, twinning projects and the coresponsibility fund.

Ids of cited records are 32-byte record ids; territories are 32-byte public keys; money is in
integer cents and time in minutes, so no record ever carries a float. Every kind may carry `actor`
(`protocol.actor`): the pseudonymous account and role that acted.
"""

from __future__ import annotations

from protocol.actor import with_actor
from protocol.schema import Field, Schema

_ID = 32


def _ref(name: str) -> Field:
    return Field(name, bytes, max_len=_ID, min=_ID)


SCHEMAS = with_actor((
    Schema(
        "review.request",
        (
            _ref("target"),
            Field("reviewers", list, items=bytes, max_len=32),
            Field("framework", str, max_len=64),
            Field("message", str, required=False, max_len=2000),
        ),
        "The author asks chosen peers to review one of its own records.",
    ),
    Schema(
        "review",
        (
            _ref("target"),
            Field("about", bytes, max_len=32, min=32),
            Field("framework", str, max_len=64),
            Field("scores", dict, max_len=32),
            Field("comments", str, required=False, max_len=4000),
            Field("verdict", str, max_len=32),
        ),
        "A peer review of another territory's record against a review framework.",
    ),
    Schema(
        "review.response",
        (_ref("review"), Field("text", str, max_len=4000)),
        "The reviewed territory's answer to a review.",
    ),
    Schema(
        "twin.propose",
        (
            Field("partners", list, items=bytes, max_len=16, min=1),
            Field("title", str, max_len=200, min=1),
            Field("objectives", str, max_len=4000, min=1),
            Field("until", str, max_len=10, min=10),
        ),
        "A twinning project proposed to one or more partner territories.",
    ),
    Schema("twin.accept", (_ref("proposal"),), "A named partner accepts a twinning proposal."),
    Schema(
        "twin.decline",
        (_ref("proposal"), Field("reason", str, required=False, max_len=2000)),
        "A named partner declines a twinning proposal.",
    ),
    Schema(
        "twin.withdraw",
        (_ref("proposal"), Field("reason", str, required=False, max_len=2000)),
        "The proposer withdraws a twinning proposal that not every partner accepted yet.",
    ),
    Schema(
        "twin.milestone",
        (_ref("proposal"), Field("title", str, max_len=200, min=1), Field("text", str, required=False, max_len=4000)),
        "A milestone of an active twinning, reported by one of its parties.",
    ),
    Schema(
        "twin.hours",
        (_ref("proposal"), Field("minutes", int, min=0, max=10**9), Field("period", str, max_len=32, min=1)),
        "Aggregate Societal Activity time a party gave to the twinning over a period (no persons).",
    ),
    Schema(
        "twin.report",
        (_ref("proposal"), Field("text", str, max_len=8000, min=1)),
        "A closing report written by one party; the project closes when every party co-signed it.",
    ),
    Schema("twin.cosign", (_ref("proposal"), _ref("report")), "A party co-signs a twinning's closing report."),
    Schema(
        "fund.create",
        (
            Field("name", str, max_len=200, min=1),
            Field("currency", str, max_len=3, min=3),
            Field("expiry_minutes", int, min=60, max=10**7),
            Field("members", list, required=False, items=bytes, max_len=1000),
        ),
        "A coresponsibility fund and its rules; the quorum is always more than 2/3 of its members "
        "(`members`: the network's members when it was created).",
    ),
    Schema("fund.pledge", (_ref("fund"), Field("amount", int, min=1, max=10**13)), "A member pledges a contribution (cents)."),
    Schema(
        "fund.contribute",
        (_ref("fund"), Field("amount", int, min=1, max=10**13)),
        "A member confirms it paid a contribution (cents).",
    ),
    Schema(
        "fund.request",
        (
            _ref("fund"),
            Field("nonce", int, min=1, max=10**9),
            Field("amount", int, min=1, max=10**13),
            Field("purpose", str, max_len=2000, min=1),
            Field("for", bytes, required=False, max_len=_ID, min=_ID),
        ),
        "A grant request for grant slot `nonce` of the fund, often for a twinning project.",
    ),
    Schema(
        "fund.approve",
        (_ref("fund"), Field("nonce", int, min=1, max=10**9), _ref("request")),
        "A member's approval of one request for slot (fund, nonce); at most one per member and slot.",
    ),
    Schema("fund.ack", (_ref("fund"), _ref("request")), "The grantee acknowledges it received a certified grant."),
))
