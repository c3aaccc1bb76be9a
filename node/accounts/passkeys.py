"""Passkeys (WebAuthn), a second way to sign in: a signed-in account registers one, then signs in
with it instead of its password. Verification is py_webauthn's; this module keeps the challenges
(server-side, single use, short-lived, bounded in number), the relying party (the host of the web
address, which must be a name: WebAuthn refuses IP addresses) and the stored credentials.
"""

from __future__ import annotations

import ipaddress
import json
import secrets as pysecrets
import urllib.parse
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import webauthn
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from node.accounts.service import iso
from node.errors import Conflict, Invalid, NotFound
from node.service import Node
from node.storage import accounts as store
from node.storage.accounts import AccountRow, PasskeyRow


def N_(text: str) -> str:
    """Marks a fixed message for the catalog (`python -m node.locale.update`); pages translate it."""
    return text


CHALLENGE_MS = 5 * 60_000  # as long as a person may take to touch their key
MAX_CHALLENGES = 1_000  # the oldest go first beyond this: a flood of requests cannot grow memory
MAX_PASSKEYS = 10  # per account
MAX_CREDENTIAL_CHARS = 16_384  # a passkey's answer is a few hundred bytes; attestation certificates more
NO_RP = N_("Passkeys need the web address to be a name (web.public_url, e.g. https://democite.example.org), not an IP address.")
PASSKEY_REFUSED = N_("This passkey was not accepted: try again, or sign in with your password.")
PASSKEY_EXPIRED = N_("The passkey request expired: try again.")
LABEL_RULE = N_("Name the passkey in 1 to 60 characters (e.g. the device it is on).")
TOO_MANY = N_("This account has 10 passkeys: remove one first.")
ALREADY = N_("This passkey is already registered.")
NO_SUCH_PASSKEY = N_("No such passkey of yours (it may have been removed already).")


@dataclass(frozen=True, slots=True)
class Pending:
    challenge: bytes
    account_id: str | None  # registration: the signed-in account; sign-in: None (any passkey)
    expires_at: int


@dataclass(slots=True)
class Challenges:
    """Challenges handed out and not yet answered, by a random handle the page sends back."""

    pending: OrderedDict[str, Pending] = field(default_factory=OrderedDict)

    def issue(self, challenge: bytes, account_id: str | None, now: int) -> str:
        handle = pysecrets.token_urlsafe(18)
        self.pending[handle] = Pending(challenge, account_id, now + CHALLENGE_MS)
        while len(self.pending) > MAX_CHALLENGES:
            self.pending.popitem(last=False)
        return handle

    def take(self, handle: str, account_id: str | None, now: int) -> bytes:
        """The challenge behind a handle, once: it is forgotten whether or not the answer verifies."""
        p = self.pending.pop(handle[:64], None)
        if p is None or p.expires_at <= now or p.account_id != account_id:
            raise Conflict(PASSKEY_EXPIRED)
        return p.challenge


@dataclass(frozen=True, slots=True)
class RelyingParty:
    id: str  # the host of the web address
    origin: str  # scheme://host[:port] of the web address
    name: str

    @classmethod
    def of(cls, web_url: str, name: str) -> RelyingParty | None:
        """The relying party of this web address, or None where passkeys cannot work (an IP address)."""
        parts = urllib.parse.urlsplit(web_url)
        host = parts.hostname or ""
        try:
            ipaddress.ip_address(host)
            return None
        except ValueError:
            pass
        return cls(host, f"{parts.scheme}://{parts.netloc}", name) if host else None


def _credential(text: str) -> dict[str, Any]:
    if not text or len(text) > MAX_CREDENTIAL_CHARS:
        raise Invalid(PASSKEY_REFUSED)
    try:
        found = json.loads(text)
    except ValueError:
        raise Invalid(PASSKEY_REFUSED) from None
    if not isinstance(found, dict) or not isinstance(found.get("rawId"), str):
        raise Invalid(PASSKEY_REFUSED)
    return found


