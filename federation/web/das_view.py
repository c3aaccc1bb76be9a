"""What the DAS pages share: the DAS service of the request's node, hours and amounts written for
the page's language, this year's hours of a list of contracts, and a form's refusal (each field's
problem, shown next to it, the values kept)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from babel.dates import format_date
from babel.numbers import format_decimal

from federation.web.keys import SESSION
from federation.web.templating import gettext, lang_of
from node.accounts.permissions import Role
from node.accounts.principal import Principal
from node.api.framework import node_of
from node.das import scope
from node.das.service import DasService
from node.errors import Forbidden

CONTRACTS = web.RequestKey("das_contracts", dict)  # one listing of the account's contracts per request (panels share it)
HOME_CONTRACTS = web.RequestKey("das_home_contracts", dict)


def N_(text: str) -> str:
    """Marks an English message id for the catalog; translated where it is shown (`Refusal.add`, the navigation)."""
    return text


def das(request: web.Request) -> DasService:
    return DasService(node_of(request))


def who(request: web.Request) -> Principal:
    return request[SESSION].principal


def hm(minutes: int) -> str:
    """Minutes as people read a duration, the same in French and English: 1 h 30."""
    sign = "-" if minutes < 0 else ""
    m = abs(int(minutes))
    return f"{sign}{m // 60} h {m % 60:02d}"


def money(cents: int, currency: str, lang: str) -> str:
    return f"{format_decimal(cents / 100, format='#,##0.00', locale=lang)} {currency}"


def day(text: str | None, lang: str) -> str:
    if not text:
        return ""
    try:
        return str(format_date(dt.date.fromisoformat(text[:10]), "medium", locale=lang))
    except ValueError:
        return text


def formats(request: web.Request) -> dict[str, Any]:
    """The page's helpers for templates: hm(minutes), money(cents), day('YYYY-MM-DD')."""
    lang = lang_of(request)
    currency = node_of(request).config.das.currency
    return {"hm": hm, "money": lambda c: money(c, currency, lang), "day": lambda t: day(t, lang)}


async def contracts(request: web.Request) -> dict[str, Any]:
    """The account's current contracts (a person's own, an employer's employees', staff: all), read once per request."""
    if CONTRACTS not in request:
        request[CONTRACTS] = await das(request).persons.list_contracts(who(request), None)
    return request[CONTRACTS]


async def own_ref(request: web.Request) -> str:
    """A person account's own local id (403 when its person was erased, or for an account that is no person's)."""
    p = who(request)
    ref = await scope.person_ref(das(request).ctx, p, None) if p.role is Role.PERSON else None
    if ref is None:
        raise Forbidden("these pages show a person's own DAS; open them from a person's account")
    return ref


def party(p: Principal) -> str:
    """The party this account accepts as (the service checks the contract is theirs)."""
    if p.staff:
        return "engagement21"
    return "employer" if p.role is Role.EMPLOYER else "person"


def year_hours(items: list[dict[str, Any]], entries: list[dict[str, Any]], year: int) -> dict[str, int]:
    """Granted minutes of `year` (these contracts' quarters), used ones (the person's pending and
    validated entries of the year, as the contract's own count goes) and what is left."""
    prefix = f"{year}-"
    granted = sum(m for c in items if not c.get("superseded") for q, m in c.get("allocation", {}).items() if q.startswith(prefix))
    used = sum(e["minutes"] for e in entries if e["date"].startswith(prefix) and e["status"] in ("pending", "validated"))
    return {"granted": granted, "used": used, "left": granted - used}


async def home_contracts(request: web.Request) -> dict[str, Any]:
    """The contracts a home panel shows: a person's own read cheaply (their record: no territory-wide
    listing on the page people open most), anyone else's through the contract listing."""
    if HOME_CONTRACTS not in request:
        p = who(request)
        if p.role is Role.PERSON:
            request[HOME_CONTRACTS] = {"contracts": (await das(request).persons.get_person(p, await own_ref(request)))["contracts"]}
        else:
            request[HOME_CONTRACTS] = await contracts(request)
    return request[HOME_CONTRACTS]


def awaiting(items: list[dict[str, Any]], who_: Principal) -> list[dict[str, Any]]:
    mine = party(who_)
    return [c for c in items if mine in c.get("missing_acceptances", [])]


@dataclass(slots=True)
class Refusal:
    """A form's problems: one message per field (shown next to it) and one for the whole form."""

    request: web.Request
    fields: dict[str, str] = field(default_factory=dict)
    general: str | None = None

    def add(self, name: str, english: str, **values: Any) -> None:
        self.fields.setdefault(name, gettext(self.request)(english).format(**values))

    def refuse(self, english: str) -> None:
        self.general = gettext(self.request)(english)

    def __bool__(self) -> bool:
        return bool(self.fields) or self.general is not None


def text_field(form: Any, name: str, max_len: int) -> str:
    return str(form.get(name, "")).strip()[:max_len]


def whole(text: str) -> int | None:
    """A whole number typed in a form (digits only), or None."""
    t = text.strip()
    return int(t) if t.isdigit() and len(t) <= 9 else None


def date_text(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None
