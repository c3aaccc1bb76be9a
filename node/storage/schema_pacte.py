"""Pactes 21 derived tables (versions 200-299): a cache of the fold of the `pacte.*` records.

Nothing here is a source of truth: every row can be deleted and rebuilt from the logs alone.
"""

MIGRATIONS = [
    (
        200,
        "pacte derived tables: pacts, object index, commitments, fold marks",
        """
        CREATE TABLE pacte_pacts (
            id BLOB PRIMARY KEY,
            author BLOB NOT NULL,
            title TEXT NOT NULL,
            start_year INTEGER NOT NULL,
            horizon INTEGER NOT NULL,
            state TEXT NOT NULL
        );
        CREATE TABLE pacte_objects (
            id BLOB PRIMARY KEY,
            pacte BLOB NOT NULL,
            author BLOB NOT NULL,
            type TEXT NOT NULL
        );
        CREATE INDEX pacte_objects_by_pacte ON pacte_objects(pacte);
        CREATE TABLE pacte_commitments (
            id BLOB PRIMARY KEY,
            pacte BLOB NOT NULL,
            author BLOB NOT NULL,
            taskforce BLOB NOT NULL,
            partner TEXT NOT NULL,
            due TEXT NOT NULL,
            state TEXT NOT NULL
        );
        CREATE INDEX pacte_commitments_by_state ON pacte_commitments(pacte, state);
        CREATE TABLE pacte_folds (
            author BLOB PRIMARY KEY,
            size INTEGER NOT NULL,
            rejected INTEGER NOT NULL
        )
        """,
    ),
]
