"""Accounts as the node keeps them: invitations, creating an account from one, signing in, API
tokens, and the owner's and office's management (list, disable, enable, reset).

Sessions live in `node.accounts.sessions`. Every error names the field and the fix and never
says whether a username exists (a wrong name and a wrong password read the same).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import Any

from node.accounts import passwords, secrets
from node.accounts.permissions import SCOPE_OF, Role, may_invite
from node.accounts.principal import Principal
from node.errors import Conflict, Forbidden, Invalid, NotFound
from node.service import Node
from node.storage import accounts as store
from node.storage import das_persons, das_programme
from node.storage.accounts import AccountRow, InvitationRow

USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{2,63}")
DAY_MS = 86_400_000
SIGN_IN_REFUSED = "Wrong username or password."
# messages a page shows as they are (translated there): keep them fixed text, so the catalog has them
INVITATION_UNKNOWN = "This invitation link is not known here: check it was copied whole, or ask for a new one."
INVITATION_USED = "This invitation was already used: sign in, or ask the office for a new one."
INVITATION_EXPIRED = "This invitation has expired: ask the office for a new one."
USERNAME_RULE = "Username: 3 to 64 letters, digits, '.', '_', '-' or '@', starting with a letter or digit."
USERNAME_TAKEN = "This username is taken: choose another."


RUNTIME_MESSAGES = (SIGN_IN_REFUSED, INVITATION_UNKNOWN, INVITATION_USED, INVITATION_EXPIRED, USERNAME_RULE, USERNAME_TAKEN,
                    *passwords.MESSAGES)


@dataclass(frozen=True, slots=True)
class Scope:
    """What an invitation's role acts for, resolved to rows when the invitation is made."""

    person_id: int | None = None
    employer_id: int | None = None
    projects: tuple[int, ...] = ()
    org: str | None = None


def principal_of(a: AccountRow) -> Principal:
    return Principal(a.id, Role(a.role), a.person_id, a.employer_id, a.projects, a.org, a.lang, a.username)


