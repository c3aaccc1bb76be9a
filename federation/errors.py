"""The federation's subtree of `protocol.errors.DemociteError` (the whole tree is drawn there).

Local or remote: a `RemoteError` means the peer is to blame (its answer is unreadable, fails
verification, or is a refusal); anything else is ours or the network's. `peer_data` is the one
place a peer's bad data, found by protocol code, becomes the peer's fault.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum

from protocol.errors import DemociteError, ProtocolError


class FedErrorCode(StrEnum):
    UNREACHABLE = "peer_unreachable"
    BAD_RESPONSE = "peer_bad_response"
    REFUSED = "peer_refused"
    WRONG_NETWORK = "wrong_network"
    MISBEHAVED = "peer_misbehaved"
    RATE_LIMITED = "rate_limited"
    NOT_MEMBER = "not_member"
    # refusals of the peer API's HTTP edge while it reads a request
    BODY_TIMEOUT = "body_timeout"
    INCOMPLETE_BODY = "incomplete_body"
    LENGTH_REQUIRED = "length_required"
    BUSY = "busy"


class FederationError(DemociteError):
    code: FedErrorCode = FedErrorCode.BAD_RESPONSE

    def __init__(self, message: str, code: FedErrorCode | None = None, peer_code: str = "") -> None:
        super().__init__(message, code)
        self.peer_code = peer_code  # the code the peer answered with, when it refused


class PeerUnreachable(FederationError):
    code = FedErrorCode.UNREACHABLE


class RemoteError(FederationError):
    """The peer is to blame: its answer is unreadable or not the shape the protocol gives it."""

    code = FedErrorCode.BAD_RESPONSE


class PeerMisbehaved(RemoteError):
    """The peer sent data that fails verification: it loses score."""

    code = FedErrorCode.MISBEHAVED


class PeerRefused(RemoteError):
    """The peer answered with an error; `peer_code` is its code (`not_member`, `rate_limited`, ...)."""

    code = FedErrorCode.REFUSED


@contextmanager
def peer_data(url: str, what: str, error: type[RemoteError] = PeerMisbehaved) -> Iterator[None]:
    """Around code that checks what peer `url` sent: a ProtocolError raised inside is the peer's
    fault, re-raised as `error` ("peer URL <what>: <the protocol's message>")."""
    try:
        yield
    except ProtocolError as exc:
        raise error(f"peer {url} {what}: {exc.message}") from None


class BodyCut(FederationError):
    """The other side left before the end of a body; `received` bytes had arrived (a server charges
    them to the sender's address)."""

    code = FedErrorCode.INCOMPLETE_BODY

    def __init__(self, received: int) -> None:
        super().__init__(f"the body ended early, after {received} bytes")
        self.received = received
