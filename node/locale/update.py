"""Refresh the French catalog from the code: extract every message id (Python `_()`/`gettext()`/`N_()`,
Jinja2 `_()`), add the ids that are built at run time (roles, permission descriptions, the errors
pages show), keep existing translations and list the ids that still need one.

    python -m node.locale.update          # rewrites node/locale/fr/LC_MESSAGES/democite.po, prints what is missing

`tests/test_translations.py` fails while any id lacks a French translation.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from node.accounts.permissions import DESCRIPTIONS, Role
from node.accounts.service import RUNTIME_MESSAGES
from node.audit.report import CHECK_LABELS

NODE = Path(__file__).resolve().parents[1]
PO = NODE / "locale" / "fr" / "LC_MESSAGES" / "democite.po"
SOURCES = (NODE, NODE.parent / "federation")  # pages live in federation/web, mails and documents in node/
METHODS = [("**/templates/**.j2", "jinja2"), ("**.py", "python")]
OPTIONS = {"**/templates/**.j2": {"extensions": "jinja2.ext.i18n"}}
KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2)}


def message_ids() -> list[str]:
    ids: list[str] = []
    for root in SOURCES:
        for _file, _line, msg, _comments, _ctx in extract_from_dir(str(root), METHODS, OPTIONS, KEYWORDS):
            for m in msg if isinstance(msg, tuple) else (msg,):
                if m and m not in ids:
                    ids.append(m)
    ids += [f"role:{r}" for r in Role] + list(DESCRIPTIONS.values()) + list(RUNTIME_MESSAGES)
    ids += list(CHECK_LABELS.values())  # the audit report's check names, shown on the evaluator's pages
    return list(dict.fromkeys(ids))


def missing(catalog: Catalog, ids: list[str]) -> list[str]:
    return [i for i in ids if not ((m := catalog.get(i)) is not None and m.string)]


def main() -> int:
    with PO.open("rb") as fh:
        old = read_po(fh, locale="fr")
    # the old dates kept: a refresh that changes no message changes no byte of the file
    new = Catalog(locale="fr", project="democite", fuzzy=False, creation_date=old.creation_date, revision_date=old.revision_date)
    new.header_comment = "# French translations of Démocité: pages, documents and mails. English message ids."
    for i in message_ids():
        found = old.get(i)
        new.add(i, found.string if found else "")
    with PO.open("wb") as fh:
        write_po(fh, new, omit_header=False, no_location=True, width=100)
    todo = missing(new, message_ids())
    for i in todo:
        print(f"untranslated: {i!r}")
    return 1 if todo else 0


if __name__ == "__main__":
    sys.exit(main())
