"""The DAS rules as plain functions: statuses, the project state table, contract allocations,
and the checks an activity entry passes before it is recorded (shared by `entry add` and import).

No I/O here: the service loads what a rule needs and stores what it decides.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from node.errors import Conflict, Invalid
from protocol.das import quarter_of

STATUSES = ("employee", "civil-servant", "self-employed", "volunteer", "student", "retired", "jobseeker")
EMPLOYER_KINDS = ("private", "public")
PARTIES = ("person", "employer", "engagement21")
MODES = ("spread", "leave")
PROJECT_KINDS = ("programme", "local-initiative", "international-solidarity")
# a person's own projects, "librement mobilisable" (seed): registered by the office, no assembly decision
INDIVIDUAL_KINDS = ("local-initiative", "international-solidarity")
THEMES = ("union", "religious", "political", "health", "environment", "social", "culture", "education", "economy", "other")
MAX_ENTRY_MINUTES = 720  # one entry is at most 12 hours
MAX_DAY_MINUTES = 1440  # a person's entries on one day total at most 24 hours
MAX_HOURS_PER_YEAR = 2000
MAX_CONTRACT_MINUTES = 10_000 * 60  # what the API's `hours` field allows, also when given in minutes
CONTRACT_YEARS_AROUND_TODAY = 10  # contract dates lie within this many years of today (typos like 9999)
GENERAL = ("general", 1, "general")  # competence used when an entry names none


class ProjectStatus(StrEnum):
    PROPOSED = "proposed"
    VALIDATED = "validated"  # by the territorial assembly, citing its decision
    ACTIVE = "active"
    CLOSED = "closed"


class ProjectEvent(StrEnum):
    """What a coordinator or the assembly does to a project (the API route and CLI verb)."""

    VALIDATE = "validate"
    ACTIVATE = "activate"
    CLOSE = "close"


_S, _E = ProjectStatus, ProjectEvent
# The one table of project moves: proposed -> validated -> active -> closed (closed is final).
TRANSITIONS: Mapping[tuple[ProjectStatus, ProjectEvent], ProjectStatus] = MappingProxyType(
    {
        (_S.PROPOSED, _E.VALIDATE): _S.VALIDATED,
        (_S.PROPOSED, _E.CLOSE): _S.CLOSED,
        (_S.VALIDATED, _E.ACTIVATE): _S.ACTIVE,
        (_S.VALIDATED, _E.CLOSE): _S.CLOSED,
        (_S.ACTIVE, _E.CLOSE): _S.CLOSED,
    }
)
OPEN_STATUSES = frozenset({_S.VALIDATED, _S.ACTIVE})


def next_status(current: str, event: str) -> ProjectStatus:
    """The status after `event`, or Conflict naming the project's status, the event and what is allowed."""
    try:
        state, ev = ProjectStatus(current), ProjectEvent(event)
    except ValueError:
        events = ", ".join(e.value for e in ProjectEvent)
        raise Invalid(f"a project moves by one of: {events} (not '{str(event)[:20]}' from '{str(current)[:20]}')") from None
    target = TRANSITIONS.get((state, ev))
    if target is None:
        allowed = ", ".join(sorted(e.value for (s, e) in TRANSITIONS if s is state)) or "none: it is final"
        leads_to = next(t for (_, e), t in TRANSITIONS.items() if e is ev)
        raise Conflict(
            f"a {state} project cannot become {leads_to} (event '{ev}' is not allowed from {state}; allowed: {allowed})"
        )
    return target


def required_parties(has_employer: bool) -> tuple[str, ...]:
    return ("person", "employer", "engagement21") if has_employer else ("person", "engagement21")


def missing_parties(has_employer: bool, accepted: Collection[str]) -> list[str]:
    """The parties whose acceptance a contract version still lacks: it binds when there is none
    (the one rule: time, leave and the contract's own view all ask it)."""
    return [x for x in required_parties(has_employer) if x not in accepted]


def day(text: str, field_name: str, near: dt.date | None = None) -> dt.date:
    """The one date parser of the DAS area: exactly YYYY-MM-DD (no time, no week date), else Invalid.

    With `near` (today), the date must also lie within CONTRACT_YEARS_AROUND_TODAY years of it."""
    try:
        if not isinstance(text, str) or len(text) != 10:
            raise ValueError
        d = dt.date.fromisoformat(text)
    except ValueError:
        raise Invalid(f"field '{field_name}': '{str(text)[:12]}' is not a date YYYY-MM-DD") from None
    if near is not None:
        lo, hi = _around(near)
        if not lo <= d <= hi:
            raise Invalid(f"field '{field_name}': {d} is more than {CONTRACT_YEARS_AROUND_TODAY} years from today (between {lo} and {hi})")
    return d


