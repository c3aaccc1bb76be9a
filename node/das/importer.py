"""Bulk CSV import: employers, persons, contracts or activity entries, all or nothing.

The file's header names its type (or `kind` says it). Every line is checked with the same rules
as the single-item commands before anything is written; then everything is inserted in one
transaction with batched `executemany`. Any error (unknown person or project, absurd minutes,
a date outside the contract, a duplicated line, a wrong column) names its line and field, and
nothing is written.

An import is the office's act: entries record the importing account as who recorded them (and as
who decided them when `validated_by` names the project's coordinator, who validated on paper);
contracts bind only with a `paper_consent` column naming the signed paper, else they wait for
each party's acceptance like `das contract add`.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import hashlib
import io
import itertools
import secrets
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from node.accounts.principal import Principal
from node.das import rules
from node.das.persons import new_local_id
from node.das.programme import contract_state
from node.das.service import DasService
from node.errors import Invalid, NodeError
from node.storage import das_persons, das_programme
from node.storage.db import Writer
from protocol.das import SALT_BYTES

KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {  # kind: (required, optional)
    "employers": (("name", "kind"), ()),
    "persons": (("pseudonym", "status"), ("employer", "name", "local_id")),
    "contracts": (("person", "hours", "from", "to"), ("mode", "employer", "paper_consent")),
    "entries": (("person", "project", "date", "minutes"), ("competence", "validated_by", "note")),
}
MAX_ERRORS = 20
CHUNK = 50_000


class ImportRefused(Invalid):
    def __init__(self, errors: list[str], more: int) -> None:
        text = "; ".join(errors) + (f"; and {more} more" if more else "")
        super().__init__(f"import refused, nothing written: {text}")
        self.errors = errors
        self.more = more


@dataclass
class Outcome:
    kind: str = ""
    lines: int = 0
    errors: list[str] = field(default_factory=list)
    more: int = 0
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    extra: list[tuple[Any, ...]] = field(default_factory=list)

    def fail(self, line: int, what: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(f"line {line}: {what}")
        else:
            self.more += 1


def detect(header: list[str], kind: str | None) -> tuple[str, list[str]]:
    cols = [h.strip().lower() for h in header]
    if len(set(cols)) != len(cols):
        dup = next(c for c in cols if cols.count(c) > 1)
        raise Invalid(f"line 1: column '{dup[:40]}' appears twice")
    if kind is None:
        for name, (req, _opt) in KINDS.items():
            if set(req) <= set(cols):
                kind = name
                break
    if kind is None or kind not in KINDS:
        known = "; ".join(f"{k}: {','.join(r)}" for k, (r, _) in KINDS.items())
        raise Invalid(f"line 1: the header names no known file type (columns needed — {known})")
    req, opt = KINDS[kind]
    for c in cols:
        if c not in req and c not in opt:
            raise Invalid(
                f"line 1: unknown column '{c[:40]}' in a {kind} file; columns are {', '.join(req)}"
                + (f" and optionally {', '.join(opt)}" if opt else "")
            )
    missing = [c for c in req if c not in cols]
    if missing:
        raise Invalid(f"line 1: a {kind} file needs the column '{missing[0]}'")
    return kind, cols


def _import_key(*parts: Any) -> int:
    h = hashlib.blake2b("\x1f".join(str(p) for p in parts).encode(), digest_size=8).digest()
    return int.from_bytes(h, "big", signed=True)


def _err(exc: Exception) -> str:
    return exc.message if isinstance(exc, NodeError) else str(exc)


async def run_import(svc: DasService, text: str, kind: str | None, who: Principal) -> AsyncIterator[dict[str, Any]]:
    """Yields progress events ({"progress", "total", "phase"}) then one {"report": ...}.

    Lines are checked and inserted chunk by chunk inside one write transaction: after the first
    error nothing more is inserted, the remaining lines are still checked (to report up to 20
    errors at once), and the transaction is rolled back: nothing is written.
    """
    t0 = time.perf_counter()
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or not any(c.strip() for c in header):
        raise Invalid("line 1: the file is empty (it needs a header line)")
    kind, cols = detect(header, kind)
    total = max(text.count("\n") - 1 + (0 if text.endswith("\n") else 1), 0)
    yield {"progress": 0, "total": total, "phase": "import"}
    now = svc.ctx.now()
    today = svc.ctx.today().isoformat()
    out = Outcome(kind=kind)
    idx = {c: i for i, c in enumerate(cols)}
    width = len(cols)
    imported = 0
    async with svc.ctx.db.write() as w:
        await das_programme.bulk_mode(w)
        check = await _checker(w, kind, idx, now, today, out, who)
        line = 1
        while True:
            chunk = list(itertools.islice(reader, CHUNK))
            if not chunk:
                break
            first = line + 1
            line += len(chunk)
            # checking is CPU work: off the event loop, so the node keeps answering during an import
            await asyncio.to_thread(_check_chunk, check, chunk, first, width, out)
            out.lines += len(chunk)
            if not out.errors:
                await _insert(w, kind, out, now)
                imported += len(out.rows)
            out.rows.clear()
            out.extra.clear()
            yield {"progress": line - 1, "total": max(total, line - 1), "phase": "import"}
        if out.errors:
            raise ImportRefused(out.errors, out.more)
    secs = time.perf_counter() - t0
    yield {"report": {"kind": kind, "lines": out.lines, "imported": imported, "seconds": round(secs, 3),
                      "per_second": int(imported / secs) if secs > 0 else 0}}


async def _checker(w: Writer, kind: str, idx: dict[str, int], now: int, today: str, out: Outcome,
                   who: Principal) -> Callable[[int, list[str]], None]:
    if kind == "entries":
        return await _entries_checker(w, idx, now, out, who)
    if kind == "persons":
        return await _persons_checker(w, idx, now, out)
    if kind == "employers":
        return await _employers_checker(w, idx, now, out)
    return await _contracts_checker(w, idx, now, today, out, who)


def _check_chunk(check: Callable[[int, list[str]], None], chunk: list[list[str]], first: int, width: int, out: Outcome) -> None:
    """Check lines `first`.. of the file; every error is kept in `out` (blank lines are skipped)."""
    for i, row in enumerate(chunk):
        if len(row) != width:
            if not any(c.strip() for c in row):
                continue
            out.fail(first + i, f"{len(row)} values for {width} columns")
            continue
        try:
            check(first + i, row)
        except (NodeError, ValueError) as exc:
            out.fail(first + i, _err(exc))


async def _insert(w: Writer, kind: str, out: Outcome, now: int) -> None:
    if kind == "entries":
        await das_programme.insert_entries(w, out.rows)
    elif kind == "persons":
        await das_persons.insert_persons(w, out.rows)
    elif kind == "employers":
        for name, k in out.rows:
            await das_persons.insert_employer(w, name, k, now)
    else:
        await das_persons.insert_contracts(w, out.rows)
        await das_persons.accept_many(w, out.extra)


async def _entries_checker(w: Writer, idx: dict[str, int], now: int, out: Outcome, who: Principal) -> Callable[[int, list[str]], None]:
    people = await das_persons.person_ids(w, with_local_ids=True)
    projects = await das_programme.project_states(w)
    holders = await das_programme.project_holders(w)
    keys = await das_programme.import_keys(w)
    states = await _person_states(w, {pid for pid, _status, _emp in people.values()})
    seen: dict[int, int] = {}
    dates: dict[str, dt.date] = {}
    i_person, i_project, i_date, i_min = idx["person"], idx["project"], idx["date"], idx["minutes"]
    i_comp, i_by, i_note = idx.get("competence"), idx.get("validated_by"), idx.get("note")
    pstates = {pid: rules.ProjectState(pid, rules.ProjectStatus(st), coord) for pid, (st, coord) in projects.items()}
    acct, role = who.account_id, str(who.role)

    def check(line: int, row: list[str]) -> None:
        ref = row[i_person].strip()
        person = people.get(ref)
        if person is None:
            raise Invalid("field 'person': no person with this pseudonym")
        try:
            proj = pstates[int(row[i_project])]
        except (KeyError, ValueError):
            raise Invalid(f"field 'project': no project '{row[i_project][:20]}'") from None
        if holders.get(proj.id, person[0]) != person[0]:
            raise Invalid(f"field 'project': project {proj.id} is an individual project: only its holder records time on it")
        d = row[i_date].strip()
        when = dates.get(d)
        if when is None:
            when = dates[d] = rules.day(d, "date")
        try:
            minutes = int(row[i_min])
        except ValueError:
            raise Invalid("field 'minutes': not a whole number") from None
        rules.check_minutes(minutes)
        comp = row[i_comp].strip() if i_comp is not None else ""
        key = _import_key(person[0], proj.id, d, minutes, comp)
        if key in seen:
            raise Invalid(f"duplicates line {seen[key]} (same person, project, date, minutes and competence)")
        if key in keys:
            raise Invalid("duplicates an entry already imported (same person, project, date, minutes and competence)")
        state = states[person[0]]
        contract, (c_label, level, family) = rules.check_entry(state, proj, when, minutes, comp or None)
        by = _validator(people, row[i_by].strip() if i_by is not None else "", proj, person[0])
        status, at = ("validated", now) if by is not None else ("pending", None)
        seen[key] = line
        rules.record_use(state, contract, when, minutes)
        note = row[i_note][:500] if i_note is not None else ""
        out.rows.append((person[0], proj.id, contract.no, d, minutes, c_label, level, family, status, by, at, None, note, key, now,
                         acct, role, acct if by is not None else None, role if by is not None else None))

    return check


async def _person_states(w: Writer, pids: set[int]) -> dict[int, rules.PersonState]:
    """Every person's contracts, competences and minutes per day, as the entry rules check them."""
    contracts = await das_persons.contracts(w)
    moves = await das_persons.flex(w)
    used = await das_persons.usage(w)
    comps = await das_persons.latest_competences(w)
    states = {pid: rules.PersonState(pid, [], comps.get(pid, {})) for pid in pids}
    for c in contracts:
        st = states.get(c.person_id)
        if st is not None:
            st.contracts.append(contract_state(c, moves.get(c.contract_no, []), used.get(c.contract_no, {})))
    for (pid, d), m in (await das_persons.day_minutes(w)).items():
        if pid in states:
            states[pid].day_minutes[d] = m
    return states


