"""Pages of cooperation (office): reviews, twinnings, the fund, members and peer health."""

from __future__ import annotations

from federation.web.pages import NavLink, Page, Panel

PAGES: list[Page] = []
PANELS: list[Panel] = []
NAV: list[NavLink] = []
