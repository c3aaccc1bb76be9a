"""The pure fold of Pactes 21: a territory's `pacte.*` records, in log order, give its pacts' state.

Every node and the offline audit tool compute the same state from the same records. A record that
breaks a rule (non-partner, illegal transition, frozen evaluation, foreign evidence...) raises when
applied; `fold` skips it and lists it as rejected, so a faulty peer log still folds deterministically.
The node applies each new record before publishing it, so its own log never holds a rejected one.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from protocol.actor import actor_of
from protocol.credential import CredentialError, parse, verify_proof
from protocol.errors import ErrorCode, ProtocolError, RecordError, TransitionError
from protocol.pacte_bodies import BudgetLine, Criterion, TaskForceResult

MAX_SALARY_SHARE_BP = 1000  # 10% of salaries, in basis points


class CommitmentState(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    MET = "met"
    MISSED = "missed"
    WITHDRAWN = "withdrawn"


class Event(StrEnum):
    """What happens to a commitment; each event is named after the state it leads to."""

    ACCEPT = "accepted"
    START = "in_progress"
    MEET = "met"
    MISS = "missed"
    WITHDRAW = "withdrawn"


S, E = CommitmentState, Event
TRANSITIONS: Mapping[tuple[CommitmentState, Event], CommitmentState] = MappingProxyType(
    {
        (S.PROPOSED, E.ACCEPT): S.ACCEPTED,
        (S.PROPOSED, E.WITHDRAW): S.WITHDRAWN,
        (S.ACCEPTED, E.START): S.IN_PROGRESS,
        (S.ACCEPTED, E.MISS): S.MISSED,
        (S.ACCEPTED, E.WITHDRAW): S.WITHDRAWN,
        (S.IN_PROGRESS, E.MEET): S.MET,
        (S.IN_PROGRESS, E.MISS): S.MISSED,
        (S.IN_PROGRESS, E.WITHDRAW): S.WITHDRAWN,
    }
)


def next_state(state: CommitmentState, event: str) -> CommitmentState:
    """The state after `event`, or TransitionError naming the state, the event and what is allowed."""
    allowed = sorted(e.value for (s, e) in TRANSITIONS if s is state)
    hint = f"allowed from '{state}': {', '.join(allowed)}" if allowed else f"'{state}' is final"
    try:
        ev = Event(event)
    except ValueError:
        raise TransitionError(f"a commitment in state '{state}' cannot move to '{event}' ({hint})") from None
    target = TRANSITIONS.get((state, ev))
    if target is None:
        raise TransitionError(f"a commitment in state '{state}' cannot move to '{ev}' ({hint})")
    return target


@dataclass(frozen=True, slots=True)
class Entry:
    """One `pacte.*` record as the fold sees it."""

    id: bytes
    ts: int
    kind: str
    body: Mapping[str, Any]


@dataclass(slots=True)
class Partner:
    org: str
    org_kind: str
    contact_role: str
    since: str
    record: bytes


@dataclass(slots=True)
class TaskForce:
    id: bytes
    mission: str
    criteria: list[Criterion]
    budget: list[BudgetLine]
    members: list[str]
    governance: str


@dataclass(slots=True)
class Transition:
    record: bytes
    ts: int
    date: str
    from_state: CommitmentState
    to_state: CommitmentState
    by: str  # older records: free text; newer ones: the acting account's role
    note: str
    actor: tuple[str, str] | None = None  # (pseudonymous account, role) when the record names who acted


@dataclass(slots=True)
class Commitment:
    id: bytes
    taskforce: bytes
    partner: str
    deliverable: str
    due: str
    indicator: str
    state: CommitmentState = CommitmentState.PROPOSED
    transitions: list[Transition] = field(default_factory=list)


@dataclass(slots=True)
class Evaluation:
    id: bytes
    year: int
    results: list[TaskForceResult]
    assessment: str
    adjustments: str
    published: bool
    ts: int


@dataclass(slots=True)
class Certificate:
    id: bytes
    org: str
    evidence: list[bytes]
    valid_from: str
    valid_until: str
    credential: dict[str, Any]
    renews: bytes | None
    status: str = "valid"  # valid, renewed (by a later certificate) or revoked
    revoke_reason: str = ""


@dataclass(slots=True)
class SalaryShare:
    partner: str
    year: int
    share_bp: int
    payroll_cents: int

    @property
    def injected_cents(self) -> int:
        return self.payroll_cents * self.share_bp // 10_000


@dataclass(slots=True)
class Pact:
    id: bytes
    ts: int
    title: str
    vision: str
    horizon: int
    start_year: int
    scope: str
    partners: dict[str, Partner] = field(default_factory=dict)
    taskforces: dict[bytes, TaskForce] = field(default_factory=dict)
    commitments: dict[bytes, Commitment] = field(default_factory=dict)
    salary: dict[tuple[str, int], SalaryShare] = field(default_factory=dict)
    evaluations: dict[int, Evaluation] = field(default_factory=dict)
    certificates: dict[bytes, Certificate] = field(default_factory=dict)
    records: list[bytes] = field(default_factory=list)

    @property
    def years(self) -> range:
        return range(self.start_year, self.start_year + self.horizon)

    def injected_by_year(self) -> dict[int, int]:
        out: dict[int, int] = {}
        for share in self.salary.values():
            out[share.year] = out.get(share.year, 0) + share.injected_cents
        return dict(sorted(out.items()))

    def planned_cents(self, taskforce: bytes, year: int) -> int:
        return sum(b.cents for b in self.taskforces[taskforce].budget if b.year == year)


@dataclass(slots=True)
class Book:
    """All pacts of one author, with an index from every object id to its pact."""

    author: bytes
    pacts: dict[bytes, Pact] = field(default_factory=dict)
    owner: dict[bytes, tuple[bytes, str]] = field(default_factory=dict)  # object id -> (pact id, type)

    def pact_of(self, oid: bytes, kind: str) -> Pact:
        found = self.owner.get(oid)
        if found is None or found[1] != kind:
            raise RecordError(f"no {kind} {oid.hex()[:16]}... in this territory's pacts", ErrorCode.BAD_FIELD)
        return self.pacts[found[0]]

    def pact(self, pid: bytes) -> Pact:
        return self.pact_of(pid, "pacte")


def fold(author: bytes, entries: Iterable[Entry]) -> tuple[Book, list[tuple[bytes, str]]]:
    """Fold an author's `pacte.*` records in log order; returns the book and the rejected (id, reason)."""
    book = Book(author)
    rejected: list[tuple[bytes, str]] = []
    for entry in entries:
        try:
            apply(book, entry)
        except ProtocolError as exc:
            rejected.append((entry.id, exc.message))
    return book, rejected