def _validator(people: dict[str, tuple[int, str, int | None]], ref: str, proj: rules.ProjectState, person_id: int) -> int | None:
    """The coordinator named in `validated_by` (None: the entry stays pending), checked like `das entry validate`."""
    if not ref:
        return None
    validator = people.get(ref)
    if validator is None or validator[0] != proj.coordinator_id:
        raise Invalid(f"field 'validated_by': not the coordinator of project {proj.id}")
    if validator[0] == person_id:
        raise Invalid("field 'validated_by': a coordinator cannot validate their own entries")
    return validator[0]


async def _persons_checker(w: Writer, idx: dict[str, int], now: int, out: Outcome) -> Callable[[int, list[str]], None]:
    people = await das_persons.person_ids(w)
    lids = await das_persons.local_ids(w)
    emps = await das_persons.employer_ids(w)
    seen: dict[str, int] = {}
    seen_lid: dict[str, int] = {}
    i_emp, i_name, i_lid = idx.get("employer"), idx.get("name"), idx.get("local_id")

    def check(line: int, row: list[str]) -> None:
        pseud = row[idx["pseudonym"]].strip()
        if not pseud or len(pseud) > 100:
            raise Invalid("field 'pseudonym': 1 to 100 characters")
        if pseud in seen:
            raise Invalid(f"field 'pseudonym': duplicates line {seen[pseud]}")
        if pseud in people:
            raise Invalid("field 'pseudonym': already used by a person of this node")
        status = row[idx["status"]].strip()
        if status not in rules.STATUSES:
            raise Invalid(f"field 'status': '{status[:30]}' is not one of {', '.join(rules.STATUSES)}")
        emp = row[i_emp].strip() if i_emp is not None else ""
        eid = None
        if emp:
            eid = emps.get(emp)
            if eid is None:
                raise Invalid(f"field 'employer': no employer '{emp[:60]}'")
        name = row[i_name].strip()[:200] or None if i_name is not None else None
        lid = row[i_lid].strip() if i_lid is not None else ""
        if lid:
            if lid in seen_lid:
                raise Invalid(f"field 'local_id': duplicates line {seen_lid[lid]}")
            if lid in lids or lid in people:
                raise Invalid("field 'local_id': already used by a person of this node")
        else:
            lid = new_local_id()
            while lid in lids or lid in seen_lid:
                lid = new_local_id()
        seen[pseud] = line
        seen_lid[lid] = line
        out.rows.append((lid, pseud, name, status, eid, secrets.token_bytes(SALT_BYTES), now))

    return check


