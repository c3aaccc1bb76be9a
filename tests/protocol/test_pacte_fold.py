"""The pure fold of pact records: the one transition table, the rules, determinism."""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol.errors import ProtocolError, RecordError, TransitionError
from protocol.kinds import schema_for
from protocol.pacte import TRANSITIONS, CommitmentState, Entry, Event, apply, fold, next_state

AUTHOR = bytes(32)


class Log:
    """Builds schema-valid pacte entries with distinct ids, the way a node's log would."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.n = itertools.count(1)

    def add(self, kind: str, **body: Any) -> bytes:
        schema_for(kind).validate(body)
        n = next(self.n)
        rid = hashlib.sha256(n.to_bytes(8, "big")).digest()
        self.entries.append(Entry(rid, 1_790_000_000_000 + n * 60_000, kind, body))
        return rid


def basic() -> tuple[Log, bytes, bytes, bytes]:
    log = Log()
    p = log.add("pacte.create", title="Pacte alimentaire", horizon=5, start_year=2026)
    log.add("pacte.partner", pacte=p, org="Biocoop", org_kind="company", since="2026-01-15")
    t = log.add(
        "pacte.taskforce",
        pacte=p,
        mission="Circuits courts",
        criteria=[{"kind": "environmental", "indicator": "local food", "unit": "%", "baseline": 10, "target": 50}],
        budget=[{"year": 2027, "source": "Région", "cents": 1_500_000}],
        members=["Biocoop"],
    )
    c = log.add("pacte.commitment", taskforce=t, partner="Biocoop", deliverable="50% local", due="2027-06-30")
    return log, p, t, c


def test_transition_table_names_state_and_event_for_every_illegal_move() -> None:
    for state, event in itertools.product(CommitmentState, Event):
        if (state, event) in TRANSITIONS:
            assert next_state(state, event.value) is TRANSITIONS[(state, event)]
        else:
            with pytest.raises(TransitionError) as exc:
                next_state(state, event.value)
            assert f"'{state}'" in exc.value.message and f"'{event}'" in exc.value.message
    with pytest.raises(TransitionError, match="'met' cannot move to 'proposed'"):
        next_state(CommitmentState.MET, "proposed")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([e.value for e in Event] + ["proposed"]), max_size=8))
def test_fold_follows_the_table_and_skips_illegal_moves(moves: list[str]) -> None:
    log, p, _, c = basic()
    expected = CommitmentState.PROPOSED
    legal = 0
    for to in moves:
        log.add("pacte.transition", commitment=c, to=to, by="secretariat")
        try:
            expected = next_state(expected, to)
            legal += 1
        except TransitionError:
            pass
    book, rejected = fold(AUTHOR, log.entries)
    commitment = book.pacts[p].commitments[c]
    assert commitment.state is expected
    assert len(commitment.transitions) == legal and len(rejected) == len(moves) - legal
    assert [t.to_state for t in commitment.transitions][-1:] == ([expected] if legal else [])


def test_fold_is_deterministic_and_a_refused_record_changes_nothing() -> None:
    log, p, t, c = basic()
    log.add("pacte.transition", commitment=c, to="accepted", by="Biocoop")
    a, _ = fold(AUTHOR, log.entries)
    b, _ = fold(AUTHOR, list(log.entries))
    assert a == b
    before = repr(a)
    bad = [
        Entry(
            bytes([1]) * 32,
            0,
            "pacte.commitment",
            {"taskforce": t, "partner": "Nobody Inc", "deliverable": "x", "due": "2027-01-01"},
        ),
        Entry(
            bytes([2]) * 32,
            0,
            "pacte.salary_share",
            {"pacte": p, "partner": "Biocoop", "year": 2026, "share_bp": 1100, "payroll_cents": 0},
        ),
        Entry(
            bytes([3]) * 32,
            0,
            "pacte.evaluation",
            {"pacte": p, "year": 2040, "taskforces": [], "assessment": "x", "published": False},
        ),
        Entry(bytes([4]) * 32, 0, "pacte.transition", {"commitment": c, "to": "proposed", "by": "x"}),
    ]
    for entry in bad:
        with pytest.raises(ProtocolError):
            apply(a, entry)
    assert repr(a) == before


def test_published_evaluation_is_frozen_and_drafts_are_replaced() -> None:
    log, p, t, _ = basic()
    line = {
        "taskforce": t,
        "measures": [{"indicator": "local food", "value": 30}],
        "met": 0,
        "missed": 0,
        "spent_cents": 0,
        "planned_cents": 1_500_000,
    }
    d1 = log.add("pacte.evaluation", pacte=p, year=2027, taskforces=[line], assessment="draft", published=False)
    pub = log.add("pacte.evaluation", pacte=p, year=2027, taskforces=[line], assessment="final", published=True)
    book, rejected = fold(AUTHOR, log.entries)
    assert not rejected and book.pacts[p].evaluations[2027].id == pub and d1 not in book.owner
    with pytest.raises(RecordError, match="published and frozen"):
        apply(
            book,
            Entry(
                bytes([9]) * 32,
                0,
                "pacte.evaluation",
                {"pacte": p, "year": 2027, "taskforces": [], "assessment": "edit", "published": False},
            ),
        )


def test_evidence_must_exist_and_belong_to_the_pact() -> None:
    log, p, t, c = basic()
    p2 = log.add("pacte.create", title="Autre pacte", horizon=3, start_year=2026)
    log.add("pacte.partner", pacte=p2, org="Biocoop", org_kind="company", since="2026-01-15")
    book, _ = fold(AUTHOR, log.entries)
    from protocol.pacte import check_evidence

    with pytest.raises(RecordError, match="belongs to another pact"):
        check_evidence(book, book.pacts[p2], "Biocoop", [c])
    with pytest.raises(RecordError, match="not a commitment or evaluation"):
        check_evidence(book, book.pacts[p], "Biocoop", [bytes([7]) * 32])
    with pytest.raises(RecordError, match="not met"):
        check_evidence(book, book.pacts[p], "Biocoop", [c])
    assert t in book.pacts[p].taskforces


def test_salary_shares_give_the_total_injected_per_year() -> None:
    log, p, _, _ = basic()
    log.add("pacte.partner", pacte=p, org="Mairie", org_kind="public", since="2026-02-01")
    log.add("pacte.salary_share", pacte=p, partner="Biocoop", year=2026, share_bp=800, payroll_cents=10_000_000)
    log.add("pacte.salary_share", pacte=p, partner="Mairie", year=2026, share_bp=1000, payroll_cents=5_000_000)
    log.add("pacte.salary_share", pacte=p, partner="Biocoop", year=2026, share_bp=750, payroll_cents=10_000_000)  # replaces 8%
    log.add("pacte.salary_share", pacte=p, partner="Biocoop", year=2027, share_bp=500, payroll_cents=12_000_000)
    book, rejected = fold(AUTHOR, log.entries)
    assert not rejected
    assert book.pacts[p].injected_by_year() == {2026: 750_000 + 500_000, 2027: 600_000}


@pytest.mark.parametrize("credential", ["[" * 2000 + "]" * 2000, '{"a":' * 40 + "1" + "}" * 40, "{not json"])
def test_a_credential_nested_too_deep_or_not_json_is_a_rejected_record_not_a_crash(credential: str) -> None:
    """One member's certificate must not break the fold (and the pacte routes) on every node holding it."""
    log = Log()
    p = log.add("pacte.create", title="Pacte alimentaire", horizon=5, start_year=2026)
    log.add("pacte.partner", pacte=p, org="Biocoop", org_kind="company", since="2026-01-15")
    ev = log.add("pacte.evaluation", pacte=p, year=2026, taskforces=[], assessment="final", published=True)
    cert = log.add(
        "pacte.certificate",
        pacte=p,
        org="Biocoop",
        evidence=[ev],
        valid_from="2026-06-01",
        valid_until="2027-06-01",
        credential=credential,
    )
    book, rejected = fold(AUTHOR, log.entries)
    assert [rid for rid, _ in rejected] == [cert] and "credential does not verify" in rejected[0][1]
    assert not book.pacts[p].certificates and ev in book.owner


def test_credential_depth_scan_ignores_brackets_inside_strings() -> None:
    from protocol.credential import CredentialError, parse

    assert parse('{"a": "' + "[" * 100 + '\\"' + "{" * 100 + '"}') == {"a": "[" * 100 + '"' + "{" * 100}
    assert isinstance(parse("[" * 32 + "]" * 32), list)
    with pytest.raises(CredentialError, match="more than 32"):
        parse("[" * 33 + "]" * 33)
