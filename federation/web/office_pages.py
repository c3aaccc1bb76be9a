"""Pages of the Engagement 21 office: dashboard, contracts awaiting consent, statements, summaries, CSV import, accounts and invitations."""

from __future__ import annotations

from federation.web.pages import NavLink, Page, Panel

PAGES: list[Page] = []
PANELS: list[Panel] = []
NAV: list[NavLink] = []