async def _employers_checker(w: Writer, idx: dict[str, int], now: int, out: Outcome) -> Callable[[int, list[str]], None]:
    emps = await das_persons.employer_ids(w)
    seen: dict[str, int] = {}

    def check(line: int, row: list[str]) -> None:
        name, kind = row[idx["name"]].strip(), row[idx["kind"]].strip()
        if not name or len(name) > 200:
            raise Invalid("field 'name': 1 to 200 characters")
        if name in seen:
            raise Invalid(f"field 'name': duplicates line {seen[name]}")
        if name in emps:
            raise Invalid("field 'name': this employer already exists")
        if kind not in rules.EMPLOYER_KINDS:
            raise Invalid("field 'kind': private or public")
        seen[name] = line
        out.rows.append((name, kind))

    return check


async def _contracts_checker(w: Writer, idx: dict[str, int], now: int, today: str, out: Outcome,
                             who: Principal) -> Callable[[int, list[str]], None]:
    people = await das_persons.person_ids(w, with_local_ids=True)
    emps = await das_persons.employer_ids(w)
    spans: dict[int, list[tuple[str, str, int]]] = {}
    for c in await das_persons.contracts(w):
        spans.setdefault(c.person_id, []).append((c.date_from, c.date_to, c.contract_no))
    next_no = await das_persons.next_contract_no(w)
    next_id = await das_persons.next_contract_row(w)
    i_mode, i_emp, i_paper = idx.get("mode"), idx.get("employer"), idx.get("paper_consent")
    state = {"no": next_no, "id": next_id}

    def check(line: int, row: list[str]) -> None:
        person = people.get(row[idx["person"]].strip())
        if person is None:
            raise Invalid("field 'person': no person with this pseudonym")
        minutes = rules.parse_duration(row[idx["hours"]])
        if not 1 <= minutes <= rules.MAX_HOURS_PER_YEAR * 60:
            raise Invalid(f"field 'hours': 1 to {rules.MAX_HOURS_PER_YEAR}")
        d0, d1 = rules.day(row[idx["from"]].strip(), "from"), rules.day(row[idx["to"]].strip(), "to")
        rules.contract_dates(d0, d1, dt.date.fromisoformat(today))
        mode = (row[i_mode].strip() if i_mode is not None else "") or "spread"
        if mode not in rules.MODES:
            raise Invalid("field 'mode': spread or leave")
        eid = person[2]
        if i_emp is not None and row[i_emp].strip():
            eid = emps.get(row[i_emp].strip())
            if eid is None:
                raise Invalid("field 'employer': no such employer")
        a, b = d0.isoformat(), d1.isoformat()
        for f, t, no in spans.get(person[0], []):
            if f <= b and t >= a:
                raise Invalid(f"field 'from': overlaps contract {no} of this person" if no > 0 else f"field 'from': overlaps line {-no}")
        spans.setdefault(person[0], []).append((a, b, -line))
        cid, no = state["id"], state["no"]
        state["id"] += 1
        state["no"] += 1
        out.rows.append((cid, no, 1, person[0], eid, a, b, minutes, mode, 420, "import", now))
        ref = row[i_paper].strip() if i_paper is not None else ""
        if len(ref) > 200:
            raise Invalid("field 'paper_consent': the signed paper's reference, at most 200 characters")
        if ref:
            out.extra += [(cid, party, today, who.account_id, str(who.role), ref) for party in rules.required_parties(eid is not None)]

    return check
