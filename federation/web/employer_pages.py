"""Pages of an employer's representative: its persons' hours, contracts and flexibility to accept, leave to decide."""

from __future__ import annotations

from federation.web.pages import NavLink, Page, Panel

PAGES: list[Page] = []
PANELS: list[Panel] = []
NAV: list[NavLink] = []
