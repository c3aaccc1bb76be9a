"""Downloads an audit bundle from a node's export route (the admin API), bounded in size.

Used by `democite audit URL` (into memory) and `democite export` (streamed to a file). Kept apart
from `federation/peer/client.py`, which calls peers with signed requests: this is a plain download
with a bearer token, blocking like the rest of the CLI.
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from federation.errors import FederationError, FedErrorCode
from node.errors import Invalid

MAX_BUNDLE = 1 << 30  # 1 GiB: far above a 100,000-record bundle, still a bound
CHUNK = 1 << 20


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


@contextmanager
def _chunks(url: str, token: str | None, timeout_s: float, max_bytes: int) -> Iterator[Iterator[bytes]]:
    if not url.startswith(("http://", "https://")):
        raise Invalid(f"'{url[:80]}' is not an http(s) URL; give a bundle file or the node's export URL")
    req = urllib.request.Request(url, method="GET")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    # no redirects: urllib would forward the bearer token to wherever a redirect points
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(req, timeout=timeout_s) as resp:

            def read() -> Iterator[bytes]:
                total = 0
                while chunk := resp.read(CHUNK):
                    total += len(chunk)
                    if total > max_bytes:
                        raise FederationError(f"the bundle at {url[:80]} is over {max_bytes} bytes", FedErrorCode.BAD_RESPONSE)
                    yield chunk

            yield read()
    except urllib.error.HTTPError as exc:
        try:
            msg = json.loads(exc.read())["error"]["message"]
        except (ValueError, KeyError, TypeError, RecursionError):  # json's parser recurses
            msg = f"HTTP {exc.code}"
        hint = " (pass the node's API token with --token or --data)" if exc.code == 401 else ""
        raise FederationError(f"the node refused the export: {msg}{hint}", FedErrorCode.REFUSED) from None
    except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        raise FederationError(f"cannot reach {url[:80]}: {getattr(exc, 'reason', exc)}", FedErrorCode.UNREACHABLE) from None


def fetch_bundle(url: str, token: str | None, timeout_s: float = 600.0, max_bytes: int = MAX_BUNDLE) -> bytes:
    with _chunks(url, token, timeout_s, max_bytes) as chunks:
        return b"".join(chunks)


def download_bundle(url: str, token: str | None, path: Path, timeout_s: float = 900.0,
                    max_bytes: int = MAX_BUNDLE) -> tuple[int, str]:
    """Stream the bundle into `path` atomically (a .part file renamed at the end): (bytes, sha256 hex)."""
    tmp = path.with_name(path.name + ".part")
    digest = hashlib.sha256()
    size = 0
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # a bundle is the node's data: private
        with _chunks(url, token, timeout_s, max_bytes) as chunks, os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
                digest.update(chunk)
                size += len(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise Invalid(f"cannot write {path}: {exc.strerror}; choose another -o path") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return size, digest.hexdigest()
