"""All numbered schema migrations, gathered from each area's schema module.

Each area owns a range of versions so areas can grow independently; a database records every
version it applied, and a version is never edited once released: changes are new versions.
"""

from node.storage import schema_coop, schema_core, schema_das, schema_pacte

MIGRATIONS: list[tuple[int, str, str]] = [
    *schema_core.MIGRATIONS,
    *schema_das.MIGRATIONS,
    *schema_pacte.MIGRATIONS,
    *schema_coop.MIGRATIONS,
]

_versions = [v for v, _, _ in MIGRATIONS]
assert len(_versions) == len(set(_versions)), "two migrations share a version number"
