"""Account queries: accounts, invitations, sessions, API tokens and passkeys (node-local).

Secrets arrive here already hashed (`node.accounts.secrets`); times are milliseconds since the epoch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from node.storage.das_query import Query, Write, col, fetch_row, fetch_rows


@dataclass(frozen=True, slots=True)
class AccountRow:
    id: str
    username: str
    password_hash: bytes
    role: str
    person_id: int | None
    employer_id: int | None
    projects: tuple[int, ...] = col(load=lambda s: tuple(json.loads(s)))
    org: str | None = col()
    lang: str | None = col()
    state: str = col()
    created_at: int = col()
    last_sign_in_at: int | None = col()


@dataclass(frozen=True, slots=True)
class InvitationRow:
    code_hash: bytes
    role: str
    person_id: int | None
    employer_id: int | None
    projects: tuple[int, ...] = col(load=lambda s: tuple(json.loads(s)))
    org: str | None = col()
    account_id: str | None = col()
    invited_by: str = col()
    created_at: int = col()
    expires_at: int = col()
    used_at: int | None = col()


@dataclass(frozen=True, slots=True)
class SessionRow:
    id_hash: bytes
    account_id: str
    csrf: str
    created_at: int
    seen_at: int
    agent: str
    ended_at: int | None


@dataclass(frozen=True, slots=True)
class TokenRow:
    token_hash: bytes
    account_id: str
    label: str
    created_at: int
    used_at: int | None
    revoked_at: int | None


@dataclass(frozen=True, slots=True)
class PasskeyRow:
    credential_id: bytes
    account_id: str
    public_key: bytes
    sign_count: int
    label: str
    created_at: int
    used_at: int | None


# -- accounts --------------------------------------------------------------------------------


async def insert_account(w: Write, a: AccountRow) -> None:
    await w.execute(
        "INSERT INTO accounts (id, username, password_hash, role, person_id, employer_id, projects, org, lang, state,"
        " created_at, last_sign_in_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (a.id, a.username, a.password_hash, a.role, a.person_id, a.employer_id, json.dumps(list(a.projects)), a.org,
         a.lang, a.state, a.created_at, a.last_sign_in_at),
    )


async def account(q: Query, account_id: str) -> AccountRow | None:
    return await fetch_row(q, AccountRow, "FROM accounts WHERE id = ?", (account_id,))


async def account_by_username(q: Query, username: str) -> AccountRow | None:
    return await fetch_row(q, AccountRow, "FROM accounts WHERE username = ?", (username,))


async def accounts(q: Query) -> list[AccountRow]:
    return await fetch_rows(q, AccountRow, "FROM accounts ORDER BY created_at, id")


async def accounts_of_person(q: Query, person_id: int) -> list[AccountRow]:
    return await fetch_rows(q, AccountRow, "FROM accounts WHERE person_id = ? ORDER BY created_at", (person_id,))


async def scope_names(q: Query) -> tuple[dict[int, str], dict[int, str]]:
    """How the office names what accounts act for: persons by pseudonym (or local id), employers by name."""
    persons = await q.fetchall(
        "SELECT p.id, COALESCE(p.pseudonym, p.local_id) FROM das_persons p WHERE p.id IN (SELECT person_id FROM accounts)"
    )
    employers = await q.fetchall("SELECT e.id, e.name FROM das_employers e WHERE e.id IN (SELECT employer_id FROM accounts)")
    return {int(r[0]): str(r[1]) for r in persons}, {int(r[0]): str(r[1]) for r in employers}


async def account_counts(q: Query) -> list[tuple[str, str, int]]:
    rows = await q.fetchall("SELECT role, state, COUNT(*) FROM accounts GROUP BY role, state ORDER BY role, state")
    return [(str(r[0]), str(r[1]), int(r[2])) for r in rows]


async def set_state(w: Write, account_id: str, state: str) -> int:
    return await w.execute("UPDATE accounts SET state = ? WHERE id = ?", (state, account_id))


async def set_password(w: Write, account_id: str, password_hash: bytes) -> None:
    await w.execute("UPDATE accounts SET password_hash = ? WHERE id = ?", (password_hash, account_id))


async def set_lang(w: Write, account_id: str, lang: str | None) -> None:
    await w.execute("UPDATE accounts SET lang = ? WHERE id = ?", (lang, account_id))


async def signed_in(w: Write, account_id: str, now: int) -> None:
    await w.execute("UPDATE accounts SET last_sign_in_at = ? WHERE id = ?", (now, account_id))


# -- invitations -----------------------------------------------------------------------------


async def insert_invitation(w: Write, i: InvitationRow) -> None:
    await w.execute(
        "INSERT INTO account_invitations (code_hash, role, person_id, employer_id, projects, org, account_id, invited_by,"
        " created_at, expires_at, used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (i.code_hash, i.role, i.person_id, i.employer_id, json.dumps(list(i.projects)), i.org, i.account_id,
         i.invited_by, i.created_at, i.expires_at, i.used_at),
    )


async def invitation(q: Query, code_hash: bytes) -> InvitationRow | None:
    return await fetch_row(q, InvitationRow, "FROM account_invitations WHERE code_hash = ?", (code_hash,))


async def use_invitation(w: Write, code_hash: bytes, now: int) -> int:
    """1 if this call used the invitation, 0 if it was already used (single use even under a race)."""
    return await w.execute("UPDATE account_invitations SET used_at = ? WHERE code_hash = ? AND used_at IS NULL", (now, code_hash))


async def void_invitations(w: Write, account_id: str, now: int) -> None:
    """A reset makes earlier unused reset invitations of the account useless."""
    await w.execute("UPDATE account_invitations SET used_at = ? WHERE account_id = ? AND used_at IS NULL", (now, account_id))


# -- sessions --------------------------------------------------------------------------------


async def insert_session(w: Write, s: SessionRow) -> None:
    await w.execute(
        "INSERT INTO account_sessions (id_hash, account_id, csrf, created_at, seen_at, agent, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (s.id_hash, s.account_id, s.csrf, s.created_at, s.seen_at, s.agent, s.ended_at),
    )


async def session(q: Query, id_hash: bytes) -> SessionRow | None:
    return await fetch_row(q, SessionRow, "FROM account_sessions WHERE id_hash = ?", (id_hash,))


async def sessions_of(q: Query, account_id: str) -> list[SessionRow]:
    return await fetch_rows(
        q, SessionRow, "FROM account_sessions WHERE account_id = ? AND ended_at IS NULL ORDER BY created_at", (account_id,)
    )


async def count_live_sessions(q: Query, seen_after: int, created_after: int) -> int:
    row = await q.fetchone(
        "SELECT COUNT(*) FROM account_sessions WHERE ended_at IS NULL AND seen_at >= ? AND created_at >= ?", (seen_after, created_after)
    )
    return int(row[0])


async def touch_session(w: Write, id_hash: bytes, now: int) -> None:
    await w.execute("UPDATE account_sessions SET seen_at = ? WHERE id_hash = ?", (now, id_hash))


async def end_session(w: Write, id_hash: bytes, now: int) -> int:
    return await w.execute("UPDATE account_sessions SET ended_at = ? WHERE id_hash = ? AND ended_at IS NULL", (now, id_hash))


async def end_sessions_of(w: Write, account_id: str, now: int) -> int:
    return await w.execute("UPDATE account_sessions SET ended_at = ? WHERE account_id = ? AND ended_at IS NULL", (now, account_id))


async def forget_sessions(w: Write, before: int) -> int:
    """Ended or expired sessions older than `before` leave the table (they sign nobody in)."""
    return await w.execute("DELETE FROM account_sessions WHERE seen_at < ?", (before,))


# -- API tokens ------------------------------------------------------------------------------


async def insert_token(w: Write, t: TokenRow) -> None:
    await w.execute(
        "INSERT INTO account_tokens (token_hash, account_id, label, created_at, used_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)",
        (t.token_hash, t.account_id, t.label, t.created_at, t.used_at, t.revoked_at),
    )


async def token(q: Query, token_hash: bytes) -> TokenRow | None:
    return await fetch_row(q, TokenRow, "FROM account_tokens WHERE token_hash = ?", (token_hash,))


async def tokens_of(q: Query, account_id: str) -> list[TokenRow]:
    return await fetch_rows(q, TokenRow, "FROM account_tokens WHERE account_id = ? AND revoked_at IS NULL ORDER BY created_at", (account_id,))


async def token_used(w: Write, token_hash: bytes, now: int) -> None:
    await w.execute("UPDATE account_tokens SET used_at = ? WHERE token_hash = ?", (now, token_hash))


async def revoke_token(w: Write, account_id: str, label: str, now: int) -> int:
    return await w.execute(
        "UPDATE account_tokens SET revoked_at = ? WHERE account_id = ? AND label = ? AND revoked_at IS NULL", (now, account_id, label)
    )


# -- passkeys --------------------------------------------------------------------------------


async def insert_passkey(w: Write, p: PasskeyRow) -> None:
    await w.execute(
        "INSERT INTO account_passkeys (credential_id, account_id, public_key, sign_count, label, created_at, used_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (p.credential_id, p.account_id, p.public_key, p.sign_count, p.label, p.created_at, p.used_at),
    )


async def passkey(q: Query, credential_id: bytes) -> PasskeyRow | None:
    return await fetch_row(q, PasskeyRow, "FROM account_passkeys WHERE credential_id = ?", (credential_id,))


async def passkeys_of(q: Query, account_id: str) -> list[PasskeyRow]:
    return await fetch_rows(q, PasskeyRow, "FROM account_passkeys WHERE account_id = ? ORDER BY created_at", (account_id,))


async def passkey_used(w: Write, credential_id: bytes, sign_count: int, now: int) -> None:
    await w.execute("UPDATE account_passkeys SET sign_count = ?, used_at = ? WHERE credential_id = ?", (sign_count, now, credential_id))


async def delete_passkey(w: Write, account_id: str, credential_id: bytes) -> int:
    return await w.execute("DELETE FROM account_passkeys WHERE account_id = ? AND credential_id = ?", (account_id, credential_id))