def apply(book: Book, e: Entry) -> None:
    """Apply one record; every check runs before the book changes, so a refused record changes nothing."""
    handler = _HANDLERS.get(e.kind)
    if handler is None:
        raise RecordError(f"'{e.kind}' is not a pacte record kind", ErrorCode.UNKNOWN_KIND)
    handler(book, e)


def _create(book: Book, e: Entry) -> None:
    b = e.body
    pact = Pact(e.id, e.ts, b["title"], b.get("vision") or "", b["horizon"], b["start_year"], b.get("scope") or "")
    book.pacts[e.id] = pact
    book.owner[e.id] = (e.id, "pacte")
    pact.records.append(e.id)


def _partner(book: Book, e: Entry) -> None:
    b = e.body
    pact = book.pact(b["pacte"])
    _date(b["since"], "since")
    if b["org"] in pact.partners:
        raise RecordError(f"'{b['org']}' is already a partner of this pact", ErrorCode.NOT_ALLOWED)
    pact.partners[b["org"]] = Partner(b["org"], b["org_kind"], b.get("contact_role") or "", b["since"], e.id)
    pact.records.append(e.id)


def _taskforce(book: Book, e: Entry) -> None:
    b = e.body
    pact = book.pact(b["pacte"])
    criteria = [Criterion.from_map(c) for c in b["criteria"]]
    budget = [BudgetLine.from_map(x) for x in b["budget"]]
    for line in budget:
        _in_horizon(pact, line.year, "budget year")
    for org in b["members"]:
        _partner_of(pact, org)
    tf = TaskForce(e.id, b["mission"], criteria, budget, list(b["members"]), b.get("governance") or "")
    pact.taskforces[e.id] = tf
    book.owner[e.id] = (pact.id, "taskforce")
    pact.records.append(e.id)


