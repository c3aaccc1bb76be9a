"""The audit of Societal Activity Rights: what an evaluator checks on `das.summary` records and on
the statement disclosures a territory hands over (see protocol/das.py for the formats).

- every `das.summary`: k at least 5, no published cell counting fewer than k persons, a padded
  statement tree, and a `corrects` that names an earlier summary of the same period in the same log;
- every `das.bulletin` disclosure: the statement's salted commitment is included in the Merkle root
  of a summary that is in the territory's verified log in this bundle.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from protocol import das
from protocol.audit.context import AuditContext, Checker, Disclosure, DisclosureCheck
from protocol.audit.findings import Check, Finding
from protocol.errors import ProtocolError
from protocol.record import SignedRecord

SCHEME = "das.bulletin"


def check_summaries(ctx: AuditContext, records: Sequence[SignedRecord]) -> Iterable[Finding]:
    seen: dict[bytes, SignedRecord] = {}
    for r in sorted(records, key=lambda r: (r.author, r.seq)):
        if r.record.kind != "das.summary":
            continue
        body = r.record.body
        try:
            das.check_summary(body)
        except ProtocolError as exc:
            yield Finding("das", f"summary of {str(body.get('period'))[:10]}: {exc.message}", r.author, r.seq, r.id)
        corrects = body.get("corrects")
        if corrects is not None:
            old = seen.get(corrects)
            if old is None or old.author != r.author:
                yield Finding("das", "summary corrects a summary that is not earlier in this territory's log", r.author, r.seq, r.id)
            elif old.record.body.get("period") != body.get("period"):
                yield Finding("das", "summary corrects a summary of another period", r.author, r.seq, r.id)
        seen[r.id] = r


def check_bulletin_disclosure(ctx: AuditContext, d: Disclosure) -> Iterable[Finding]:
    try:
        v = das.verify_disclosure(d.data, d.territory)
    except ProtocolError as exc:
        yield Finding(Check.DISCLOSURE, f"DAS statement disclosure does not verify: {exc.message}", d.territory)
        return
    log = ctx.logs.get(d.territory, ())
    held = next((r for r in log if r.id == v.summary_id), None)
    if held is None:
        yield Finding(Check.DISCLOSURE, "DAS statement disclosure cites a summary that is not in the territory's verified log",
                      d.territory, None, v.summary_id)


CHECKERS = (
    Checker("das.", "das", check_summaries, "DAS summaries: small cells suppressed, corrections chained"),
)
DISCLOSURES: dict[str, DisclosureCheck] = {SCHEME: check_bulletin_disclosure}
