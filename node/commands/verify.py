"""`democite verify FILE`: check a certificate offline, from the file alone (no node, no network)."""

from __future__ import annotations

import argparse
import datetime
from pathlib import Path

from node.commands.util import emit


def cmd_verify(args: argparse.Namespace) -> int:
    from protocol.credential import CredentialError, parse, verify_credential

    try:
        doc = parse(Path(args.file).read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise SystemExit(f"democite: error: {args.file} is not a JSON credential") from None
    except CredentialError as exc:
        raise SystemExit(f"democite: error: {args.file} is not a JSON credential: {exc.message}") from None
    today = args.today or datetime.datetime.now(datetime.UTC).date().isoformat()
    try:
        cred = verify_credential(doc, today)
    except CredentialError as exc:
        raise SystemExit(f"democite: error: {args.file} does not verify: {exc.message}") from None
    subject = cred["credentialSubject"]
    issuer = cred["issuer"]
    info = {
        "valid": True,
        "id": cred.get("id"),
        "subject": subject.get("name"),
        "issuer": issuer.get("id") if isinstance(issuer, dict) else issuer,
        "issuer_name": issuer.get("name") if isinstance(issuer, dict) else None,
        "valid_until": cred.get("validUntil"),
        "evidence": [e.get("id") for e in cred.get("evidence", []) if isinstance(e, dict)],
    }
    emit(
        args,
        info,
        lambda i: (
            f"valid: {i['subject'] or 'credential'} certified by {i['issuer_name'] or i['issuer']} until {i['valid_until']}"
        ),
    )
    return 0
