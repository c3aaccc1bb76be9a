"""Twinnings and peer reviews recomputed from the bundle's records (the fund is in `checkers_fund`).

The twinning fold is the nodes' own (`protocol.twinning`); every record it would set aside, and
every record citing a proposal the bundle does not hold, is a finding on that record.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from protocol import twinning
from protocol.audit.context import AuditContext, Checker
from protocol.audit.findings import Finding, Severity
from protocol.audit.members import territory_entries
from protocol.errors import ProtocolError
from protocol.record import SignedRecord

TWIN = "twinning"
REVIEW = "review"
ONE_LOG = " (this bundle holds one territory's log: the other territories' records are not in it)"


def _elsewhere(ctx: AuditContext) -> Severity:
    """What a reference to another log that is not in the bundle is: a failure, unless the bundle is partial."""
    return Severity.WARN if ctx.partial else Severity.FAIL


def _short(b: bytes) -> str:
    return b.hex()[:16] + "…"


def check_twinnings(ctx: AuditContext, records: Sequence[SignedRecord]) -> Iterable[Finding]:
    by_id = {r.id: r for r in records}
    entries = territory_entries(ctx, records)
    proposals = [e for e in entries if e.kind == "twin.propose"]
    for p in proposals:
        src = by_id[p.id]
        try:
            t = twinning.fold(p, entries)
        except ProtocolError as exc:
            yield Finding(TWIN, f"twinning proposal {src.seq} is not valid: {exc.message}", p.author, src.seq, p.id)
            continue
        for ig in t.ignored:
            r = by_id[ig["id"]]
            yield Finding(TWIN, f"{r.record.kind} record {r.seq} on twinning '{t.title[:60]}' ({_short(t.id)}) "
                          f"does not fit its state: {ig['reason']}" + (ONE_LOG if ctx.partial else ""),
                          r.author, r.seq, r.id, _elsewhere(ctx))
    known = {p.id for p in proposals}
    for e in entries:
        if e.kind != "twin.propose" and e.ref("proposal") not in known:
            r = by_id[e.id]
            yield Finding(TWIN, f"{e.kind} record {r.seq} cites twinning proposal {_short(e.ref('proposal'))} "
                          "that the bundle does not hold" + (ONE_LOG if ctx.partial else ""), e.author, r.seq, r.id,
                          _elsewhere(ctx))


def check_reviews(ctx: AuditContext, records: Sequence[SignedRecord]) -> Iterable[Finding]:
    index = {r.id: r for r in ctx.all_records()}
    for r in records:
        kind, body = r.record.kind, r.record.body
        target = index.get(body.get("target", b"")) if kind in ("review", "review.request") else None
        problem, missing = "", False
        if kind == "review":
            scores = body["scores"]
            if body["about"] == r.author:
                problem = "a territory never reviews itself: this review's author is the reviewed territory"
            elif target is None:
                problem, missing = f"the reviewed record {_short(body['target'])} is not in the bundle", True
            elif target.author != body["about"]:
                problem = (f"the review says it is about {_short(body['about'])} but the reviewed record is by "
                           f"{_short(target.author)}")
            elif target.author == r.author:
                problem = "a territory never reviews itself: the reviewed record is its own"
            elif target.record.kind.startswith("review"):
                problem = "a review is answered with a response, not reviewed"
            elif not all(isinstance(k, str) and type(v) is int for k, v in scores.items()):
                problem = "every score is an integer given to a named criterion"
        elif kind == "review.request":
            if target is None:
                problem, missing = f"the record to review {_short(body['target'])} is not in the bundle", True
            elif target.author != r.author:
                problem = "a territory asks reviews of its own records only"
            elif r.author in body["reviewers"]:
                problem = "a territory never reviews itself: it is named among the reviewers"
        elif kind == "review.response":
            review = index.get(body["review"])
            if review is None:
                problem, missing = f"the answered review {_short(body['review'])} is not in the bundle", True
            elif review.record.kind != "review":
                problem = f"the answered record {_short(body['review'])} is not a review"
            elif review.record.body["about"] != r.author:
                problem = "only the reviewed territory answers a review"
        if missing and ctx.partial:
            yield Finding(REVIEW, f"{kind} record {r.seq}: {problem}{ONE_LOG}", r.author, r.seq, r.id, Severity.WARN)
        elif problem:
            yield Finding(REVIEW, f"{kind} record {r.seq}: {problem}", r.author, r.seq, r.id)


CHECKERS = (
    Checker("twin.", TWIN, check_twinnings, "each twinning recomputed: active only once every named partner accepted"),
    Checker("review", REVIEW, check_reviews, "no self-review, each reviewed record is in the bundle and by the reviewed territory"),
)
