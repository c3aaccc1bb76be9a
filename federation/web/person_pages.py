"""Pages of a person holding a DAS: home, record time, entries, statements, contract and profile, own data."""

from __future__ import annotations

from federation.web.pages import NavLink, Page, Panel

PAGES: list[Page] = []
PANELS: list[Panel] = []
NAV: list[NavLink] = []
