"""The main flow of three roles in a real Chromium, by the labels people read: a partner accepts a
commitment and reports progress; the office accepts a twinning another real node proposed; an
evaluator uploads a real node's bundle and reads the report, in French by default. axe-core checks
the pages filled with rows (the every-page walk sees them empty)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe

from tests.accounts_util import PASSWORD, make_account
from tests.conftest import Browser, browser  # noqa: F401  (the module's Chromium)
from tests.dates import NEXT_YEAR_END
from tests.web.test_coop_pages import linked, ok, sync
from tests.web.test_evaluator_pages import bundle_of
from tests.web.test_every_page import WCAG
from tests.web.test_partner_pages import pact

WEB = {"listen": "127.0.0.1:0"}


def serious(page: Any) -> list[str]:
    """axe-core's serious and critical WCAG 2.1 AA violations on the page as it is now (filled with rows)."""
    found = Axe().run(page, options=WCAG).response["violations"]
    return [f"{v['id']} ({v['impact']})" for v in found if v["impact"] in ("serious", "critical")]


def _sign_in(ctx: Any, web_url: str, username: str, lang: str = "?lang=en") -> Any:
    page = ctx.new_page()
    page.goto(web_url + "/login" + lang)
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("form[action^='/login'] button[type=submit]").click()
    page.wait_for_load_state()
    return page


def _partner_flow(ctx: Any, web_url: str, cid: str) -> dict[str, Any]:
    page = _sign_in(ctx, web_url, "zq-bruno")
    waiting = page.locator("#panel-partner").locator("..").inner_text()
    page.get_by_role("link", name="Accept or report progress").click()
    axe = serious(page)
    page.get_by_role("button", name="Accept").click()
    page.wait_for_load_state()
    accepted = page.get_by_role("status").inner_text()
    page.get_by_label("New state").select_option("in_progress")
    page.get_by_label("Progress note").fill("Premières livraisons au marché")
    page.get_by_role("button", name="Report progress").click()
    page.wait_for_load_state()
    return {"axe": axe + serious(page), "waiting": waiting, "accepted": accepted, "reported": page.get_by_role("status").inner_text(),
            "card": page.locator("article").first.inner_text()}


async def test_partner_accepts_a_commitment_and_reports_progress(make_node: Any, browser: Browser) -> None:  # noqa: F811
    rn = await make_node(web=WEB)
    ids = await pact(rn)
    await make_account(rn, "partner", "zq-bruno", org="Biocoop Sud")
    seen = await browser.run(lambda ctx: _partner_flow(ctx, rn.web_url, ids["bio"]))
    assert seen["axe"] == []
    assert "50% local" in seen["waiting"] and "200 homes" not in seen["waiting"]
    assert seen["accepted"] == "The commitment is accepted."
    assert seen["reported"] == "Your progress report is recorded."
    assert "State: in progress" in seen["card"] and "Premières livraisons au marché" in seen["card"]
    shown = await ok(rn, "GET", f"/api/pacte/{ids['p']}")
    assert [c["id"] for c in shown["commitments"]["in_progress"]] == [ids["bio"]]


def _office_flow(ctx: Any, web_url: str) -> dict[str, Any]:
    page = _sign_in(ctx, web_url, "zq-agathe")
    page.get_by_role("link", name="Cooperation").first.click()
    page.wait_for_load_state()
    proposal = page.locator("article").first.inner_text()
    axe = serious(page)
    page.get_by_role("button", name="Accept the twinning").click()
    page.wait_for_load_state()
    return {"axe": axe + serious(page), "proposal": proposal, "done": page.get_by_role("status").inner_text(),
            "inbox": page.locator("#twin-inbox").locator("..").inner_text()}


async def test_office_accepts_a_twinning_another_node_proposed(make_node: Any, browser: Browser) -> None:  # noqa: F811
    a, b = await linked(make_node)
    tid = (await ok(b, "POST", "/api/twin", {"with": [a.node.public_key.hex()], "title": "Jardins partagés",
                                              "objectives": "Échanger des semences", "until": NEXT_YEAR_END}))["id"]
    await sync(a, b)
    await make_account(a, "office", "zq-agathe")
    seen = await browser.run(lambda ctx: _office_flow(ctx, a.web_url))
    assert seen["axe"] == []
    assert "Jardins partagés" in seen["proposal"] and "Quartier B" in seen["proposal"]
    assert seen["done"] == "Done: twinning accepted." and "No proposal waits for an answer." in seen["inbox"]
    await sync(a, b)
    assert (await ok(b, "GET", f"/api/twin/{tid}"))["state"] == "active"  # the proposer's node sees it too


def _evaluator_flow(ctx: Any, web_url: str, bundle: Path) -> dict[str, Any]:
    page = _sign_in(ctx, web_url, "zq-eva", lang="")  # no ?lang=: the territory's French
    page.get_by_role("link", name="Auditer un lot").first.click()
    page.wait_for_load_state()
    page.get_by_label("Fichier du lot (.dmc)").set_input_files(str(bundle))
    page.get_by_role("button", name="Auditer").click()
    page.wait_for_load_state()
    return {"axe": serious(page), "h1": page.locator("h1").inner_text(), "verdict": page.get_by_role("status").inner_text(),
            "lang": page.locator("html").get_attribute("lang"), "text": page.locator("main").inner_text()}


async def test_evaluator_uploads_a_real_bundle_and_reads_the_report(make_node: Any, browser: Browser, tmp_path: Path) -> None:  # noqa: F811
    a, b = await linked(make_node)
    await ok(b, "POST", "/api/pacte", {"title": "Pacte alimentaire", "horizon": 5, "start_year": 2026})
    path = tmp_path / "quartier-b.dmc"
    path.write_bytes(await bundle_of(b))
    await make_account(a, "evaluator", "zq-eva")
    seen = await browser.run(lambda ctx: _evaluator_flow(ctx, a.web_url, path))
    assert seen["axe"] == []
    assert seen["lang"] == "fr" and seen["h1"] == "Rapport d'audit"
    assert seen["verdict"].startswith("RÉUSSI"), seen["text"]
    assert "Quartier B" in seen["text"] and "Signatures sur les octets exacts" in seen["text"] and "Pacte alimentaire" in seen["text"]
