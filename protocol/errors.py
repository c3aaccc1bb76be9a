"""Every error of Démocité, drawn once: one root, one subtree per package, a code on each.

    DemociteError                 .code: a StrEnum member (stable, for programs); .message (for people)
    ├── ProtocolError             protocol/errors.py · ErrorCode · bytes or records that break the protocol
    │   ├── EncodingError         not canonical msgpack, too large, too deep, a float
    │   ├── RecordError           a record's fields, kind, author or network
    │   ├── SignatureError        an Ed25519 signature that does not verify
    │   │   └── CredentialError   protocol/credential.py: a W3C credential altered, expired or mis-signed
    │   ├── ChainError            a record that does not follow the log it claims
    │   ├── ProofError            a Merkle or consistency proof that does not hold
    │   ├── RequestAuthError      a peer request's signature headers: missing, stale, replayed
    │   └── TransitionError       a state change the area's transition table forbids
    ├── NodeError                 node/errors.py · NodeErrorCode · this node refuses a request or fails
    │   ├── ConfigError, KeyFileError, StorageError
    │   ├── NotFound, Invalid, Forbidden
    │   ├── Conflict
    │   │   └── ConcurrentAppend  a log moved during an append: retry
    │   ├── NotRunning, Unavailable
    │   └── ApiError              node/api/client.py: the admin API answered an error (the CLI's view)
    └── FederationError           federation/errors.py · FedErrorCode · talking to a peer
        ├── PeerUnreachable       no answer: the link, the network or the peer is down
        └── RemoteError           the peer is to blame: an unreadable or out-of-shape answer
            ├── PeerMisbehaved    its data fails verification: it loses score
            └── PeerRefused       it answered an error; `peer_code` is the code it gave

Local or remote fault (as h11's LocalProtocolError / RemoteProtocolError): protocol code cannot
know where the bytes it checks came from, so it raises a ProtocolError for our own data and a
peer's alike. Where a peer's data is checked, `federation.errors.peer_data` turns that error into
a RemoteError (PeerMisbehaved by default) once; a ProtocolError that reaches the top is ours, or,
at the peer API, the caller's (answered 4xx).

No error carries an HTTP status: each HTTP edge picks the status from the code with one table,
`node.api.framework.ADMIN_STATUS` (admin API, JSON bodies) and `federation.peer.server.PEER_STATUS`
(peer API, msgpack bodies); tests/test_errors.py checks that every code has one at both.
"""

from __future__ import annotations

from enum import StrEnum


class DemociteError(Exception):
    """The root: `code` is for programs, `message` for people (one line naming the fix, never
    personal data). Raise a package's subclass: each sets its default `code`."""

    code: StrEnum

    def __init__(self, message: str, code: StrEnum | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class ErrorCode(StrEnum):
    TOO_LARGE = "too_large"
    MALFORMED = "malformed"
    TOO_DEEP = "too_deep"
    TOO_DENSE = "too_dense"
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


class ProtocolError(DemociteError):
    """Base of every error raised by `protocol`."""

    code: ErrorCode = ErrorCode.MALFORMED

    def __init__(self, message: str, code: ErrorCode | None = None) -> None:
        super().__init__(message, code)


class EncodingError(ProtocolError):
    code = ErrorCode.MALFORMED


class RecordError(ProtocolError):
    code = ErrorCode.BAD_FIELD


class SignatureError(ProtocolError):
    code = ErrorCode.BAD_SIGNATURE


class ChainError(ProtocolError):
    code = ErrorCode.BAD_CHAIN


class ProofError(ProtocolError):
    code = ErrorCode.BAD_PROOF


class RequestAuthError(ProtocolError):
    code = ErrorCode.BAD_REQUEST_SIGNATURE


class TransitionError(ProtocolError):
    code = ErrorCode.ILLEGAL_TRANSITION