def _commitment(book: Book, e: Entry) -> None:
    b = e.body
    pact = book.pact_of(b["taskforce"], "taskforce")
    _partner_of(pact, b["partner"])
    _date(b["due"], "due")
    pact.commitments[e.id] = Commitment(e.id, b["taskforce"], b["partner"], b["deliverable"], b["due"], b.get("indicator") or "")
    book.owner[e.id] = (pact.id, "commitment")
    pact.records.append(e.id)


def _transition(book: Book, e: Entry) -> None:
    b = e.body
    pact = book.pact_of(b["commitment"], "commitment")
    c = pact.commitments[b["commitment"]]
    target = next_state(c.state, b["to"])
    actor = actor_of(b)
    by = b.get("by") or (actor[1] if actor else "")
    c.transitions.append(Transition(e.id, e.ts, date_of(e.ts), c.state, target, by, b.get("note") or "", actor))
    c.state = target
    pact.records.append(e.id)


def _salary(book: Book, e: Entry) -> None:
    b = e.body
    pact = book.pact(b["pacte"])
    _partner_of(pact, b["partner"])
    _in_horizon(pact, b["year"], "salary share year")
    check_salary_share(b["share_bp"])
    pact.salary[(b["partner"], b["year"])] = SalaryShare(b["partner"], b["year"], b["share_bp"], b["payroll_cents"])
    pact.records.append(e.id)


def _evaluation(book: Book, e: Entry) -> None:
    b = e.body
    pact = book.pact(b["pacte"])
    year = b["year"]
    _in_horizon(pact, year, "evaluation year")
    old = pact.evaluations.get(year)
    if old is not None and old.published:
        raise RecordError(f"the {year} evaluation is published and frozen; it cannot be edited", ErrorCode.NOT_ALLOWED)
    results = [TaskForceResult.from_map(m) for m in b["taskforces"]]
    for r in results:
        if r.taskforce not in pact.taskforces:
            raise RecordError(f"task force {r.taskforce.hex()[:16]}... is not in this pact")
        known = {c.indicator for c in pact.taskforces[r.taskforce].criteria}
        for indicator, _ in r.measures:
            if indicator not in known:
                raise RecordError(f"'{indicator}' is not an indicator of task force {r.taskforce.hex()[:16]}...")
    if old is not None:
        del book.owner[old.id]
    pact.evaluations[year] = Evaluation(e.id, year, results, b["assessment"], b.get("adjustments") or "", b["published"], e.ts)
    book.owner[e.id] = (pact.id, "evaluation")
    pact.records.append(e.id)


def _certificate(book: Book, e: Entry) -> None:
    b = e.body
    pact = book.pact(b["pacte"])
    org = b["org"]
    _partner_of(pact, org)
    check_evidence(book, pact, org, b["evidence"])
    if _date(b["valid_from"], "valid_from") > _date(b["valid_until"], "valid_until"):
        raise RecordError("a certificate's validity ends after it starts")
    renews = b.get("renews")
    if renews is not None:
        old = pact.certificates.get(renews)
        if old is None or old.org != org or old.status != "valid":
            raise RecordError("a renewal cites a valid certificate of the same organisation in the same pact")
    credential = _credential(book.author, b)
    if renews is not None:
        pact.certificates[renews].status = "renewed"
    pact.certificates[e.id] = Certificate(e.id, org, list(b["evidence"]), b["valid_from"], b["valid_until"], credential, renews)
    book.owner[e.id] = (pact.id, "certificate")
    pact.records.append(e.id)


def _revoke(book: Book, e: Entry) -> None:
    b = e.body
    pact = book.pact_of(b["certificate"], "certificate")
    cert = pact.certificates[b["certificate"]]
    if cert.status == "revoked":
        raise RecordError("this certificate is already revoked", ErrorCode.NOT_ALLOWED)
    cert.status = "revoked"
    cert.revoke_reason = b["reason"]
    pact.records.append(e.id)


