"""Every text a person reads (pages, mails, the errors pages show) exists in French: this test fails
while a message id lacks its French translation, or while a translation loses a {placeholder}.
Fix: `python -m node.locale.update` lists what is missing; put the French in a file `FR = {...}`
and run `python -m node.locale.fill FILE`."""

from __future__ import annotations

import re

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from node.locale.update import PO, message_ids, missing

PLACEHOLDER = re.compile(r"\{[a-z_]*\}")


def _catalog() -> Catalog:
    with PO.open("rb") as fh:
        return read_po(fh, locale="fr")


def test_every_message_has_a_french_translation() -> None:
    ids = message_ids()
    assert len(ids) > 50, "the extraction found almost nothing: check node/locale/update.py"
    todo = missing(_catalog(), ids)
    assert not todo, ("untranslated (python -m node.locale.update, then node.locale.fill):\n"
                      + "\n".join(repr(t) for t in todo))


def test_translations_keep_their_placeholders() -> None:
    catalog = _catalog()
    broken = []
    for msg in catalog:
        if (msg.id and isinstance(msg.id, str) and msg.string
                and sorted(PLACEHOLDER.findall(msg.id)) != sorted(PLACEHOLDER.findall(str(msg.string)))):
            broken.append(msg.id)
    assert not broken, "these French texts lost or renamed a {placeholder}:\n" + "\n".join(broken)


def test_the_sign_in_words_are_french() -> None:
    catalog = _catalog()
    words = {"Username": "Nom d'utilisateur", "Password": "Mot de passe", "Confirm password": "Confirmer le mot de passe",
             "Create account": "Créer le compte", "Sign in": "Se connecter", "Sign in with a passkey": "Se connecter avec une clé d'accès"}
    assert {k: catalog.get(k).string for k in words} == words


def test_role_names_read_as_words_in_both_languages() -> None:
    from node.accounts.permissions import Role
    from node.i18n import Translator

    tr = Translator.load()
    for lang in ("fr", "en"):
        for role in Role:
            word = tr.gettext(lang, f"role:{role}")
            assert word and not word.startswith("role:"), (lang, role, word)
