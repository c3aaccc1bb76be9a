"""Record kinds of Societal Activity Rights: only aggregates ever cross between nodes."""

from __future__ import annotations

from protocol.schema import Field, Schema

SCHEMAS = (
    Schema(
        "das.summary",
        (
            Field("period", str, max_len=16),
            Field("k", int, min=5, max=1000),
            Field("currency", str, max_len=32),
            Field("persons", dict, max_len=8),
            Field("by_status", dict, max_len=16),
            Field("contracts", dict, max_len=8),
            Field("granted", dict, max_len=8),
            Field("given", dict, max_len=8),
            Field("by_category", dict, max_len=32),
            Field("by_family", dict, max_len=64),
            Field("credited", dict, max_len=8),
            Field("employers", dict, max_len=8),
            Field("statements", int, min=16),
            Field("statements_root", bytes, max_len=32, min=32),
            Field("corrects", bytes, required=False, max_len=32, min=32),
            Field("consents", dict, required=False, max_len=4),
        ),
        "A territory's Societal Activity aggregates for one period: counts of persons, hours granted "
        "and given by project category and competence family, local currency credited; every cell "
        "under k persons suppressed; a Merkle root over salted commitments to the period's statements. "
        "'corrects' names the summary of the same period it replaces. 'consents' counts the period's consent acts "
        "(contract, profile, flexibility, entry decision) and the distinct accounts behind them, by role: counts only.",
    ),
)
