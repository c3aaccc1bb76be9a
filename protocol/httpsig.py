"""Signed peer requests, in the spirit of HTTP Message Signatures (RFC 9421).

The caller signs (method, path, SHA-256 of the body, timestamp, nonce) with its node key. The
receiver checks freshness against a clock reading it is given and remembers nonces for the
freshness window, so a captured request cannot be replayed.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field

from protocol import encoding
from protocol.errors import ErrorCode, RequestAuthError, SignatureError
from protocol.identity import Domain, Identity, verify

HEADER_KEY = "X-Democite-Key"
HEADER_TS = "X-Democite-Timestamp"
HEADER_NONCE = "X-Democite-Nonce"
HEADER_SIG = "X-Democite-Signature"
# on every peer answer: the answering node's clock (ms), so callers can see how far apart clocks are
HEADER_TIME = "X-Democite-Time"
DEFAULT_SKEW_MS = 60_000


def _base(method: str, path: str, body: bytes, ts: int, nonce: bytes, key: bytes) -> bytes:
    return encoding.encode(
        {"b": hashlib.sha256(body).digest(), "k": key, "m": method.upper(), "n": nonce, "p": path, "t": ts}
    )


def sign_request(identity: Identity, method: str, path: str, body: bytes, now_ms: int, nonce: bytes) -> dict[str, str]:
    sig = identity.sign(Domain.REQUEST, _base(method, path, body, now_ms, nonce, identity.public_key))
    return {
        HEADER_KEY: identity.public_key.hex(),
        HEADER_TS: str(now_ms),
        HEADER_NONCE: nonce.hex(),
        HEADER_SIG: sig.hex(),
    }


@dataclass(frozen=True, slots=True)
class SignedRequest:
    key: bytes
    ts: int
    nonce: bytes


def verify_request(
    headers: dict[str, str], method: str, path: str, body: bytes, now_ms: int, skew_ms: int = DEFAULT_SKEW_MS
) -> SignedRequest:
    try:
        key = bytes.fromhex(headers[HEADER_KEY])
        ts = int(headers[HEADER_TS])
        nonce = bytes.fromhex(headers[HEADER_NONCE])
        sig = bytes.fromhex(headers[HEADER_SIG])
    except KeyError as exc:
        raise RequestAuthError(
            f"request is not signed: header {exc.args[0]} is missing; peers sign every request with their node key",
            ErrorCode.BAD_REQUEST_SIGNATURE,
        ) from None
    except ValueError:
        raise RequestAuthError("request signature headers are malformed", ErrorCode.BAD_REQUEST_SIGNATURE) from None
    if not 8 <= len(nonce) <= 32:
        raise RequestAuthError("request nonce must be 8 to 32 bytes", ErrorCode.BAD_REQUEST_SIGNATURE)
    if abs(now_ms - ts) > skew_ms:
        raise RequestAuthError(
            f"request timestamp is {abs(now_ms - ts) // 1000} s away from this node's clock "
            f"(limit {skew_ms // 1000} s): check the clocks",
            ErrorCode.STALE_REQUEST,
        )
    try:
        verify(key, Domain.REQUEST, _base(method, path, body, ts, nonce, key), sig)
    except SignatureError:
        raise RequestAuthError("request signature does not verify", ErrorCode.BAD_REQUEST_SIGNATURE) from None
    return SignedRequest(key, ts, nonce)


@dataclass(slots=True)
class NonceWindow:
    """Nonces seen within the freshness window; older ones are forgotten since stale requests fail anyway."""

    window_ms: int = DEFAULT_SKEW_MS
    capacity: int = 200_000
    _seen: OrderedDict[tuple[bytes, bytes], int] = field(default_factory=OrderedDict)

    def check_and_remember(self, req: SignedRequest, now_ms: int) -> None:
        horizon = now_ms - 2 * self.window_ms
        while self._seen:
            k, t = next(iter(self._seen.items()))
            if t >= horizon and len(self._seen) < self.capacity:
                break
            self._seen.popitem(last=False)
        ident = (req.key, req.nonce)
        if ident in self._seen:
            raise RequestAuthError("request was already received (replay): sign each request with a fresh nonce", ErrorCode.REPLAYED_REQUEST)
        self._seen[ident] = now_ms