def iso(ms: int | None) -> str | None:
    return None if ms is None else dt.datetime.fromtimestamp(ms / 1000, dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class AccountService:
    def __init__(self, node: Node) -> None:
        self.node = node
        self.db = node.db

    def now(self) -> int:
        return self.node.clock()

    # -- invitations -------------------------------------------------------------------------

    async def resolve_scope(self, role: Role, person: str | None, employer: str | None, projects: list[int], org: str | None) -> Scope:
        need = SCOPE_OF[role]
        given = {"person": person, "employer": employer, "projects": projects or None, "org": org}
        extra = sorted(k for k, v in given.items() if v and k != need)
        if extra:
            raise Invalid(f"field '{extra[0]}': a {role} account has no {extra[0]}" + (f"; it names its {need}" if need else ""))
        if need and not given[need]:
            flag = "--project" if need == "projects" else f"--{need}"
            raise Invalid(f"field '{need}': a {role} account acts for one {need.rstrip('s')}: give {flag}")
        if role is Role.PERSON and person:
            p = await das_persons.person(self.db, person.strip())
            if p is None or p.erased_at is not None:
                raise NotFound("field 'person': no person with this pseudonym or local id (add one with `das person add`)")
            return Scope(person_id=p.id, employer_id=p.employer_id)
        if role is Role.EMPLOYER and employer:
            e = await das_persons.employer(self.db, employer.strip())
            if e is None:
                raise NotFound(f"field 'employer': no employer '{employer[:60]}' (add it with `das employer add`)")
            return Scope(employer_id=e.id)
        if role is Role.COORDINATOR:
            for pid in projects:
                if await das_programme.project(self.db, pid) is None:
                    raise NotFound(f"field 'project': no project {pid} (see `das project list`)")
            return Scope(projects=tuple(sorted(set(projects))))
        if role is Role.PARTNER and org:
            return Scope(org=org.strip())
        return Scope()

    async def invite(self, by: Principal, role: Role, scope: Scope, web_url: str) -> dict[str, Any]:
        if not may_invite(by.role, role):
            raise Forbidden(f"a {by.role} account may not invite a {role} account; ask the node's owner")
        if not web_url:
            raise Conflict("this node serves no web pages, so an invitation has nowhere to point: set [web] listen in node.toml "
                           "(or `democite init --web-listen`) and restart the node")
        code, now = secrets.new_code(), self.now()
        expires = now + self.node.config.web.invitation_days * DAY_MS
        row = InvitationRow(secrets.digest(code), str(role), scope.person_id, scope.employer_id, scope.projects, scope.org,
                            None, by.account_id, now, expires, None)
        async with self.db.write() as w:
            await store.insert_invitation(w, row)
        return {"url": f"{web_url}/invite/{code}", "code": code, "expires": iso(expires), "role": str(role)}

    async def reset(self, by: Principal, username: str, web_url: str) -> dict[str, Any]:
        """A new invitation for an existing account: following it sets a new password (and ends the
        account's sessions); earlier reset invitations stop working."""
        a = await self._named(username)
        if not may_invite(by.role, Role(a.role)):
            raise Forbidden(f"a {by.role} account may not reset a {a.role} account; ask the node's owner")
        if not web_url:
            raise Conflict("this node serves no web pages: set [web] listen in node.toml and restart the node")
        code, now = secrets.new_code(), self.now()
        expires = now + self.node.config.web.invitation_days * DAY_MS
        row = InvitationRow(secrets.digest(code), a.role, a.person_id, a.employer_id, a.projects, a.org, a.id,
                            by.account_id, now, expires, None)
        async with self.db.write() as w:
            await store.void_invitations(w, a.id, now)
            await store.insert_invitation(w, row)
        return {"url": f"{web_url}/invite/{code}", "code": code, "expires": iso(expires), "role": a.role, "username": a.username}

    async def invitation(self, code: str) -> InvitationRow:
        """The invitation behind a code, if it can still be used; otherwise why not."""
        row = await store.invitation(self.db, secrets.digest(code))
        if row is None:
            raise NotFound(INVITATION_UNKNOWN)
        if row.used_at is not None:
            raise Conflict(INVITATION_USED)
        if row.expires_at <= self.now():
            raise Conflict(INVITATION_EXPIRED)
        return row

    async def accept(self, code: str, username: str, password: str, confirm: str, lang: str | None) -> AccountRow:
        inv = await self.invitation(code)
        if inv.account_id is None and not USERNAME.fullmatch(username):
            raise Invalid(USERNAME_RULE)
        passwords.check_new(password, confirm)
        hashed = await asyncio.to_thread(passwords.hash_password, password)
        now = self.now()
        async with self.db.write() as w:
            if not await store.use_invitation(w, inv.code_hash, now):
                raise Conflict(INVITATION_USED)
            if inv.account_id is not None:  # a reset: the same account, a new password, every session ended
                await store.set_password(w, inv.account_id, hashed)
                await store.end_sessions_of(w, inv.account_id, now)
                found = await store.account(w, inv.account_id)
                assert found is not None
                return found
            if await store.account_by_username(w, username) is not None:
                raise Conflict(USERNAME_TAKEN)
            row = AccountRow(secrets.new_account_id(), username, hashed, inv.role, inv.person_id, inv.employer_id,
                             inv.projects, inv.org, lang, "active", now, None)
            await store.insert_account(w, row)
        return row

    # -- signing in ---------------------------------------------------------------------------

    async def check_password(self, username: str, password: str) -> AccountRow | None:
        """The active account these credentials open, or None (whatever the reason)."""
        a = await store.account_by_username(self.db, username[:64]) if USERNAME.fullmatch(username[:64]) else None
        stored = a.password_hash if a is not None else passwords.DUMMY_HASH
        ok = await asyncio.to_thread(passwords.verify, stored, password)
        if a is None or not ok or a.state != "active":
            return None
        async with self.db.write() as w:
            await store.signed_in(w, a.id, self.now())
        return a

    async def account(self, account_id: str) -> AccountRow | None:
        return await store.account(self.db, account_id)

    async def set_lang(self, account_id: str, lang: str | None) -> None:
        async with self.db.write() as w:
            await store.set_lang(w, account_id, lang)

    # -- API tokens ---------------------------------------------------------------------------

    async def principal_for_token(self, token: str) -> Principal | None:
        if not token.startswith(secrets.TOKEN_PREFIX):
            return None
        h = secrets.digest(token)
        row = await store.token(self.db, h)
        if row is None or row.revoked_at is not None:
            return None
        a = await store.account(self.db, row.account_id)
        if a is None or a.state != "active":
            return None
        async with self.db.write() as w:
            await store.token_used(w, h, self.now())
        return principal_of(a)

    async def create_token(self, account_id: str, label: str) -> dict[str, Any]:
        label = label.strip()
        if not label or len(label) > 60:
            raise Invalid("field 'label': name the token in 1 to 60 characters (e.g. the script that uses it)")
        if any(t.label == label for t in await store.tokens_of(self.db, account_id)):
            raise Conflict(f"field 'label': a token named '{label}' exists; revoke it first or choose another name")
        token = secrets.new_token()
        async with self.db.write() as w:
            await store.insert_token(w, store.TokenRow(secrets.digest(token), account_id, label, self.now(), None, None))
        return {"token": token, "label": label, "note": "shown once: keep it where your script reads it"}

    async def tokens(self, account_id: str) -> list[dict[str, Any]]:
        return [{"label": t.label, "created": iso(t.created_at), "last_used": iso(t.used_at)} for t in await store.tokens_of(self.db, account_id)]

    async def revoke_token(self, account_id: str, label: str) -> dict[str, Any]:
        async with self.db.write() as w:
            if not await store.revoke_token(w, account_id, label, self.now()):
                raise NotFound(f"field 'label': no token named '{label[:60]}' (see the list of your tokens)")
        return {"label": label, "revoked": True}

    # -- management ---------------------------------------------------------------------------

    async def _named(self, username: str) -> AccountRow:
        a = await store.account_by_username(self.db, username.strip()[:64])
        if a is None:
            raise NotFound("no account with this username (see `democite account list`)")
        return a

    async def describe(self, account_id: str) -> dict[str, Any] | None:
        a = await store.account(self.db, account_id)
        if a is None:
            return None
        persons, employers = await store.scope_names(self.db)
        return account_json(a, persons, employers)

    async def counts(self) -> list[tuple[str, str, int]]:
        """(role, state, number of accounts), for the metrics."""
        return await store.account_counts(self.db)

    async def list(self) -> list[dict[str, Any]]:
        persons, employers = await store.scope_names(self.db)
        return [account_json(a, persons, employers) for a in await store.accounts(self.db)]

    async def set_state(self, by: Principal, username: str, enabled: bool) -> dict[str, Any]:
        a = await self._named(username)
        if not may_invite(by.role, Role(a.role)):
            raise Forbidden(f"a {by.role} account may not disable or enable a {a.role} account; ask the node's owner")
        state = "active" if enabled else "disabled"
        async with self.db.write() as w:
            await store.set_state(w, a.id, state)
            if not enabled:  # a disabled account is out now, not at its sessions' timeout
                await store.end_sessions_of(w, a.id, self.now())
        return account_json(replace(a, state=state))


def account_json(a: AccountRow, persons: dict[int, str] | None = None, employers: dict[int, str] | None = None) -> dict[str, Any]:
    """An account as the office and the account itself see it (local only: it holds the username)."""
    scope: dict[str, Any] = {}
    if a.person_id is not None and a.role == Role.PERSON:
        scope["person"] = (persons or {}).get(a.person_id, "(erased)")
    if a.employer_id is not None and a.role == Role.EMPLOYER:
        scope["employer"] = (employers or {}).get(a.employer_id, str(a.employer_id))
    if a.projects:
        scope["projects"] = list(a.projects)
    if a.org:
        scope["org"] = a.org
    return {
        "id": a.id, "username": a.username, "role": a.role, "scope": scope, "created": iso(a.created_at),
        "last_sign_in": iso(a.last_sign_in_at), "state": a.state, "lang": a.lang,
    }
