"""The web door's areas, in one list: each module exports `PAGES`, `PANELS` (home-page blocks) and
`NAV` (top links). The application mounts every page, the home page shows the panels and the
layout the links an account's role may use."""

from __future__ import annotations

from types import ModuleType

from federation.web import (
    auth_pages,
    coop_pages,
    coordinator_pages,
    employer_pages,
    evaluator_pages,
    home,
    office_pages,
    partner_pages,
    passkey_pages,
    person_pages,
    secretariat_pages,
)
from federation.web.pages import NavLink, Page, Panel

AREAS: tuple[ModuleType, ...] = (
    auth_pages, passkey_pages, home, person_pages, coordinator_pages, employer_pages, office_pages, secretariat_pages,
    partner_pages, coop_pages, evaluator_pages,
)


def pages() -> list[Page]:
    return [p for m in AREAS for p in getattr(m, "PAGES", [])]


def panels() -> list[Panel]:
    return sorted((p for m in AREAS for p in getattr(m, "PANELS", [])), key=lambda p: p.order)


def nav() -> list[NavLink]:
    return sorted((n for m in AREAS for n in getattr(m, "NAV", [])), key=lambda n: n.order)