_HANDLERS = MappingProxyType(
    {
        "pacte.create": _create,
        "pacte.partner": _partner,
        "pacte.taskforce": _taskforce,
        "pacte.commitment": _commitment,
        "pacte.transition": _transition,
        "pacte.salary_share": _salary,
        "pacte.evaluation": _evaluation,
        "pacte.certificate": _certificate,
        "pacte.certificate_revoke": _revoke,
    }
)


# -- rules shared with the node -------------------------------------------------------------------


def check_salary_share(share_bp: int) -> None:
    if not 0 <= share_bp <= MAX_SALARY_SHARE_BP:
        raise RecordError(f"a local-currency salary share is between 0% and 10% (got {share_bp / 100:g}%)", ErrorCode.NOT_ALLOWED)


def check_evidence(book: Book, pact: Pact, org: str, evidence: Iterable[bytes]) -> None:
    """Each piece of evidence is a met commitment of `org` or a published evaluation, in this pact."""
    for oid in evidence:
        found = book.owner.get(oid)
        short = oid.hex()[:16] + "..."
        if found is None or found[1] not in ("commitment", "evaluation"):
            raise RecordError(f"evidence {short} is not a commitment or evaluation recorded on this node", ErrorCode.NOT_ALLOWED)
        if found[0] != pact.id:
            raise RecordError(f"evidence {short} belongs to another pact", ErrorCode.NOT_ALLOWED)
        if found[1] == "commitment":
            c = pact.commitments[oid]
            if c.partner != org:
                raise RecordError(f"evidence {short} is a commitment of '{c.partner}', not of '{org}'", ErrorCode.NOT_ALLOWED)
            if c.state is not CommitmentState.MET:
                raise RecordError(f"evidence {short} is a commitment in state '{c.state}', not met", ErrorCode.NOT_ALLOWED)
        elif not next(ev for ev in pact.evaluations.values() if ev.id == oid).published:
            raise RecordError(f"evidence {short} is an evaluation not yet published", ErrorCode.NOT_ALLOWED)


def date_of(ts_ms: int) -> str:
    """The UTC calendar date of a record time, computed without a clock."""
    return (datetime.date(1970, 1, 1) + datetime.timedelta(milliseconds=ts_ms)).isoformat()


def _date(text: str, name: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise RecordError(f"'{name}' must be a date written YYYY-MM-DD, got '{text[:20]}'") from None


def _in_horizon(pact: Pact, year: int, what: str) -> None:
    if year not in pact.years:
        raise RecordError(
            f"{what} {year} is outside the pact's horizon ({pact.start_year}-{pact.years[-1]})", ErrorCode.NOT_ALLOWED
        )


def _partner_of(pact: Pact, org: str) -> None:
    if org not in pact.partners:
        raise RecordError(
            f"'{org}' is not a partner of this pact; add it first with `democite pacte partner add`", ErrorCode.NOT_ALLOWED
        )


def _credential(author: bytes, b: Mapping[str, Any]) -> dict[str, Any]:
    """The certificate's credential must be signed by the record's author and say what the record says."""
    try:
        credential = parse(b["credential"])
        verify_proof(credential, author)
    except CredentialError as exc:
        raise RecordError(f"the certificate's credential does not verify: {exc}") from None
    subject = credential.get("credentialSubject")
    cited = sorted(x.get("id", "") for x in credential.get("evidence", []) if isinstance(x, dict))
    if (
        not isinstance(subject, dict)
        or subject.get("name") != b["org"]
        or cited != sorted(evidence_urn(x) for x in b["evidence"])
        or str(credential.get("validUntil", ""))[:10] != b["valid_until"]
        or str(credential.get("validFrom", ""))[:10] != b["valid_from"]
    ):
        raise RecordError("the certificate's credential does not match its record (organisation, evidence or validity)")
    return dict(credential)


def evidence_urn(oid: bytes) -> str:
    return f"urn:democite:record:{oid.hex()}"


def pact_urn(pid: bytes) -> str:
    return f"urn:democite:pacte:{pid.hex()}"