def _around(today: dt.date) -> tuple[dt.date, dt.date]:
    n = CONTRACT_YEARS_AROUND_TODAY
    return today.replace(year=today.year - n, day=1), today.replace(year=today.year + n, day=1)


def contract_dates(d0: dt.date, d1: dt.date, today: dt.date) -> None:
    """Refuse a contract period that ends before it starts or lies absurdly far from today (a typo)."""
    if d1 < d0:
        raise Invalid("field 'to': the contract ends before it starts")
    lo, hi = _around(today)
    for name, d in (("from", d0), ("to", d1)):
        if not lo <= d <= hi:
            raise Invalid(f"field '{name}': {d} is more than {CONTRACT_YEARS_AROUND_TODAY} years from today; "
                          f"a contract's dates lie between {lo} and {hi}")


_DURATION = re.compile(r"^(\d{1,6})(?:(?:[.,](\d{1,2}))|(?:\s*[h:]\s*(\d{1,2})?))?$", re.IGNORECASE)


def parse_duration(text: object, field_name: str = "hours") -> int:
    """Hours written as a person would, to minutes: `17`, `17.5`, `17,5`, `17h30`, `17h`, `17:30` → 1050 for 17 h 30."""
    shown = str(text).strip()[:20]
    m = _DURATION.match(shown) if isinstance(text, str) else None
    if m is None:
        raise Invalid(f"field '{field_name}': '{shown}' is not a duration; write hours as 17, 17.5, 17h30 or 17:30")
    whole, decimals, mins = m.group(1), m.group(2), m.group(3)
    minutes = int(whole) * 60
    if decimals is not None:
        frac = int(decimals) * 60
        if frac % (10 ** len(decimals)):
            raise Invalid(f"field '{field_name}': {shown} hours is not a whole number of minutes; write 17h20 rather than 17.33")
        minutes += frac // 10 ** len(decimals)
    elif mins is not None:
        if int(mins) > 59:
            raise Invalid(f"field '{field_name}': '{shown}' has more than 59 minutes; write 18h10 rather than 17h70")
        minutes += int(mins)
    return minutes


def granted_minutes(hours: object, minutes: object) -> int:
    """A contract's grant from the API: whole `hours` or `minutes` (exactly one), positive and bounded."""
    if (hours is None) == (minutes is None):
        raise Invalid("give the contract's grant as one of 'hours' (whole hours) or 'minutes'")
    name, value = ("hours", hours) if hours is not None else ("minutes", minutes)
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"field '{name}' must be a whole number")
    total = value * 60 if name == "hours" else value
    if not 1 <= total <= MAX_CONTRACT_MINUTES:
        raise Invalid(f"field '{name}': a contract grants between 1 minute and {MAX_CONTRACT_MINUTES // 60} hours")
    return total


def hm(minutes: int) -> str:
    sign = "-" if minutes < 0 else ""
    m = abs(minutes)
    return f"{sign}{m // 60} h {m % 60:02d}"


# -- contract allocations -------------------------------------------------------------------


def _quarter_bounds(q: str) -> tuple[dt.date, dt.date]:
    year, n = int(q[:4]), int(q[-1])
    start = dt.date(year, 3 * n - 2, 1)
    end = dt.date(year + 1, 1, 1) if n == 4 else dt.date(year, 3 * n + 1, 1)
    return start, end - dt.timedelta(days=1)


