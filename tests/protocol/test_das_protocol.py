"""Pure DAS protocol: periods, salted commitments, k-anonymous cells, disclosures verified offline."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol import das, encoding, merkle
from protocol.errors import ProofError, ProtocolError, RecordError
from protocol.identity import Identity
from protocol.network import OPEN_NETWORK_ID
from protocol.record import GENESIS_PREV, Record, sign_record


def test_periods() -> None:
    q = das.parse_period("2026-Q1")
    assert (q.start, q.end, q.kind) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31), "quarter")
    assert das.parse_period("2028-02").end == dt.date(2028, 2, 29)
    assert das.parse_period("2026").end == dt.date(2026, 12, 31)
    for bad in ("2026-Q5", "2026-13", "26-Q1", "2026-1", "", "2026-Q1x"):
        with pytest.raises(RecordError):
            das.parse_period(bad)
    assert das.quarter_of(dt.date(2026, 12, 31)) == "2026-Q4"


def test_cells_are_suppressed_under_k_and_complementary() -> None:
    assert das.cell(4, 5, minutes=10) == {"suppressed": True}
    assert das.cell(5, 5, minutes=10) == {"persons": 5, "minutes": 10}
    raw = {"a": 20, "b": 12, "c": 3}
    cells = {n: das.cell(v, 10) for n, v in raw.items()}
    das.suppress_group(cells, raw, total_published=True, k=10)
    # c alone hidden would be total - a - b: the smallest shown cell (b) is hidden too
    assert cells == {"a": {"persons": 20}, "b": {"suppressed": True}, "c": {"suppressed": True}}


def test_sensitive_categories_are_generic() -> None:
    assert das.public_category(12, None) == "sdg-12"
    for theme in ("union", "religious", "political", "health"):
        assert das.public_category(3, theme) == "generic"
    assert das.public_category(3, "environment") == "sdg-3"


def _summary_body(root: bytes, size: int = 16) -> dict:
    return {
        "period": "2026-Q1", "k": 10, "currency": "local", "persons": {"persons": 12}, "by_status": {},
        "contracts": {"persons": 12, "contracts": 12}, "granted": {"suppressed": True}, "given": {"suppressed": True},
        "by_category": {}, "by_family": {}, "credited": {"suppressed": True}, "employers": {"suppressed": True},
        "statements": size, "statements_root": root,
    }


def test_check_summary_refuses_small_cells_and_low_k() -> None:
    body = _summary_body(bytes(32))
    das.check_summary(body)
    with pytest.raises(RecordError, match="fewer than k"):
        das.check_summary({**body, "by_status": {"student": {"persons": 3}}})
    with pytest.raises(RecordError, match="at least 5"):
        das.check_summary({**body, "k": 3})
    with pytest.raises(RecordError, match="carries values"):
        das.check_summary({**body, "given": {"suppressed": True, "minutes": 4}})


def _publish(identity: Identity, body: dict) -> tuple[bytes, bytes]:
    rec = Record(1, OPEN_NETWORK_ID, identity.public_key, 1, GENESIS_PREV, 1_700_000_000_000, "das.summary", body)
    signed = sign_record(identity, rec)
    return signed.raw, signed.sig


def _tree(n_real: int) -> tuple[list[bytes], list[tuple[bytes, bytes]], int]:
    stmts = []
    for i in range(n_real):
        raw = encoding.encode({"v": 1, "number": i + 1, "period": "2026-Q1", "minutes": 60 * i, "cents": 1000 * i})
        stmts.append((raw, secrets.token_bytes(32)))
    size = das.padded_size(n_real)
    leaves = [das.statement_leaf(salt, raw) for raw, salt in stmts] + [secrets.token_bytes(32) for _ in range(size - n_real)]
    return leaves, stmts, size


def test_disclosure_verifies_offline_and_tampering_fails() -> None:
    ident = Identity(bytes(range(32)))
    leaves, stmts, size = _tree(5)
    order = sorted(range(size), key=lambda i: leaves[i])
    sorted_leaves = [leaves[i] for i in order]
    raw_s, sig_s = _publish(ident, _summary_body(merkle.root_of(sorted_leaves), size))
    index = order.index(2)
    proof = merkle.inclusion_proof(index, size, das.tree_nodes(sorted_leaves))
    doc = das.make_disclosure(raw_s, sig_s, stmts[2][0], stmts[2][1], index, size, proof)
    v = das.verify_disclosure(doc, ident.public_key)
    assert v.statement["number"] == 3 and v.period == "2026-Q1"
    assert das.verify_disclosure(doc).author == ident.public_key  # without a key: the record's own author
    # another statement's content, a wrong salt, a wrong index, another signer: all refused
    other = dict(doc, statement=stmts[1][0].hex())
    with pytest.raises(ProofError):
        das.verify_disclosure(other)
    with pytest.raises(ProofError):
        das.verify_disclosure(dict(doc, salt=secrets.token_bytes(32).hex()))
    with pytest.raises(ProofError):
        das.verify_disclosure(dict(doc, index=(index + 1) % size))
    with pytest.raises(ProtocolError):
        das.verify_disclosure(doc, Identity(bytes(32)).public_key)
    with pytest.raises(ProofError):
        das.verify_disclosure({"format": "nope"})


@given(st.integers(min_value=0, max_value=300))
def test_padded_size_hides_small_counts(n: int) -> None:
    size = das.padded_size(n)
    assert size >= max(n, das.MIN_TREE) and size & (size - 1) == 0 and (size == das.MIN_TREE or size < 2 * n)


def test_two_small_hidden_cells_are_not_a_subtraction_away() -> None:
    # the review's case: 50 + 2 + 1 = 53 published would reveal a group of 3 (students + retired)
    raw = {"employee": 50, "student": 2, "retired": 1}
    cells = {n: das.cell(v, 5) for n, v in raw.items()}
    das.suppress_group(cells, raw, total_published=True, k=5)
    assert all(c == {"suppressed": True} for c in cells.values())
    raw = {"employee": 50, "volunteer": 8, "student": 2, "retired": 1}
    cells = {n: das.cell(v, 5) for n, v in raw.items()}
    das.suppress_group(cells, raw, total_published=True, k=5)
    assert cells["employee"] == {"persons": 50} and cells["volunteer"] == {"suppressed": True}


def test_a_person_in_two_hidden_cells_counts_once() -> None:
    members = {"a": frozenset(range(100, 130)), "b": frozenset({1, 2, 3}), "c": frozenset({1, 2, 3}), "d": frozenset(range(10, 20))}
    raw = {n: len(m) for n, m in members.items()}
    cells = {n: das.cell(v, 5) for n, v in raw.items()}
    das.suppress_group(cells, raw, total_published=True, k=5, members=members)
    # b and c sum to 6 but are the same 3 persons: d is hidden too
    assert cells["d"] == {"suppressed": True} and cells["a"] == {"persons": 30}


@given(
    st.dictionaries(st.sampled_from(["a", "b", "c", "d", "e", "f", "g"]), st.integers(min_value=1, max_value=40), min_size=1),
    st.integers(min_value=das.MIN_K, max_value=12),
)
def test_hidden_cells_of_a_published_total_count_at_least_k(raw: dict[str, int], k: int) -> None:
    total = sum(raw.values())
    total_published = total >= k
    cells = {n: das.cell(v, k, minutes=7 * v) for n, v in raw.items()}
    das.suppress_group(cells, raw, total_published, k=k)
    hidden = [n for n, c in cells.items() if c.get("suppressed")]
    shown = [n for n in cells if n not in hidden]
    assert all(cells[n]["persons"] == raw[n] >= k for n in shown)
    assert all(cells[n] == {"suppressed": True} for n in raw if raw[n] < k)
    if total_published and hidden:
        # what a reader derives, total - shown cells, is a group of at least k persons...
        derived = total - sum(cells[n]["persons"] for n in shown)
        assert derived >= k
        # ...and never one hidden cell on its own
        assert len(hidden) >= 2


@given(
    st.dictionaries(
        st.sampled_from(["x", "y", "z", "w", "v"]),
        st.dictionaries(st.integers(min_value=0, max_value=15), st.integers(min_value=1, max_value=90), min_size=1),
        min_size=1,
    ),
    st.integers(min_value=das.MIN_K, max_value=8),
)
def test_overlapping_groups_hide_at_least_k_distinct_persons(src: dict[str, dict[int, int]], k: int) -> None:
    members = {n: frozenset(per) for n, per in src.items()}
    raw = {n: len(m) for n, m in members.items()}
    givers = frozenset().union(*members.values())
    cells = {n: das.cell(raw[n], k, minutes=sum(per.values())) for n, per in src.items()}
    das.suppress_group(cells, raw, len(givers) >= k, k=k, members=members)
    hidden = [n for n, c in cells.items() if c.get("suppressed")]
    if len(givers) >= k and hidden:
        # the hidden minutes (total - shown) come from at least k distinct persons
        assert len(frozenset().union(*(members[n] for n in hidden))) >= k
