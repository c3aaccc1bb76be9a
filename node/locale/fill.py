"""Set French translations given as a Python dict in a file (`FR = {...}`) into the catalog, then
refresh it (`python -m node.locale.fill FILE`): how a batch of new page texts gets its French."""

from __future__ import annotations

import runpy
import sys

from babel.messages.pofile import read_po, write_po

from node.locale.update import PO


def main(path: str) -> int:
    given: dict[str, str] = runpy.run_path(path)["FR"]
    with PO.open("rb") as fh:
        cat = read_po(fh, locale="fr")
    for msgid, text in given.items():
        if msgid in cat:  # Catalog.add merges an existing entry and keeps its old (empty) text
            cat[msgid].string = text
        else:
            cat.add(msgid, text)
    with PO.open("wb") as fh:
        write_po(fh, cat, no_location=True, width=100)
    from node.locale.update import main as update

    return update()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
