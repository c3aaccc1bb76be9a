"""Core schema: logs, Merkle tree nodes, checkpoints, witnesses, forks, peers. Versions 1-99."""

MIGRATIONS = [
    (
        1,
        "logs, tree nodes, checkpoints, forks, peers",
        """
        CREATE TABLE authors (
            ref INTEGER PRIMARY KEY,
            key BLOB NOT NULL UNIQUE,
            size INTEGER NOT NULL DEFAULT 0,
            last_id BLOB,
            root BLOB,
            frozen INTEGER NOT NULL DEFAULT 0,
            first_seen INTEGER NOT NULL
        );
        CREATE TABLE records (
            author_ref INTEGER NOT NULL REFERENCES authors(ref),
            seq INTEGER NOT NULL,
            id BLOB NOT NULL,
            kind TEXT NOT NULL,
            ts INTEGER NOT NULL,
            raw BLOB NOT NULL,
            sig BLOB NOT NULL,
            PRIMARY KEY (author_ref, seq)
        ) WITHOUT ROWID;
        CREATE UNIQUE INDEX records_by_id ON records(id);
        CREATE INDEX records_by_kind ON records(kind, author_ref);
        CREATE TABLE tree_nodes (
            author_ref INTEGER NOT NULL,
            level INTEGER NOT NULL,
            idx INTEGER NOT NULL,
            hash BLOB NOT NULL,
            PRIMARY KEY (author_ref, level, idx)
        ) WITHOUT ROWID;
        CREATE TABLE checkpoints (
            author_ref INTEGER NOT NULL,
            size INTEGER NOT NULL,
            id BLOB NOT NULL,
            root BLOB NOT NULL,
            ts INTEGER NOT NULL,
            raw BLOB NOT NULL,
            sig BLOB NOT NULL,
            PRIMARY KEY (author_ref, size)
        ) WITHOUT ROWID;
        CREATE TABLE cosignatures (
            checkpoint_id BLOB NOT NULL,
            witness BLOB NOT NULL,
            ts INTEGER NOT NULL,
            sig BLOB NOT NULL,
            PRIMARY KEY (checkpoint_id, witness)
        ) WITHOUT ROWID;
        CREATE TABLE forks (
            author BLOB NOT NULL,
            seq INTEGER NOT NULL,
            proof BLOB NOT NULL,
            found_at INTEGER NOT NULL,
            PRIMARY KEY (author, seq)
        );
        CREATE TABLE peers (
            url TEXT PRIMARY KEY,
            key BLOB,
            name TEXT NOT NULL DEFAULT '',
            added_at INTEGER NOT NULL,
            last_seen INTEGER,
            last_error TEXT,
            score INTEGER NOT NULL DEFAULT 100,
            failures INTEGER NOT NULL DEFAULT 0,
            next_try INTEGER NOT NULL DEFAULT 0,
            bytes_in INTEGER NOT NULL DEFAULT 0,
            bytes_out INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE peer_cursors (
            peer_url TEXT NOT NULL,
            author BLOB NOT NULL,
            size INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (peer_url, author)
        )
        """,
    ),
]
