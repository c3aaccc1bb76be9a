"""Reading the office's and the secretariat's forms: each field declared once (its label, whether
it is required, its length and shape), checked before any service runs, so a refusal names the
field next to it and the page re-renders with what was typed."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from federation.web.templating import gettext
from protocol.schema import FORMATS

Values = dict[str, str]
Errors = dict[str, str]


def N_(text: str) -> str:
    return text  # marked for the catalog, translated when shown


@dataclass(frozen=True, slots=True)
class Fld:
    name: str
    required: bool = True
    max_len: int = 200
    kind: str = "text"  # text, int, date, period, choice, list (numbers separated by commas)
    choices: tuple[str, ...] = ()
    lo: int | None = None
    hi: int | None = None


def _problem(f: Fld, text: str) -> str | None:
    """What is wrong with the typed text, as an English message id (translated when shown)."""
    if not text:
        return N_("Fill in this field.") if f.required else None
    if len(text) > f.max_len:
        return N_("Too long: at most {n} characters.")
    if f.kind == "int":
        if not re.fullmatch(r"[0-9]{1,9}", text):
            return N_("Type a whole number.")
        n = int(text)
        if (f.lo is not None and n < f.lo) or (f.hi is not None and n > f.hi):
            return N_("Type a number from {lo} to {hi}.")
    if f.kind == "date":
        try:
            valid = bool(re.fullmatch(FORMATS["date"], text)) and dt.date.fromisoformat(text) is not None
        except ValueError:  # the right shape, not a day: a 30th of February
            valid = False
        if not valid:
            return N_("Type a date as YYYY-MM-DD, for example 2026-03-31.")
    if f.kind == "period" and not re.fullmatch(FORMATS["period"], text):
        return N_("Type a period as YYYY-Qn (for example 2026-Q1), YYYY-MM or YYYY.")
    if f.kind == "choice" and text not in f.choices:
        return N_("Choose one of the listed values.")
    if f.kind == "list" and not re.fullmatch(r"[0-9]{1,9}(\s*,\s*[0-9]{1,9})*", text):
        return N_("Type project numbers separated by commas, for example 3, 7.")
    return None


async def read(request: web.Request, fields: Sequence[Fld]) -> tuple[Values, Errors]:
    """The form's values (trimmed, every declared field present) and the problems, field by field."""
    form = await request.post()
    return check(form, fields, request)


def check(form: Mapping[str, Any], fields: Sequence[Fld], request: web.Request) -> tuple[Values, Errors]:
    _ = gettext(request)
    values: Values = {}
    errors: Errors = {}
    for f in fields:
        raw = form.get(f.name, "")
        text = raw.strip() if isinstance(raw, str) else ""
        values[f.name] = text[: f.max_len + 50]  # kept to refill the form, never unbounded
        wrong = _problem(f, text)
        if wrong is not None:
            errors[f.name] = _(wrong).format(n=f.max_len, lo=f.lo, hi=f.hi)
    return values, errors


def opt(values: Values, name: str) -> str | None:
    return values.get(name) or None


def num(values: Values, name: str) -> int | None:
    return int(values[name]) if values.get(name) else None
