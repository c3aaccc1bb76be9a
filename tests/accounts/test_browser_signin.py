"""Signing in the way people do it: a real Chromium opens the invitation, creates the account by the
labels it reads, signs out and in again; French by default, English with ?lang=en."""

from __future__ import annotations

from typing import Any

from tests.accounts.conftest import Browser, ClockedNode
from tests.accounts_util import invite

PASSPHRASE = "correct horse battery staple"


def _create_then_sign_in(ctx: Any, url: str, web_url: str) -> dict[str, Any]:
    page = ctx.new_page()
    page.goto(url + "?lang=en")
    page.get_by_label("Username").fill("marie")
    page.get_by_label("Password", exact=True).fill(PASSPHRASE)
    page.get_by_label("Confirm password").fill(PASSPHRASE)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_load_state()
    created = page.url
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login**")
    page.get_by_label("Username").fill("marie")
    page.get_by_label("Password", exact=True).fill("not the right passphrase")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    wrong = (page.url, page.get_by_role("alert").inner_text())
    page.get_by_label("Password", exact=True).fill(PASSPHRASE)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    return {"created": created, "wrong": wrong, "signed_in": page.url, "heading": page.locator("h1").inner_text(),
            "cookies": ctx.cookies()}


async def test_invitation_to_account_to_sign_in_in_english(clocked_node: ClockedNode, browser: Browser) -> None:
    rn, _clock = await clocked_node()
    url = await invite(rn, "resident")
    seen = await browser.run(lambda ctx: _create_then_sign_in(ctx, url, rn.web_url))
    assert seen["created"] == rn.web_url + "/?lang=en"  # the new account is signed in, on its home page
    wrong_url, wrong_alert = seen["wrong"]
    assert "/login" in wrong_url and wrong_alert == "Wrong username or password."
    assert "/login" not in seen["signed_in"] and "marie" in seen["heading"]
    session = [c for c in seen["cookies"] if c["name"] == "democite_session"]
    assert session and session[0]["httpOnly"] and session[0]["sameSite"] == "Lax" and not session[0]["secure"]


def _french_labels(ctx: Any, url: str) -> dict[str, Any]:
    page = ctx.new_page()
    page.goto(url)  # no ?lang=: the territory's language, French
    labels = page.locator("label").all_inner_texts()
    button = page.get_by_role("button", name="Créer le compte").count()
    page.get_by_label("Nom d'utilisateur").fill("jeanne")
    page.get_by_label("Mot de passe", exact=True).fill("court")
    page.get_by_label("Confirmer le mot de passe").fill("court")
    page.evaluate("document.querySelectorAll('input[minlength]').forEach(e => e.removeAttribute('minlength'))")
    page.get_by_role("button", name="Créer le compte").click()
    page.wait_for_load_state()
    return {"lang": page.locator("html").get_attribute("lang"), "labels": labels, "button": button,
            "error": page.get_by_role("alert").inner_text()}


async def test_pages_are_french_by_default(clocked_node: ClockedNode, browser: Browser) -> None:
    rn, _clock = await clocked_node()
    url = await invite(rn, "resident")
    seen = await browser.run(lambda ctx: _french_labels(ctx, url))
    assert seen["labels"] == ["Nom d'utilisateur", "Mot de passe", "Confirmer le mot de passe"]
    assert seen["button"] == 1 and seen["lang"] == "fr"
    assert "12 caractères" in seen["error"]  # the server's refusal, in French too
