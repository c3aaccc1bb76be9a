"""All numbered schema migrations, gathered from each area's schema module.

Each area owns a range of versions so areas can grow independently; a database records every
version it applied, and a version is never edited once released: changes are new versions.
"""

from node.storage import schema_accounts, schema_coop, schema_core, schema_das, schema_pacte

MIGRATIONS: list[tuple[int, str, str]] = [
    *schema_core.MIGRATIONS,
    *schema_das.MIGRATIONS,
    *schema_pacte.MIGRATIONS,
    *schema_coop.MIGRATIONS,
    *schema_accounts.MIGRATIONS,
]

_versions = [v for v, _, _ in MIGRATIONS]
assert len(_versions) == len(set(_versions)), "two migrations share a version number"

KNOWN = frozenset(_versions)
LATEST = max(_versions)


def newer_than_code(applied: set[int]) -> str | None:
    """Why a database holding the `applied` versions was written by a newer Démocité, or None.

    A version this code does not know is a newer one: versions are only ever added, and each area
    numbers its own range, so a newer release may add one below LATEST too."""
    unknown = sorted(set(applied) - KNOWN)
    if not unknown:
        return None
    top = max(applied)
    schema = f"schema {top} > {LATEST}" if top > LATEST else f"schema version {unknown[-1]} is unknown to this one, whose latest is {LATEST}"
    return (
        f"this database was written by a newer Démocité ({schema}): upgrade démocite "
        "(pip install -U democite) or restore a backup made by this version"
    )
