"""Pages of a peer evaluator: upload an audit bundle, read the report."""

from __future__ import annotations

from federation.web.pages import NavLink, Page, Panel

PAGES: list[Page] = []
PANELS: list[Panel] = []
NAV: list[NavLink] = []