def quarters(date_from: dt.date, date_to: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """The quarters a contract spans, each clipped to the contract's period."""
    out = []
    q = quarter_of(date_from)
    while True:
        start, end = _quarter_bounds(q)
        out.append((q, max(start, date_from), min(end, date_to)))
        if end >= date_to:
            return out
        nxt = end + dt.timedelta(days=1)
        q = quarter_of(nxt)


def allocation(
    date_from: dt.date, date_to: dt.date, minutes: int, moves: Iterable[tuple[str, str, int]] = ()
) -> dict[str, int]:
    """Minutes available per quarter: spread in proportion to days, then flexibility moves applied.

    The total never changes: a flexibility agreement moves minutes from one quarter to another.
    """
    qs = quarters(date_from, date_to)
    total_days = (date_to - date_from).days + 1
    alloc: dict[str, int] = {}
    given = 0
    for q, a, b in qs:
        share = minutes * ((b - a).days + 1) // total_days
        alloc[q] = share
        given += share
    alloc[qs[-1][0]] += minutes - given
    for src, dst, m in moves:
        alloc[src] = alloc.get(src, 0) - m
        alloc[dst] = alloc.get(dst, 0) + m
    return alloc


def granted_in(date_from: dt.date, date_to: dt.date, alloc: Mapping[str, int], start: dt.date, end: dt.date) -> int:
    """Minutes of a contract attributable to [start, end] (quarter allocations, pro rata by day)."""
    total = 0
    for q, a, b in quarters(date_from, date_to):
        lo, hi = max(a, start), min(b, end)
        if lo > hi:
            continue
        total += alloc.get(q, 0) * ((hi - lo).days + 1) // ((b - a).days + 1)
    return total


# -- entry checks ----------------------------------------------------------------------------


@dataclass(slots=True)
class ContractState:
    no: int
    row_id: int
    date_from: dt.date
    date_to: dt.date
    granted: int
    mode: str
    missing_parties: tuple[str, ...]
    alloc: dict[str, int]
    used: int = 0  # minutes of pending and validated entries
    used_by_quarter: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class PersonState:
    id: int
    contracts: list[ContractState]
    competences: dict[str, tuple[int, str]]  # label -> (level, family), from the latest profile
    day_minutes: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProjectState:
    id: int
    status: ProjectStatus
    coordinator_id: int | None


def check_minutes(minutes: object, where: str = "field 'minutes'") -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise Invalid(f"{where} must be a whole number of minutes")
    if minutes <= 0:
        raise Invalid(f"{where} must be positive (got {minutes}); a correction is `das entry correct`")
    if minutes > MAX_ENTRY_MINUTES:
        raise Invalid(f"{where}: {minutes} minutes is more than one entry can hold ({MAX_ENTRY_MINUTES} = 12 h)")
    return minutes


def check_entry(
    person: PersonState, project: ProjectState, when: dt.date, minutes: int, competence: str | None
) -> tuple[ContractState, tuple[str, int, str]]:
    """Decide whether an entry may be recorded; returns its contract and competence, or raises."""
    if project.status not in OPEN_STATUSES:
        if project.status is ProjectStatus.PROPOSED:
            raise Conflict(
                f"project {project.id} is only proposed: it takes entries once validated by the territorial "
                f"assembly (`das project validate {project.id} --decision ...`)"
            )
        raise Conflict(f"project {project.id} is closed: it takes no more entries")
    contract = next((c for c in person.contracts if c.date_from <= when <= c.date_to), None)
    if contract is None:
        spans = ", ".join(f"{c.date_from} to {c.date_to}" for c in person.contracts) or "none"
        raise Conflict(f"field 'date': {when} is outside this person's DAS contracts (contracts: {spans})")
    if contract.missing_parties:
        raise Conflict(
            f"contract {contract.no} does not bind yet: missing the acceptance of {', '.join(contract.missing_parties)}; each party "
            f"accepts it from their own account, or the office records the signed paper (`das contract accept {contract.no} --paper-consent REF`)"
        )
    key = when.isoformat()
    if person.day_minutes.get(key, 0) + minutes > MAX_DAY_MINUTES:
        raise Invalid(f"field 'minutes': this person's entries on {key} would exceed 24 hours")
    left = contract.granted - contract.used
    if minutes > left:
        raise Conflict(
            f"field 'minutes': {hm(minutes)} is beyond the contract's remaining hours "
            f"({hm(left)} left of {hm(contract.granted)} on contract {contract.no})"
        )
    if contract.mode == "spread":
        q = quarter_of(when)
        q_left = contract.alloc.get(q, 0) - contract.used_by_quarter.get(q, 0)
        if minutes > q_left:
            raise Conflict(
                f"field 'minutes': {hm(minutes)} is beyond what contract {contract.no} allows in {q} "
                f"({hm(max(q_left, 0))} left); a flexibility agreement (`das contract flex`) can move hours"
            )
    if competence:
        found = person.competences.get(competence)
        if found is None:
            raise Invalid("field 'competence': not in this person's agreed competence profile (`das person profile`)")
        comp = (competence, found[0], found[1])
    else:
        comp = GENERAL
    return contract, comp


def record_use(person: PersonState, contract: ContractState, when: dt.date, minutes: int) -> None:
    contract.used += minutes
    q = quarter_of(when)
    contract.used_by_quarter[q] = contract.used_by_quarter.get(q, 0) + minutes
    key = when.isoformat()
    person.day_minutes[key] = person.day_minutes.get(key, 0) + minutes


def parse_competence(text: str) -> dict[str, object]:
    """`LABEL_OR_ESCO_URI=LEVEL[,FAMILY]`, e.g. `repair=3,technical` or
    `http://data.europa.eu/esco/skill/...=2,care`."""
    label, sep, rest = text.rpartition("=")
    if not sep or not label.strip():
        raise Invalid(f"competence '{text[:60]}' is not LABEL=LEVEL[,FAMILY] (for example repair=3,technical)")
    level_s, _, family = rest.partition(",")
    try:
        level = int(level_s)
    except ValueError:
        raise Invalid(f"competence '{text[:60]}': the level is 1 to 4") from None
    return {"competence": label.strip(), "level": level, "family": family.strip() or "general"}
