"""Twinning projects: their states, the one transition table, and the fold over replicated records.

A project is proposed by one territory naming its partners; it is active only once every named
partner accepted (their first answer counts), declined as soon as one partner declined, withdrawn
when its proposer takes it back before that, and closed when one party's closing report is
co-signed by every other party.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Any

from protocol.coop import Entry, canonical
from protocol.errors import ErrorCode, RecordError, TransitionError
from protocol.kinds import schema_for


class State(Enum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"


class Event(Enum):
    ACCEPT = "accept"  # a partner accepted, others have not yet
    ALL_ACCEPTED = "all_accepted"  # the last partner accepted
    DECLINE = "decline"
    WITHDRAW = "withdraw"  # the proposer takes back a proposal not every partner accepted yet
    MILESTONE = "milestone"
    HOURS = "hours"
    REPORT = "report"
    COSIGN = "cosign"  # a party co-signed, others have not yet
    ALL_SIGNED = "all_signed"  # the last party co-signed the report


TRANSITIONS: Mapping[tuple[State, Event], State] = MappingProxyType({
    (State.PROPOSED, Event.ACCEPT): State.PROPOSED,
    (State.PROPOSED, Event.ALL_ACCEPTED): State.ACTIVE,
    (State.PROPOSED, Event.DECLINE): State.DECLINED,
    (State.PROPOSED, Event.WITHDRAW): State.WITHDRAWN,
    (State.ACTIVE, Event.MILESTONE): State.ACTIVE,
    (State.ACTIVE, Event.HOURS): State.ACTIVE,
    (State.ACTIVE, Event.REPORT): State.ACTIVE,
    (State.ACTIVE, Event.COSIGN): State.ACTIVE,
    (State.ACTIVE, Event.ALL_SIGNED): State.CLOSED,
})

_PHASE = {"twin.accept": 1, "twin.decline": 1, "twin.withdraw": 1, "twin.milestone": 2, "twin.hours": 2, "twin.report": 2, "twin.cosign": 3}
_DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


def step(state: State, event: Event) -> State:
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise TransitionError(f"a twinning that is {state.value} cannot take the event '{event.value}'") from None


def check_proposal(author: bytes, body: dict[str, Any]) -> None:
    """Refuse a proposal naming no one, oneself, a key twice, or a bad date."""
    partners = body.get("partners") or []
    if not partners or any(not isinstance(p, bytes) or len(p) != 32 for p in partners):
        raise RecordError("a twinning names at least one partner by its 32-byte public key")
    if author in partners:
        raise RecordError("a territory cannot twin with itself: name the partner's key with --with")
    if len(set(partners)) != len(partners):
        raise RecordError("a partner is named twice")
    if not _DATE.match(str(body.get("until", ""))):
        raise RecordError("--until must be a date written YYYY-MM-DD, e.g. 2027-12-31")


@dataclass(slots=True)
class Twinning:
    id: bytes
    proposer: bytes
    partners: tuple[bytes, ...]
    title: str
    objectives: str
    until: str
    state: State = State.PROPOSED
    answers: dict[bytes, str] = field(default_factory=dict)
    milestones: list[dict[str, Any]] = field(default_factory=list)
    minutes: dict[bytes, int] = field(default_factory=dict)
    reports: dict[bytes, bytes] = field(default_factory=dict)  # report id -> its author
    signatures: dict[bytes, set[bytes]] = field(default_factory=dict)  # report id -> parties who signed
    closing_report: bytes | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    ignored: list[dict[str, Any]] = field(default_factory=list)

    @property
    def parties(self) -> tuple[bytes, ...]:
        return (self.proposer, *self.partners)

    def apply(self, e: Entry) -> None:
        """Apply one record, or raise TransitionError/RecordError naming why it does not fit."""
        if e.author not in self.parties:
            raise RecordError("only a party named in the proposal can act on a twinning", ErrorCode.NOT_ALLOWED)
        event = self._event(e)
        new = step(self.state, event)
        self._record(e)
        self.history.append({"id": e.id, "author": e.author, "kind": e.kind, "event": event.value, "state": new.value, "ts": e.ts})
        self.state = new

    def _event(self, e: Entry) -> Event:
        if e.kind in ("twin.accept", "twin.decline", "twin.withdraw") and self.state is not State.PROPOSED:
            # named after what the party did, not after the internal event (all_accepted, ...)
            raise TransitionError(f"a twinning that is {self.state.value} cannot take the event '{e.kind[5:]}'")
        if e.kind in ("twin.accept", "twin.decline"):
            if e.author == self.proposer:
                raise RecordError("the proposer does not answer its own proposal: a named partner does", ErrorCode.NOT_ALLOWED)
            if e.author in self.answers:
                raise TransitionError(f"this partner already answered ({self.answers[e.author]})")
            if e.kind == "twin.decline":
                return Event.DECLINE
            waiting = [p for p in self.partners if p not in self.answers and p != e.author]
            return Event.ACCEPT if waiting else Event.ALL_ACCEPTED
        if e.kind == "twin.withdraw":
            if e.author != self.proposer:
                raise RecordError("only the proposer withdraws a twinning proposal: a partner declines it", ErrorCode.NOT_ALLOWED)
            return Event.WITHDRAW
        if e.kind == "twin.milestone":
            return Event.MILESTONE
        if e.kind == "twin.hours":
            return Event.HOURS
        if e.kind == "twin.report":
            return Event.REPORT
        if e.kind == "twin.cosign":
            report = e.ref("report")
            if report not in self.reports:
                raise RecordError("the co-signed report is not a closing report of this twinning")
            signed = self.signatures[report] | {e.author}
            if e.author in self.signatures[report]:
                raise TransitionError("this party already signed this report")
            return Event.ALL_SIGNED if signed >= set(self.parties) else Event.COSIGN
        raise RecordError(f"'{e.kind}' is not a twinning record")

    def _record(self, e: Entry) -> None:
        if e.kind == "twin.accept":
            self.answers[e.author] = "accepted"
        elif e.kind == "twin.decline":
            self.answers[e.author] = "declined"
        elif e.kind == "twin.milestone":
            self.milestones.append({"id": e.id, "author": e.author, "title": e.body.get("title", ""), "text": e.body.get("text", ""), "ts": e.ts})
        elif e.kind == "twin.hours":
            self.minutes[e.author] = self.minutes.get(e.author, 0) + int(e.body["minutes"])
        elif e.kind == "twin.report":
            self.reports[e.id] = e.author
            self.signatures[e.id] = {e.author}
        elif e.kind == "twin.cosign":
            report = e.ref("report")
            self.signatures[report].add(e.author)
            if self.signatures[report] >= set(self.parties):
                self.closing_report = report


def start(proposal: Entry) -> Twinning:
    if proposal.kind != "twin.propose":
        raise RecordError("this record is not a twinning proposal")
    check_proposal(proposal.author, dict(proposal.body))
    b = proposal.body
    t = Twinning(proposal.id, proposal.author, tuple(b["partners"]), b["title"], b["objectives"], b["until"])
    t.history.append({"id": proposal.id, "author": proposal.author, "kind": proposal.kind, "event": "propose", "state": "proposed", "ts": proposal.ts})
    return t


def fold(proposal: Entry, entries: Iterable[Entry]) -> Twinning:
    """The twinning's state from its proposal and every record citing it, whatever their order.

    Records are applied phase by phase (answers, then work, then signatures), each phase in
    canonical order; a record that does not fit is kept aside in `ignored`, never applied.
    """
    t = start(proposal)
    mine = [e for e in canonical(entries) if e.kind in _PHASE and e.ref("proposal") == proposal.id]
    for e in sorted(mine, key=lambda e: _PHASE[e.kind]):
        try:
            t.apply(e)
        except (TransitionError, RecordError) as exc:
            t.ignored.append({"id": e.id, "author": e.author, "kind": e.kind, "reason": exc.message})
    return t


def fold_all(entries: Iterable[Entry]) -> dict[bytes, Twinning]:
    items = canonical(entries)
    out: dict[bytes, Twinning] = {}
    for p in items:
        if p.kind == "twin.propose":
            try:
                out[p.id] = fold(p, items)
            except RecordError:
                continue
    return out


def check_action(t: Twinning, actor: bytes, kind: str, body: dict[str, Any]) -> None:
    """Refuse, before anything is signed, a record that the fold would ignore (names state and event)."""
    if actor not in t.parties:
        raise RecordError(
            "this twinning names other territories: only its proposer and named partners can act on it", ErrorCode.NOT_ALLOWED
        )
    schema_for(kind).validate({**body, "proposal": t.id})
    probe = Twinning(
        t.id, t.proposer, t.partners, t.title, t.objectives, t.until, t.state,
        dict(t.answers), [], dict(t.minutes), dict(t.reports), {k: set(v) for k, v in t.signatures.items()},
    )
    probe.apply(Entry(bytes(32), actor, 2**62, 0, kind, {**body, "proposal": t.id}))
