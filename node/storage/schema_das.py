"""Societal Activity Rights schema (node-local, personal data: never served to peers). Versions 100-199.

Dates are ISO text (YYYY-MM-DD, they sort), durations integer minutes, money integer cents.
Agreements (profiles, contracts) are versioned: an amendment is a new row, never an edit.
Consent (101): each acceptance names the account and role that gave it (a pseudonymous id, never a
name) and, for a paper agreement the office recorded, its reference; acceptances made before
accounts existed carry none. Profiles and flexibility moves are `proposed` until every party agreed.
"""

MIGRATIONS = [
    (
        100,
        "das: persons, profiles, employers, contracts, projects, entries, statements, ledger, summaries",
        """
        CREATE TABLE das_employers (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL CHECK (kind IN ('private', 'public')),
            created_at INTEGER NOT NULL
        );
        CREATE TABLE das_persons (
            id INTEGER PRIMARY KEY,
            local_id TEXT UNIQUE,
            pseudonym TEXT UNIQUE,
            name TEXT,
            status TEXT NOT NULL,
            employer_id INTEGER REFERENCES das_employers(id),
            salt BLOB,
            erased_at INTEGER,
            created_at INTEGER NOT NULL
        );
        CREATE TABLE das_profiles (
            id INTEGER PRIMARY KEY,
            person_id INTEGER NOT NULL REFERENCES das_persons(id),
            version INTEGER NOT NULL,
            agreed_on TEXT NOT NULL,
            parties TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            UNIQUE (person_id, version)
        );
        CREATE TABLE das_profile_items (
            profile_id INTEGER NOT NULL REFERENCES das_profiles(id),
            competence TEXT NOT NULL,
            level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 4),
            family TEXT NOT NULL,
            PRIMARY KEY (profile_id, competence)
        );
        CREATE TABLE das_contracts (
            id INTEGER PRIMARY KEY,
            contract_no INTEGER NOT NULL,
            version INTEGER NOT NULL,
            person_id INTEGER NOT NULL REFERENCES das_persons(id),
            employer_id INTEGER REFERENCES das_employers(id),
            date_from TEXT NOT NULL,
            date_to TEXT NOT NULL,
            minutes_granted INTEGER NOT NULL CHECK (minutes_granted > 0),
            mode TEXT NOT NULL CHECK (mode IN ('spread', 'leave')),
            leave_day_minutes INTEGER NOT NULL DEFAULT 420,
            superseded_by INTEGER,
            reason TEXT NOT NULL DEFAULT '',
            created_at INTEGER NOT NULL,
            UNIQUE (contract_no, version),
            CHECK (date_from <= date_to)
        );
        CREATE INDEX das_contracts_person ON das_contracts(person_id, superseded_by);
        CREATE TABLE das_acceptances (
            contract_id INTEGER NOT NULL REFERENCES das_contracts(id),
            party TEXT NOT NULL CHECK (party IN ('person', 'employer', 'engagement21')),
            accepted_on TEXT NOT NULL,
            PRIMARY KEY (contract_id, party)
        );
        CREATE TABLE das_flex (
            id INTEGER PRIMARY KEY,
            contract_no INTEGER NOT NULL,
            from_quarter TEXT NOT NULL,
            to_quarter TEXT NOT NULL,
            minutes INTEGER NOT NULL CHECK (minutes > 0),
            parties TEXT NOT NULL,
            agreed_on TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            created_at INTEGER NOT NULL
        );
        CREATE TABLE das_projects (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            sdg INTEGER NOT NULL CHECK (sdg BETWEEN 1 AND 17),
            theme TEXT,
            kind TEXT NOT NULL CHECK (kind IN ('programme', 'local-initiative', 'international-solidarity')),
            coordinator_id INTEGER REFERENCES das_persons(id),
            status TEXT NOT NULL CHECK (status IN ('proposed', 'validated', 'active', 'closed')),
            decision TEXT,
            decision_date TEXT,
            created_at INTEGER NOT NULL
        );
        CREATE TABLE das_project_events (
            project_id INTEGER NOT NULL REFERENCES das_projects(id),
            at INTEGER NOT NULL,
            from_status TEXT NOT NULL,
            to_status TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE das_entries (
            id INTEGER PRIMARY KEY,
            person_id INTEGER NOT NULL REFERENCES das_persons(id),
            project_id INTEGER NOT NULL REFERENCES das_projects(id),
            contract_no INTEGER NOT NULL,
            date TEXT NOT NULL,
            minutes INTEGER NOT NULL CHECK (minutes BETWEEN -720 AND 720 AND minutes != 0),
            competence TEXT NOT NULL,
            level INTEGER NOT NULL,
            family TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('pending', 'validated', 'rejected')),
            validated_by INTEGER,
            validated_at INTEGER,
            corrects INTEGER REFERENCES das_entries(id),
            note TEXT NOT NULL DEFAULT '',
            import_key INTEGER,
            created_at INTEGER NOT NULL
        );
        CREATE INDEX das_entries_person ON das_entries(person_id, date);
        CREATE INDEX das_entries_contract ON das_entries(contract_no);
        CREATE TABLE das_statements (
            number INTEGER PRIMARY KEY,
            person_id INTEGER REFERENCES das_persons(id),
            period TEXT NOT NULL,
            corrects INTEGER REFERENCES das_statements(number),
            superseded_by INTEGER,
            issued_on TEXT NOT NULL,
            body BLOB,
            salt BLOB,
            leaf BLOB NOT NULL,
            minutes INTEGER NOT NULL,
            cents INTEGER NOT NULL,
            created_at INTEGER NOT NULL
        );
        CREATE INDEX das_statements_person ON das_statements(person_id, period);
        CREATE INDEX das_statements_period ON das_statements(period);
        CREATE TABLE das_ledger_txns (
            id INTEGER PRIMARY KEY,
            on_date TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('credit', 'spend', 'correction')),
            memo TEXT NOT NULL DEFAULT '',
            statement INTEGER,
            created_at INTEGER NOT NULL
        );
        CREATE TABLE das_ledger_lines (
            txn_id INTEGER NOT NULL REFERENCES das_ledger_txns(id),
            account TEXT NOT NULL,
            amount_cents INTEGER NOT NULL,
            PRIMARY KEY (txn_id, account)
        ) WITHOUT ROWID;
        CREATE INDEX das_ledger_account ON das_ledger_lines(account);
        CREATE TABLE das_summaries (
            id INTEGER PRIMARY KEY,
            period TEXT NOT NULL,
            record_id BLOB NOT NULL UNIQUE,
            size INTEGER NOT NULL,
            root BLOB NOT NULL,
            published_at INTEGER NOT NULL
        );
        CREATE TABLE das_summary_leaves (
            summary_id INTEGER NOT NULL REFERENCES das_summaries(id),
            idx INTEGER NOT NULL,
            leaf BLOB NOT NULL,
            statement INTEGER,
            PRIMARY KEY (summary_id, idx)
        ) WITHOUT ROWID;
        CREATE INDEX das_summary_leaves_statement ON das_summary_leaves(statement);
        CREATE TABLE das_disclosures (
            statement INTEGER PRIMARY KEY REFERENCES das_statements(number),
            attached_at INTEGER NOT NULL
        )
        """,
    ),
    (
        101,
        "das: consent by accounts: who accepted (account, role, paper reference), proposed profiles and flexibility moves, who recorded and decided entries",
        """
        ALTER TABLE das_acceptances ADD COLUMN account TEXT;
        ALTER TABLE das_acceptances ADD COLUMN role TEXT;
        ALTER TABLE das_acceptances ADD COLUMN paper_ref TEXT;
        ALTER TABLE das_profiles ADD COLUMN status TEXT NOT NULL DEFAULT 'agreed' CHECK (status IN ('proposed', 'agreed'));
        ALTER TABLE das_flex ADD COLUMN status TEXT NOT NULL DEFAULT 'agreed' CHECK (status IN ('proposed', 'agreed'));
        CREATE TABLE das_consents (
            kind TEXT NOT NULL CHECK (kind IN ('profile', 'flex')),
            ref INTEGER NOT NULL,
            party TEXT NOT NULL CHECK (party IN ('person', 'employer', 'engagement21')),
            account TEXT NOT NULL,
            role TEXT NOT NULL,
            paper_ref TEXT,
            accepted_on TEXT NOT NULL,
            PRIMARY KEY (kind, ref, party)
        );
        CREATE INDEX das_consents_on ON das_consents(accepted_on);
        ALTER TABLE das_entries ADD COLUMN recorded_by TEXT;
        ALTER TABLE das_entries ADD COLUMN recorded_role TEXT;
        ALTER TABLE das_entries ADD COLUMN decided_by TEXT;
        ALTER TABLE das_entries ADD COLUMN decided_role TEXT
        """,
    ),
    (
        110,
        "das: individual projects (their holder) and DAS leave requests",
        """
        ALTER TABLE das_projects ADD COLUMN holder_id INTEGER REFERENCES das_persons(id);
        CREATE TABLE das_leave (
            id INTEGER PRIMARY KEY,
            contract_no INTEGER NOT NULL,
            person_id INTEGER NOT NULL REFERENCES das_persons(id),
            date_from TEXT NOT NULL,
            date_to TEXT NOT NULL,
            days INTEGER NOT NULL CHECK (days > 0),
            minutes INTEGER NOT NULL CHECK (minutes > 0),
            status TEXT NOT NULL CHECK (status IN ('requested', 'approved', 'refused')),
            note TEXT NOT NULL DEFAULT '',
            requested_by TEXT NOT NULL,
            requested_role TEXT NOT NULL,
            requested_at INTEGER NOT NULL,
            decided_by TEXT,
            decided_role TEXT,
            decided_at INTEGER,
            reason TEXT NOT NULL DEFAULT '',
            CHECK (date_from <= date_to)
        );
        CREATE INDEX das_leave_contract ON das_leave(contract_no, status);
        CREATE INDEX das_leave_person ON das_leave(person_id, date_from)
        """,
    ),
    (
        111,
        "das: entries by project and state (a coordinator's queue of pending entries, counted on every home page)",
        """
        CREATE INDEX das_entries_project ON das_entries(project_id, status)
        """,
    ),
]
