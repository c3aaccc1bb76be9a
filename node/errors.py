"""The node's exception tree. Each error has a code (for programs) and a message naming the fix."""

from __future__ import annotations

from enum import StrEnum


class NodeErrorCode(StrEnum):
    CONFIG = "config"
    KEY = "key"
    STORAGE = "storage"
    NOT_FOUND = "not_found"
    INVALID = "invalid"
    CONFLICT = "conflict"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_RUNNING = "not_running"
    TOO_LARGE = "too_large"
    FROZEN = "frozen"
    UNAVAILABLE = "unavailable"


class NodeError(Exception):
    code = NodeErrorCode.INVALID
    status = 400

    def __init__(self, message: str, code: NodeErrorCode | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class ConfigError(NodeError):
    code = NodeErrorCode.CONFIG


class KeyFileError(NodeError):
    code = NodeErrorCode.KEY


class StorageError(NodeError):
    code = NodeErrorCode.STORAGE
    status = 500


class NotFound(NodeError):
    code = NodeErrorCode.NOT_FOUND
    status = 404


class Invalid(NodeError):
    code = NodeErrorCode.INVALID
    status = 400


class Conflict(NodeError):
    code = NodeErrorCode.CONFLICT
    status = 409


class NotRunning(NodeError):
    code = NodeErrorCode.NOT_RUNNING
    status = 503


class Unavailable(NodeError):
    code = NodeErrorCode.UNAVAILABLE
    status = 502


class ConcurrentAppend(Conflict):
    """A log moved (or froze) between reading its head and appending: retry from the new head."""

    def __init__(self, author: bytes, size: int, frozen: bool) -> None:
        super().__init__(f"the log moved to {size} records during the append; retry")
        self.author = author
        self.size = size
        self.frozen = frozen
