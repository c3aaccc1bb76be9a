"""Pages of the assembly's secretariat: projects awaiting the assembly's decision."""

from __future__ import annotations

from federation.web.pages import NavLink, Page, Panel

PAGES: list[Page] = []
PANELS: list[Panel] = []
NAV: list[NavLink] = []