class Passkeys:
    def __init__(self, node: Node, challenges: Challenges) -> None:
        self.node = node
        self.db = node.db
        self.challenges = challenges
        self.rp = RelyingParty.of(node.config.web_url, f"Démocité — {node.config.node.name}")

    def _rp(self) -> RelyingParty:
        if self.rp is None:
            raise Conflict(NO_RP)
        return self.rp

    async def registration_options(self, account: AccountRow) -> dict[str, Any]:
        rp = self._rp()
        existing = await store.passkeys_of(self.db, account.id)
        options = webauthn.generate_registration_options(
            rp_id=rp.id, rp_name=rp.name, user_name=account.username, user_id=account.id.encode(),
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.REQUIRED, user_verification=UserVerificationRequirement.REQUIRED),
            exclude_credentials=[PublicKeyCredentialDescriptor(id=p.credential_id) for p in existing],
        )
        handle = self.challenges.issue(options.challenge, account.id, self.node.clock())
        return {"handle": handle, "options": json.loads(webauthn.options_to_json(options))}

    async def register(self, account_id: str, handle: str, credential: str, label: str) -> dict[str, Any]:
        rp, now = self._rp(), self.node.clock()
        label = label.strip()
        if not 1 <= len(label) <= 60:
            raise Invalid(LABEL_RULE)
        challenge = self.challenges.take(handle, account_id, now)
        try:
            v = webauthn.verify_registration_response(
                credential=_credential(credential), expected_challenge=challenge, expected_rp_id=rp.id,
                expected_origin=rp.origin, require_user_verification=True)
        except WebAuthnException:
            raise Invalid(PASSKEY_REFUSED) from None
        async with self.db.write() as w:
            if len(await store.passkeys_of(w, account_id)) >= MAX_PASSKEYS:
                raise Conflict(TOO_MANY)
            if await store.passkey(w, v.credential_id) is not None:
                raise Conflict(ALREADY)
            await store.insert_passkey(w, PasskeyRow(v.credential_id, account_id, v.credential_public_key, v.sign_count,
                                                     label, now, None))
        return {"label": label, "created": iso(now)}

    async def authentication_options(self) -> dict[str, Any]:
        rp = self._rp()
        # no allowCredentials: the browser offers the passkeys it holds for this site (discoverable)
        options = webauthn.generate_authentication_options(rp_id=rp.id, user_verification=UserVerificationRequirement.REQUIRED)
        handle = self.challenges.issue(options.challenge, None, self.node.clock())
        return {"handle": handle, "options": json.loads(webauthn.options_to_json(options))}

    async def authenticate(self, handle: str, credential: str) -> AccountRow | None:
        """The active account this passkey answer opens, or None (whatever the reason)."""
        rp, now = self._rp(), self.node.clock()
        challenge = self.challenges.take(handle, None, now)
        answer = _credential(credential)
        try:
            row = await store.passkey(self.db, base64url_to_bytes(answer["rawId"]))
        except ValueError:
            return None
        if row is None:
            return None
        try:
            v = webauthn.verify_authentication_response(
                credential=answer, expected_challenge=challenge, expected_rp_id=rp.id, expected_origin=rp.origin,
                credential_public_key=row.public_key, credential_current_sign_count=row.sign_count,
                require_user_verification=True)
        except WebAuthnException:  # a bad signature, another site's answer, or a counter gone back (a cloned key)
            return None
        a = await store.account(self.db, row.account_id)
        if a is None or a.state != "active":
            return None
        async with self.db.write() as w:
            await store.passkey_used(w, row.credential_id, v.new_sign_count, now)
            await store.signed_in(w, a.id, now)
        return a

    async def of_account(self, account_id: str) -> list[dict[str, Any]]:
        return [{"id": bytes_to_base64url(p.credential_id), "label": p.label, "created": iso(p.created_at),
                 "last_used": iso(p.used_at)} for p in await store.passkeys_of(self.db, account_id)]

    async def remove(self, account_id: str, credential_id: str) -> None:
        try:
            raw = base64url_to_bytes(credential_id[:400])
        except ValueError:
            raw = b""
        async with self.db.write() as w:
            if not await store.delete_passkey(w, account_id, raw):
                raise NotFound(NO_SUCH_PASSKEY)
