"""Property tests of the reconciliation state machine: both sides learn exactly the difference."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol.errors import ProtocolError
from protocol.reconcile import Item, Reconciler, run_local


def item(n: int, version: int = 0) -> Item:
    return Item(hashlib.sha256(n.to_bytes(4, "big")).digest(), version.to_bytes(2, "big"))


sets = st.dictionaries(st.integers(0, 400), st.integers(0, 3), max_size=300)


@settings(max_examples=150, deadline=None)
@given(sets, sets, st.integers(2, 16), st.integers(1, 20))
def test_both_sides_learn_exactly_the_difference(a: dict[int, int], b: dict[int, int], branch: int, leaf: int) -> None:
    ia = {item(k, v) for k, v in a.items()}
    ib = {item(k, v) for k, v in b.items()}
    ra, rb = Reconciler(list(ia), branch, leaf), Reconciler(list(ib), branch, leaf)
    run_local(ra, rb)
    assert set(ra.have.values()) == ia - ib
    assert set(ra.need.values()) == ib - ia
    assert set(rb.have.values()) == ib - ia
    assert set(rb.need.values()) == ia - ib


def test_identical_sets_settle_in_one_small_exchange() -> None:
    items = [item(i) for i in range(10_000)]
    ex = run_local(Reconciler(items), Reconciler(list(reversed(items))))
    assert ex.round_trips == 1 and ex.bytes < 200


def test_cost_grows_with_differences_not_size() -> None:
    base = [item(i) for i in range(10_000)]
    changed = base[:]
    for i in range(0, 10_000, 1000):
        changed[i] = item(i, 1)
    ex = run_local(Reconciler(base), Reconciler(changed))
    assert ex.bytes <= 4096
    full = 10_000 * 40
    assert ex.bytes * 50 < full


@pytest.mark.parametrize("garbage", [b"\x01", b"\x91\x93\xc0\x07\xc0", b"\x91\x93\xc4\x01a\x01\xc4\x01a", b"\x92\x93\xc4\x01b\x00\xc0\x93\xc4\x01a\x00\xc0"])
def test_malformed_messages_are_refused(garbage: bytes) -> None:
    with pytest.raises(ProtocolError):
        Reconciler([item(1)]).receive(garbage)


def test_the_densest_messages_pass_the_decoders_density_bound() -> None:
    """A thousand differences in 10,000 heads: the largest reconciliation messages of the protocol
    (tens of KiB of small ranges) stay under encoding's density bound."""
    base = [item(i) for i in range(10_000)]
    changed = base[:]
    for i in range(0, 10_000, 10):
        changed[i] = item(i, 1)
    ra, rb = Reconciler(base), Reconciler(changed)
    run_local(ra, rb)  # every message is decoded by `encoding.decode`, density bound included
    assert len(ra.need) == 1000 and len(rb.need) == 1000
