"""The node's subtree of `protocol.errors.DemociteError` (the whole tree is drawn there).

Each error has a code (for programs) and a message naming the fix; none carries an HTTP status:
the admin API picks it from the code (`node.api.framework.ADMIN_STATUS`).
"""

from __future__ import annotations

from enum import StrEnum

from protocol.errors import DemociteError


class NodeErrorCode(StrEnum):
    CONFIG = "config"
    KEY = "key"
    STORAGE = "storage"
    NOT_FOUND = "not_found"
    INVALID = "invalid"
    CONFLICT = "conflict"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"  # this account may not touch these rows (its scope)
    NOT_PERMITTED = "not_permitted"  # this role may never do this action (the permission table)
    NOT_RUNNING = "not_running"
    TOO_LARGE = "too_large"
    FROZEN = "frozen"
    UNAVAILABLE = "unavailable"
    # refusals of the admin API's HTTP edge itself, before any handler runs
    INVALID_FIELD = "invalid_field"
    INVALID_JSON = "invalid_json"
    INVALID_BODY = "invalid_body"
    FORBIDDEN_HOST = "forbidden_host"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    HTTP_ERROR = "http_error"


class NodeError(DemociteError):
    code: NodeErrorCode = NodeErrorCode.INVALID

    def __init__(self, message: str, code: NodeErrorCode | None = None) -> None:
        super().__init__(message, code)


class ConfigError(NodeError):
    code = NodeErrorCode.CONFIG


class KeyFileError(NodeError):
    code = NodeErrorCode.KEY


class StorageError(NodeError):
    code = NodeErrorCode.STORAGE


class NotFound(NodeError):
    code = NodeErrorCode.NOT_FOUND


class Invalid(NodeError):
    code = NodeErrorCode.INVALID


class Forbidden(NodeError):
    """The caller may not touch these rows (its scope: another person, employer, project, organisation)."""

    code = NodeErrorCode.FORBIDDEN


class NotPermitted(NodeError):
    """The caller's role may never do this action (node/accounts/permissions.py)."""

    code = NodeErrorCode.NOT_PERMITTED


class Conflict(NodeError):
    code = NodeErrorCode.CONFLICT


class NotRunning(NodeError):
    code = NodeErrorCode.NOT_RUNNING


class Unavailable(NodeError):
    code = NodeErrorCode.UNAVAILABLE


class ConcurrentAppend(Conflict):
    """A log moved (or froze) between reading its head and appending: retry from the new head."""

    def __init__(self, author: bytes, size: int, frozen: bool) -> None:
        super().__init__(f"the log moved to {size} records during the append; retry")
        self.author = author
        self.size = size
        self.frozen = frozen
