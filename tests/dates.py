"""Dates the tests pass where the node compares them with today (a twinning's or certificate's
end): relative to the real clock, so the suite does not rot when a fixed year goes by."""

from __future__ import annotations

import datetime as dt

NEXT_YEAR_END = f"{dt.date.today().year + 1}-12-31"
YEAR_AFTER_END = f"{dt.date.today().year + 2}-12-31"  # a renewal, later than NEXT_YEAR_END
