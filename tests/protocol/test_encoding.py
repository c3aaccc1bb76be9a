"""The canonical msgpack profile: one encoding per value, and every deviation refused."""

from __future__ import annotations

import msgpack
import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol import encoding
from protocol.errors import EncodingError, ErrorCode

values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**64 - 1) | st.text(max_size=20) | st.binary(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@given(values)
def test_roundtrip_and_uniqueness(v: object) -> None:
    data = encoding.encode(v)
    back = encoding.decode(data)
    assert encoding.encode(back) == data


@given(st.dictionaries(st.text(min_size=1, max_size=6), st.integers(0, 9), min_size=2, max_size=6))
def test_key_order_is_by_utf8_bytes_and_unsorted_maps_are_refused(d: dict[str, int]) -> None:
    data = encoding.encode(d)
    assert list(encoding.decode(data)) == sorted(d, key=lambda k: k.encode())
    reversed_bytes = msgpack.packb(dict(sorted(d.items(), key=lambda kv: kv[0].encode(), reverse=True)))
    with pytest.raises(EncodingError) as exc:
        encoding.decode(reversed_bytes)
    assert exc.value.code is ErrorCode.NOT_CANONICAL


def _deep(n: int) -> object:
    v: object = 1
    for _ in range(n):
        v = [v]
    return v


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (msgpack.packb(1.5), ErrorCode.BAD_TYPE),  # floats
        (b"\xd0\x01", ErrorCode.NOT_CANONICAL),  # int8 where a fixint fits
        (b"\xd9\x01a", ErrorCode.NOT_CANONICAL),  # str8 where a fixstr fits
        (msgpack.packb({"a": 1}) + b"\x00", ErrorCode.MALFORMED),  # trailing byte
        (msgpack.packb({"a": "abc"})[:-1], ErrorCode.MALFORMED),  # truncated
        (msgpack.packb(_deep(17)), ErrorCode.TOO_DEEP),
        (b"\xd4\x01\x00", ErrorCode.BAD_TYPE),  # ext type
        (b"\x81\xa1m\xd6\xff\x00\x00\x00\x01", ErrorCode.BAD_TYPE),  # Timestamp (ext -1), decoded by msgpack itself
        (b"\x91\xd6\xff\x00\x00\x00\x01", ErrorCode.BAD_TYPE),  # Timestamp inside an array
        (b"\xd6\xff\x00\x00\x00\x01", ErrorCode.BAD_TYPE),  # Timestamp alone
        (msgpack.packb({1: 2}), ErrorCode.MALFORMED),  # non-text key
        (b"\xa2\xff\xfe", ErrorCode.MALFORMED),  # invalid UTF-8
    ],
)
def test_bad_bytes_are_refused_with_a_code(data: bytes, code: ErrorCode) -> None:
    with pytest.raises(EncodingError) as exc:
        encoding.decode(data)
    assert exc.value.code is code


def test_size_limit_is_checked_first() -> None:
    data = encoding.encode({"t": "x" * 100})
    assert encoding.decode(data, max_size=len(data)) == {"t": "x" * 100}
    with pytest.raises(EncodingError) as exc:
        encoding.decode(data, max_size=len(data) - 1)
    assert exc.value.code is ErrorCode.TOO_LARGE


def test_depth_limit_is_exactly_16() -> None:
    assert encoding.decode(encoding.encode(_deep(16))) == _deep(16)
    with pytest.raises(EncodingError):
        encoding.encode(_deep(17))


def test_encode_refuses_values_outside_the_profile() -> None:
    for bad in (1.0, {1: 2}, object(), 2**64):
        with pytest.raises(EncodingError):
            encoding.encode(bad)


def _objects(v: object) -> int:
    if isinstance(v, dict):
        return 1 + sum(1 + _objects(x) for x in v.values())
    if isinstance(v, list):
        return 1 + sum(_objects(x) for x in v)
    return 1


@given(values)
def test_the_object_count_scan_agrees_with_the_decoder(v: object) -> None:
    data = encoding.encode(v)
    assert encoding.count_objects(data, 10**9) == _objects(encoding.decode(data))


def test_a_message_far_denser_than_any_of_the_protocol_is_refused_before_decoding() -> None:
    """8 MB of empty maps would be 8 million dicts (600 MB): refused after a scan that builds nothing."""
    bomb = b"\xdd" + (8_000_000).to_bytes(4, "big") + b"\x80" * 8_000_000
    with pytest.raises(EncodingError) as exc:
        encoding.decode(bomb, 9_000_000)
    assert exc.value.code is ErrorCode.TOO_DENSE
    page = encoding.encode({"author": b"a" * 32, "records": [[b"r" * 300, b"s" * 64] for _ in range(1000)]})
    assert len(encoding.decode(page, 9_000_000)["records"]) == 1000  # a real page passes
