"""Pages of a coordinator: the queue of pending entries of their projects."""

from __future__ import annotations

from federation.web.pages import NavLink, Page, Panel

PAGES: list[Page] = []
PANELS: list[Panel] = []
NAV: list[NavLink] = []
