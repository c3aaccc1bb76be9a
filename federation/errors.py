"""The federation's exception tree: what went wrong with a peer, by code."""

from __future__ import annotations

from enum import StrEnum


class FedErrorCode(StrEnum):
    UNREACHABLE = "peer_unreachable"
    BAD_RESPONSE = "peer_bad_response"
    REFUSED = "peer_refused"
    WRONG_NETWORK = "wrong_network"
    MISBEHAVED = "peer_misbehaved"
    RATE_LIMITED = "rate_limited"
    NOT_MEMBER = "not_member"


class FederationError(Exception):
    code = FedErrorCode.BAD_RESPONSE

    def __init__(self, message: str, code: FedErrorCode | None = None, peer_code: str = "") -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.peer_code = peer_code  # the code the peer answered with, when it refused


class PeerUnreachable(FederationError):
    code = FedErrorCode.UNREACHABLE


class PeerMisbehaved(FederationError):
    """The peer sent data that fails verification: it loses score."""

    code = FedErrorCode.MISBEHAVED
