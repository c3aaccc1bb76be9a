"""Where and how `democite run` writes its log: text or JSON lines, on stderr or in a file reopened on SIGHUP.

JSON lines are for log shippers: one object per line with `ts`, `level`, `logger`, `message`, and
the structured fields a line carries (`extra=`: the admin API's operation lines give `actor` (an account id), `role`,
`method`, `route`, `status`, `duration_ms`). The log file is rotated the plain way: move it, send
SIGHUP, and the node writes to a new file at the same path (no copytruncate, no line lost).
"""

from __future__ import annotations

import datetime
import io
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from node.errors import ConfigError

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
FORMATS = ("text", "json")
# a record's own attributes; anything else on it came from `extra=` and is a structured field
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line; a traceback, when there is one, goes in `exc` as text."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_") and key not in out:
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            out["exc"] = record.exc_text
        return json.dumps(out, ensure_ascii=False, default=str)


class ReopeningFileHandler(logging.FileHandler):
    """A log file (mode 0600, appended to) that `reopen()` opens again at its path, for rotation."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, mode="a", encoding="utf-8")

    def _open(self) -> io.TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        return os.fdopen(fd, "a", encoding="utf-8")

    def reopen(self) -> None:
        """Open the path again, then switch: if the new file cannot be opened the old one keeps the lines."""
        fresh = self._open()
        with self.lock:  # type: ignore[union-attr]  # always set by Handler.__init__
            old, self.stream = self.stream, fresh
        if old is not None:
            old.close()


class LogOutput:
    """The handler `configure` installed on the root logger, to reopen on SIGHUP and remove at exit."""

    def __init__(self, handler: logging.Handler, level_before: int) -> None:
        self.handler = handler
        self._level_before = level_before

    @property
    def path(self) -> str | None:
        return self.handler.baseFilename if isinstance(self.handler, ReopeningFileHandler) else None

    def reopen(self) -> bool:
        """Reopen the log file (False when logging to stderr: nothing to reopen)."""
        if not isinstance(self.handler, ReopeningFileHandler):
            return False
        self.handler.reopen()
        return True

    def close(self) -> None:
        root = logging.getLogger()
        root.removeHandler(self.handler)
        root.setLevel(self._level_before)
        self.handler.close()


def configure(level: str, fmt: str = "text", file: Path | None = None, stream: TextIO | None = None) -> LogOutput:
    """Send every log line at `level` and above to `file` (or stderr) in `fmt` ("text" or "json")."""
    if fmt not in FORMATS:
        raise ConfigError(f"unknown log format '{fmt[:20]}': use one of {', '.join(FORMATS)}")
    handler: logging.Handler
    if file is not None:
        try:
            handler = ReopeningFileHandler(file)
        except OSError as exc:
            raise ConfigError(f"cannot write the log file {file}: {exc.strerror}; give a writable path with --log-file") from None
    else:
        handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    before = root.level
    root.setLevel(getattr(logging, level.upper()))
    root.addHandler(handler)
    return LogOutput(handler, before)
