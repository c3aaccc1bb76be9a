"""The one module the CLI uses to call its node's admin API (blocking, stdlib only, fast to start)."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from node import keys
from node.errors import NodeError, NodeErrorCode, NotRunning

API_FILE = Path("run") / "api.json"
TOKEN_ENV = "DEMOCITE_TOKEN"
_T = TypeVar("_T")


class ApiError(NodeError):
    """An error answered by the node: its message, and its code as answered in `api_code` (`code`
    is the NodeErrorCode of that text, or HTTP_ERROR for a code of another package)."""

    def __init__(self, message: str, api_code: str) -> None:
        try:
            code = NodeErrorCode(api_code)
        except ValueError:
            code = NodeErrorCode.HTTP_ERROR
        super().__init__(message, code)
        self.api_code = api_code


class ApiClient:
    def __init__(self, data_dir: Path, timeout_s: float = 900.0) -> None:
        self.data_dir = data_dir
        self.timeout_s = timeout_s
        if not (data_dir / "node.toml").exists():
            raise NodeError(f"no node at {data_dir}: create one with `democite init --data {data_dir}`", NodeErrorCode.CONFIG)
        try:
            info = json.loads((data_dir / API_FILE).read_text())
            self.base = str(info["url"]).rstrip("/")
        except (OSError, ValueError, KeyError):
            raise NotRunning(f"the node at {data_dir} is not running: start it with `democite run --data {data_dir}`") from None
        # an account's API token acts as that account (its role, its scope); else the owner's api.token
        self.token = os.environ.get(TOKEN_ENV, "").strip() or keys.load_token(data_dir)

    def call(self, method: str, path: str, body: dict[str, Any] | None = None, query: dict[str, Any] | None = None) -> Any:
        with self._open(method, path, body, query) as resp:
            raw = self._read(resp.read)
            ctype = resp.headers.get("Content-Type", "")
        if "json" in ctype:
            return json.loads(raw)
        return raw.decode("utf-8")

    def stream(self, path: str, body: dict[str, Any]) -> Iterator[Any]:
        """POST and yield each JSON line of a streamed answer, as it arrives (a long operation's progress)."""
        with self._open("POST", path, body, None) as resp:
            while line := self._read(resp.readline):
                if line.strip():
                    yield json.loads(line)

    def _open(self, method: str, path: str, body: dict[str, Any] | None, query: dict[str, Any] | None) -> Any:
        url = self.base + path
        if query:
            clean = {k: v for k, v in query.items() if v is not None}
            if clean:
                url += "?" + urllib.parse.urlencode(clean)
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        return self._read(lambda: urllib.request.urlopen(req, timeout=self.timeout_s))

    def _read(self, read: Callable[[], _T]) -> _T:
        """Run one network step, turning an HTTP error into the node's error and silence into NotRunning."""
        try:
            return read()
        except urllib.error.HTTPError as exc:
            raise _api_error(exc) from None
        except (urllib.error.URLError, OSError) as exc:
            raise NotRunning(
                f"the node at {self.data_dir} does not answer ({getattr(exc, 'reason', exc)}): is `democite run` still running?"
            ) from None

    def get(self, path: str, **query: Any) -> Any:
        return self.call("GET", path, query=query)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.call("POST", path, body or {})


def _api_error(exc: urllib.error.HTTPError) -> ApiError:
    try:
        err = json.loads(exc.read())["error"]
        code, message = str(err["code"]), str(err["message"])
    except (ValueError, KeyError, TypeError):
        code, message = "http_error", f"HTTP {exc.code}"
    return ApiError(message, code)
