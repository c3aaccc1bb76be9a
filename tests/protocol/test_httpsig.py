"""Signed peer requests: tampering, staleness and replays are refused with distinct codes."""

from __future__ import annotations

import pytest

from protocol.errors import ErrorCode, RequestAuthError
from protocol.httpsig import NonceWindow, sign_request, verify_request
from protocol.identity import Identity

ME = Identity(bytes([3]) * 32)
NOW = 1_800_000_000_000


def test_valid_request_verifies_and_names_its_key() -> None:
    h = sign_request(ME, "POST", "/fed/v1/heads", b"\x80", NOW, b"n" * 16)
    assert verify_request(h, "POST", "/fed/v1/heads", b"\x80", NOW + 5).key == ME.public_key


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("GET", "/fed/v1/heads", b"\x80"), ("POST", "/fed/v1/records", b"\x80"), ("POST", "/fed/v1/heads", b"\x81")],
)
def test_any_changed_part_breaks_the_signature(method: str, path: str, body: bytes) -> None:
    h = sign_request(ME, "POST", "/fed/v1/heads", b"\x80", NOW, b"n" * 16)
    with pytest.raises(RequestAuthError) as exc:
        verify_request(h, method, path, body, NOW)
    assert exc.value.code is ErrorCode.BAD_REQUEST_SIGNATURE


def test_stale_and_future_requests_are_refused() -> None:
    h = sign_request(ME, "POST", "/p", b"", NOW, b"n" * 16)
    for now in (NOW + 61_000, NOW - 61_000):
        with pytest.raises(RequestAuthError) as exc:
            verify_request(h, "POST", "/p", b"", now)
        assert exc.value.code is ErrorCode.STALE_REQUEST


def test_replay_is_refused_and_old_nonces_are_forgotten() -> None:
    window = NonceWindow(window_ms=60_000)
    h = sign_request(ME, "POST", "/p", b"", NOW, b"n" * 16)
    window.check_and_remember(verify_request(h, "POST", "/p", b"", NOW), NOW)
    with pytest.raises(RequestAuthError) as exc:
        window.check_and_remember(verify_request(h, "POST", "/p", b"", NOW + 1), NOW + 1)
    assert exc.value.code is ErrorCode.REPLAYED_REQUEST
    other = sign_request(ME, "POST", "/p", b"", NOW + 200_000, b"m" * 16)
    window.check_and_remember(verify_request(other, "POST", "/p", b"", NOW + 200_000), NOW + 200_000)
    assert len(window._seen) == 1


def test_missing_headers_name_the_fix() -> None:
    with pytest.raises(RequestAuthError, match="not signed"):
        verify_request({}, "POST", "/p", b"", NOW)
