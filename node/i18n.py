"""Translations: one gettext catalog per language (`node/locale/<lang>/LC_MESSAGES/democite.po`),
English message ids, French the territory's default. Pages, documents and mails take their words
from here, through Babel (which also formats dates and numbers the French or English way).

Catalogs are read once per process from the .po files (compiled in memory, no build step) and
kept in a `Translator` the web application holds in an AppKey.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from node.config import DEFAULT_LANG, LANGS

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "democite"


def load_catalog(lang: str) -> NullTranslations:
    """The catalog of `lang`. English is the message ids themselves, except the few ids built at
    run time (`role:person`, ...) that its small catalog words for people."""
    po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(fp=buf, domain=DOMAIN)


@dataclass(frozen=True, slots=True)
class Translator:
    """Every language's catalog, loaded once."""

    default: str = DEFAULT_LANG
    catalogs: dict[str, NullTranslations] = field(default_factory=dict)

    @classmethod
    def load(cls, default: str = DEFAULT_LANG) -> Translator:
        return cls(default, {lang: load_catalog(lang) for lang in LANGS})

    def pick(self, *wishes: str | None) -> str:
        """The first wish we speak (a ?lang=, an account's choice, a browser's), else the default."""
        for w in wishes:
            if w and w[:2].lower() in self.catalogs:
                return w[:2].lower()
        return self.default

    def get(self, lang: str) -> NullTranslations:
        return self.catalogs.get(lang) or self.catalogs[self.default]

    def gettext(self, lang: str, message: str) -> str:
        return self.get(lang).gettext(message)
