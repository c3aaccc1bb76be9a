"""`democite export` and `democite audit`: write a node's bundle, and check one offline.

`export` asks the running node's admin API for the stream and writes it atomically. `audit`
needs no node: it reads a file (or fetches a node's export URL) and runs the pure engine.
"""

from __future__ import annotations

import argparse
import os
import sys
import urllib.parse
from pathlib import Path
from typing import Any

from federation.commands.bundle_fetch import download_bundle, fetch_bundle
from node import files, keys
from node.audit.report import render_html, render_text
from node.commands.util import add_data, add_json, api, emit
from node.errors import Invalid
from protocol.audit.engine import audit
from protocol.identity import parse_key


def cmd_export(args: argparse.Namespace) -> None:
    client = api(args)
    query = {"author": parse_key(args.author).hex()} if args.author else {}
    url = client.base + "/api/audit/export" + ("?" + urllib.parse.urlencode(query) if query else "")
    out = Path(args.output)
    size, sha = download_bundle(url, client.token, out, timeout_s=client.timeout_s)
    info = {"file": str(out), "bytes": size, "sha256": sha}
    emit(args, info, lambda i: f"wrote {i['bytes']} bytes to {i['file']} (sha256 {i['sha256'][:16]}…)\n"
                               f"check it anywhere with: democite audit {i['file']}")


def _read_source(args: argparse.Namespace) -> bytes:
    src: str = args.source
    if src.startswith(("http://", "https://")):
        token = args.token or os.environ.get("DEMOCITE_TOKEN")
        if not token and args.data:
            token = keys.load_token(Path(args.data))
        return fetch_bundle(src, token)
    try:
        return Path(src).read_bytes()
    except FileNotFoundError:
        raise Invalid(f"no bundle file at {src}: make one with `democite export -o FILE.dmc`") from None
    except OSError as exc:
        raise Invalid(f"cannot read {src}: {exc.strerror}") from None


def cmd_audit(args: argparse.Namespace) -> int:
    data = _read_source(args)
    report = audit(data, strict=args.strict)
    if args.html:
        try:
            files.write_private(args.html, render_html(report))  # it names territories and their keys
        except OSError as exc:
            raise Invalid(f"cannot write the HTML report to {args.html}: {exc.strerror}") from None
    out: dict[str, Any] = report.to_json()
    if args.html:
        out["html"] = str(args.html)
    emit(args, out, lambda _: render_text(report) + (f"\nHTML report: {args.html}" if args.html else ""))
    sys.stdout.flush()
    return 0 if report.ok else 1


def register(sub: Any) -> None:
    p = sub.add_parser("export", help="write an audit bundle (.dmc) of what this node holds",
                       description="Write a self-contained, sealed audit bundle: logs, checkpoints with witness "
                                   "cosignatures, the network genesis and fork proofs.")
    add_data(p)
    add_json(p)
    p.add_argument("--author", help="only this territory's log (hex public key); default: everything the node holds")
    p.add_argument("-o", "--output", required=True, help="the bundle file to write, e.g. territoire.dmc")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("audit", help="verify a bundle offline: signatures, chains, checkpoints, witnesses, forks",
                       description="Verify an audit bundle without a node. Exits 1 when anything fails "
                                   "(with --strict, also when anything is only a warning).")
    p.add_argument("source", help="a .dmc file, or a node's export URL (http://127.0.0.1:PORT/api/audit/export)")
    add_json(p)
    p.add_argument("--html", help="also write a report readable offline by a non-technical evaluator")
    p.add_argument("--strict", action="store_true",
                   help="warnings fail too (checks this version cannot make, proven forks of a territory)")
    p.add_argument("--token", help="API token for a URL source (default: $DEMOCITE_TOKEN, or --data's token)")
    p.add_argument("--data", type=Path, default=None, help="a node data directory whose API token to use for a URL")
    p.set_defaults(func=cmd_audit)
