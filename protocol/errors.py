"""The protocol's exception tree: every failure carries a stable code, never personal data."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    TOO_LARGE = "too_large"
    MALFORMED = "malformed"
    TOO_DEEP = "too_deep"
    NOT_CANONICAL = "not_canonical"
    BAD_TYPE = "bad_type"
    BAD_FIELD = "bad_field"
    UNKNOWN_KIND = "unknown_kind"
    BAD_SIGNATURE = "bad_signature"
    WRONG_AUTHOR = "wrong_author"
    WRONG_NETWORK = "wrong_network"
    BAD_CHAIN = "bad_chain"
    FORK = "fork"
    BAD_PROOF = "bad_proof"
    BAD_CHECKPOINT = "bad_checkpoint"
    STALE_REQUEST = "stale_request"
    REPLAYED_REQUEST = "replayed_request"
    BAD_REQUEST_SIGNATURE = "bad_request_signature"
    ILLEGAL_TRANSITION = "illegal_transition"
    NOT_ALLOWED = "not_allowed"


class ProtocolError(Exception):
    """Base of every error raised by `protocol`. `code` is for programs, `message` for people."""

    default_code = ErrorCode.MALFORMED

    def __init__(self, message: str, code: ErrorCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code


class EncodingError(ProtocolError):
    default_code = ErrorCode.MALFORMED


class RecordError(ProtocolError):
    default_code = ErrorCode.BAD_FIELD


class SignatureError(ProtocolError):
    default_code = ErrorCode.BAD_SIGNATURE


class ChainError(ProtocolError):
    default_code = ErrorCode.BAD_CHAIN


class ProofError(ProtocolError):
    default_code = ErrorCode.BAD_PROOF


class RequestAuthError(ProtocolError):
    default_code = ErrorCode.BAD_REQUEST_SIGNATURE


class TransitionError(ProtocolError):
    default_code = ErrorCode.ILLEGAL_TRANSITION
