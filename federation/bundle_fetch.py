"""Fetches an audit bundle from a node's export URL (the admin API) for `democite audit URL`.

Kept apart from `federation/client.py`, which calls peers with signed requests: this is a plain
download with a bearer token, blocking like the rest of the CLI, bounded in size.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from federation.errors import FederationError, FedErrorCode
from node.errors import Invalid

MAX_BUNDLE = 1 << 30  # 1 GiB: far above a 100,000-record bundle, still a bound
CHUNK = 1 << 20


def fetch_bundle(url: str, token: str | None, timeout_s: float = 600.0, max_bytes: int = MAX_BUNDLE) -> bytes:
    if not url.startswith(("http://", "https://")):
        raise Invalid(f"'{url[:80]}' is not an http(s) URL; give a bundle file or the node's export URL")
    req = urllib.request.Request(url, method="GET")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as resp:
            parts: list[bytes] = []
            total = 0
            while chunk := resp.read(CHUNK):
                total += len(chunk)
                if total > max_bytes:
                    raise FederationError(f"the bundle at {url[:80]} is over {max_bytes} bytes", FedErrorCode.BAD_RESPONSE)
                parts.append(chunk)
            return b"".join(parts)
    except urllib.error.HTTPError as exc:
        try:
            msg = json.loads(exc.read())["error"]["message"]
        except (ValueError, KeyError, TypeError):
            msg = f"HTTP {exc.code}"
        hint = " (pass the node's API token with --token or --data)" if exc.code == 401 else ""
        raise FederationError(f"cannot fetch the bundle: {msg}{hint}", FedErrorCode.UNREACHABLE) from None
    except (urllib.error.URLError, OSError) as exc:
        raise FederationError(f"cannot reach {url[:80]}: {getattr(exc, 'reason', exc)}", FedErrorCode.UNREACHABLE) from None
