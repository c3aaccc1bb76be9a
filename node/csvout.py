"""CSV written by the node (statements, ledger, pact histories), safe to open in a spreadsheet.

A cell starting with `=`, `+`, `-`, `@`, tab or carriage return is a formula to Excel and
LibreOffice: a memo typed as `=HYPERLINK(...)` would run when staff open the export. As OWASP
recommends, such a cell is prefixed with a single quote; cells are quoted only where CSV needs it
(QUOTE_MINIMAL), so headers and plain cells read as they are. Numbers (ints, and text that is only
a signed number, like a negative amount) are left as they are.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def neutralise(cell: Any) -> Any:
    if isinstance(cell, str) and cell.startswith(_FORMULA_START) and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


class Writer:
    """`csv.writer` with every row neutralised; `getvalue()` returns the text written so far."""

    def __init__(self) -> None:
        self._buf = io.StringIO()
        self._w = csv.writer(self._buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)

    def writerow(self, row: Iterable[Any]) -> None:
        self._w.writerow([neutralise(c) for c in row])

    def getvalue(self) -> str:
        return self._buf.getvalue()
