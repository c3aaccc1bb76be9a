"""What the DAS commands print (issue #10, item 16): listings say when a page is not everything,
--lang applies to every statement format, and `show` commands print text unless --json."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import call_api, run_cli


async def ok(*argv: str) -> tuple[str, str]:
    rc, out, err = await run_cli(*argv)
    assert rc == 0, f"{argv}: {err}"
    return out, err


async def territory(rn: Any, entries: int = 7) -> str:
    """A person with a 35 h contract, a coordinator, a validated project and `entries` validated entries."""
    d = str(rn.config.data_dir)
    await ok("das", "employer", "add", "--data", d, "--name", "acme", "--kind", "private")
    await ok("das", "person", "add", "--data", d, "--pseudonym", "p-0042", "--status", "employee", "--employer", "acme")
    await ok("das", "person", "profile", "--data", d, "p-0042", "--competence", "repair=3,technical", "--paper-consent", "profil signé")
    await ok("das", "contract", "add", "--data", d, "--paper-consent", "convention (tests)", "--person", "p-0042", "--hours", "35", "--from", "2026-01-01", "--to", "2026-12-31")
    await ok("das", "contract", "flex", "--data", d, "1", "--from", "2026-Q3", "--to", "2026-Q1", "--hours", "1", "--paper-consent", "avenant n°1")
    await ok("das", "person", "add", "--data", d, "--pseudonym", "p-0007", "--status", "volunteer")
    await ok("das", "project", "add", "--data", d, "--title", "Repair café", "--sdg", "12", "--coordinator", "p-0007")
    await ok("das", "project", "validate", "--data", d, "1", "--decision", "Conseil municipal 2026-02-10 n°12")
    for i in range(entries):
        e = (await ok("das", "entry", "add", "--data", d, "--person", "p-0042", "--project", "1", "--date", f"2026-02-{10 + i:02d}",
                      "--minutes", "30", "--competence", "repair"))[0].strip()
        await ok("das", "entry", "validate", "--data", d, e)
    return d


async def test_entry_list_says_how_many_are_not_shown(make_node) -> None:
    rn = await make_node()
    d = await territory(rn)
    out, err = await ok("das", "entry", "list", "--data", d, "--limit", "5")
    assert len(out.strip().splitlines()) == 2 + 5
    assert "5 of 7 shown; use --offset 5 to see more" in err
    out, err = await ok("das", "entry", "list", "--data", d, "--limit", "5", "--offset", "5")
    assert len(out.strip().splitlines()) == 2 + 2 and err == ""
    out, err = await ok("das", "entry", "list", "--data", d)
    assert err == ""
    # the API answers the total with the page (existing callers read "entries" as before)
    status, r = await call_api(rn, "GET", "/api/das/entries", limit=3, status="validated")
    assert status == 200 and len(r["entries"]) == 3 and r["total"] == 7
    doc = json.loads((await ok("das", "entry", "list", "--data", d, "--limit", "2", "--json"))[0])
    assert doc["total"] == 7 and len(doc["entries"]) == 2
    await ok("das", "statements", "--data", d, "--period", "2026-Q1", "--issue")
    _, err = await ok("das", "statements", "--data", d, "--limit", "1")
    assert err == ""  # one statement in all


async def test_statement_language_for_text_and_csv(make_node) -> None:
    rn = await make_node()
    d = await territory(rn, entries=1)
    fr, _ = await ok("das", "statement", "--data", d, "--person", "p-0042", "--period", "2026-Q1")
    assert "Bulletin d'Activité Sociétale" in fr and "Titulaire" in fr and "Projet" in fr and "0 h 30" in fr and "7,50 local" in fr
    en, _ = await ok("das", "statement", "--data", d, "--number", "1", "--lang", "en")
    assert "Societal Activity Statement" in en and "Holder" in en and "Project" in en and "0:30" in en and "7.50 local" in en
    assert "Bulletin" not in en
    csv_fr, _ = await ok("das", "statement", "--data", d, "--number", "1", "--format", "csv")
    assert csv_fr.splitlines()[0].startswith("bulletin,période,titulaire,projet")
    csv_en, _ = await ok("das", "statement", "--data", d, "--number", "1", "--format", "csv", "--lang", "en")
    assert csv_en.splitlines()[0].startswith("statement,period,holder,project")
    assert csv_fr.splitlines()[1:] == csv_en.splitlines()[1:]  # only the labels change, never the figures


async def test_show_commands_print_text_unless_json(make_node) -> None:
    rn = await make_node()
    d = await territory(rn, entries=1)
    for argv in (("das", "person", "show", "--data", d, "p-0042"), ("das", "contract", "show", "--data", d, "1"),
                 ("das", "project", "show", "--data", d, "1"), ("das", "summary", "preview", "--data", d, "--period", "2026-Q1")):
        text, _ = await ok(*argv)
        assert "{" not in text and "}" not in text and '": ' not in text, text
        assert isinstance(json.loads((await ok(*argv, "--json"))[0]), dict)
    person, _ = await ok("das", "person", "show", "--data", d, "p-0042")
    assert "pseudonym  p-0042" in person and "repair" in person and "2026-Q1 9 h 37" in person  # 35 h spread, 1 h moved from Q3
    contract, _ = await ok("das", "contract", "show", "--data", d, "1")
    assert "35 h 00" in contract and "2026-Q3  2026-Q1  1 h 00" in contract
    project, _ = await ok("das", "project", "show", "--data", d, "1")
    assert "Conseil municipal 2026-02-10 n°12" in project and "proposed  validated" in project
    preview, _ = await ok("das", "summary", "preview", "--data", d, "--period", "2026-Q1")
    assert "hidden (fewer than k persons)" in preview and "nothing is signed" in preview
