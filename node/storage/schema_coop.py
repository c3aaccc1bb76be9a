"""Cooperation schema: the fund approvals this node signed, kept before they leave. Versions 400-499."""

MIGRATIONS = [
    (
        400,
        "fund approvals signed by this node",
        """
        CREATE TABLE coop_approvals (
            fund BLOB NOT NULL,
            nonce INTEGER NOT NULL,
            request BLOB NOT NULL,
            decided_at INTEGER NOT NULL,
            record_id BLOB,
            PRIMARY KEY (fund, nonce)
        ) WITHOUT ROWID
        """,
    ),
]
