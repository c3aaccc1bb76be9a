"""Accounts schema (node-local, personal data: never served to peers, never signed). Versions 600-699.

An account's `id` is a random pseudonym (`a-` and 16 hex digits): what signed acts carry. Its
username, e-mail and passwords stay here. Secrets (invitation codes, session ids, API tokens)
are stored as their SHA-256, so a copy of the database cannot sign anyone in.
"""

MIGRATIONS = [
    (
        600,
        "accounts: accounts, invitations, sessions, API tokens, passkeys, sign-in failures",
        """
        CREATE TABLE accounts (
            id TEXT PRIMARY KEY,
            username TEXT NOT NULL UNIQUE COLLATE NOCASE,
            password_hash BLOB NOT NULL,
            role TEXT NOT NULL,
            person_id INTEGER,
            employer_id INTEGER,
            projects TEXT NOT NULL DEFAULT '[]',
            org TEXT,
            lang TEXT,
            state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'disabled')),
            created_at INTEGER NOT NULL,
            last_sign_in_at INTEGER
        );
        CREATE TABLE account_invitations (
            code_hash BLOB PRIMARY KEY,
            role TEXT NOT NULL,
            person_id INTEGER,
            employer_id INTEGER,
            projects TEXT NOT NULL DEFAULT '[]',
            org TEXT,
            account_id TEXT REFERENCES accounts(id),
            invited_by TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            used_at INTEGER
        );
        CREATE TABLE account_sessions (
            id_hash BLOB PRIMARY KEY,
            account_id TEXT NOT NULL REFERENCES accounts(id),
            csrf TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            seen_at INTEGER NOT NULL,
            agent TEXT NOT NULL DEFAULT '',
            ended_at INTEGER
        );
        CREATE INDEX account_sessions_by_account ON account_sessions (account_id);
        CREATE TABLE account_tokens (
            token_hash BLOB PRIMARY KEY,
            account_id TEXT NOT NULL REFERENCES accounts(id),
            label TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            used_at INTEGER,
            revoked_at INTEGER
        );
        CREATE TABLE account_passkeys (
            credential_id BLOB PRIMARY KEY,
            account_id TEXT NOT NULL REFERENCES accounts(id),
            public_key BLOB NOT NULL,
            sign_count INTEGER NOT NULL DEFAULT 0,
            label TEXT NOT NULL DEFAULT '',
            created_at INTEGER NOT NULL,
            used_at INTEGER
        );
        """,
    ),
]
