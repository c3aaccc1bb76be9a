"""The DAS user flow through the real CLI against a real node: every command of the issue as written."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import call_api, run_cli


async def cli(*argv: str) -> str:
    rc, out, err = await run_cli(*argv)
    assert rc == 0, f"{argv}: {err}"
    return out


async def cli_fails(*argv: str) -> str:
    rc, out, err = await run_cli(*argv)
    assert rc != 0, f"{argv} succeeded: {out}"
    assert "Traceback" not in err
    return err


async def setup_territory(d: str, n: int = 3) -> str:
    """An employer, n employees with contracts, a volunteer coordinator and a validated project."""
    assert (await cli("das", "employer", "add", "--data", d, "--name", "acme", "--kind", "private")).strip().isdigit()
    for i in range(1, n + 1):
        await cli("das", "person", "add", "--data", d, "--pseudonym", f"p-{i:04d}", "--status", "employee", "--employer", "acme",
                  "--name", f"Name{i} Surname")
        await cli("das", "contract", "add", "--data", d, "--paper-consent", "convention (tests)", "--person", f"p-{i:04d}", "--hours", "35", "--from", "2026-01-01", "--to", "2026-12-31")
    await cli("das", "person", "add", "--data", d, "--pseudonym", "p-0007", "--status", "volunteer")
    pid = (await cli("das", "project", "add", "--data", d, "--title", "Repair café", "--sdg", "12", "--coordinator", "p-0007")).strip()
    await cli("das", "project", "validate", "--data", d, pid, "--decision", "Conseil municipal 2026-02-10 n°12")
    return pid


async def test_issue_commands_exactly_as_written(make_node, tmp_path: Path) -> None:
    a = await make_node("Commune A")
    d = str(a.config.data_dir)
    out = json.loads(await cli("das", "employer", "add", "--data", d, "--name", "acme", "--kind", "private", "--json"))
    assert isinstance(out["id"], int)
    lid = (await cli("das", "person", "add", "--data", d, "--pseudonym", "p-0042", "--status", "employee", "--employer", "acme")).strip()
    assert lid.startswith("P-") and len(lid) == 10
    assert json.loads(await cli("das", "contract", "add", "--data", d, "--paper-consent", "convention (tests)", "--person", "p-0042", "--hours", "35", "--from", "2026-01-01",
                                "--to", "2026-12-31", "--json"))["id"] == 1
    await cli("das", "person", "add", "--data", d, "--pseudonym", "p-0007", "--status", "volunteer")
    project = json.loads(await cli("das", "project", "add", "--data", d, "--title", "Repair café", "--sdg", "12", "--coordinator", "p-0007",
                                   "--json"))["id"]
    await cli("das", "project", "validate", "--data", d, str(project), "--decision", "Conseil municipal 2026-02-10 n°12")
    shown = json.loads(await cli("das", "project", "show", "--data", d, str(project), "--json"))
    assert shown["status"] == "validated" and shown["decision_date"] == "2026-02-10" and shown["category"] == "sdg-12"
    entry = (await cli("das", "entry", "add", "--data", d, "--person", "p-0042", "--project", str(project), "--date", "2026-03-14",
                       "--minutes", "150")).strip()
    await cli("das", "entry", "validate", "--data", d, entry)
    html = await cli("das", "statement", "--data", d, "--person", "p-0042", "--period", "2026-Q1", "--format", "html")
    assert "<!DOCTYPE html>" in html and "Bulletin d&#39;Activité Sociétale" in html and "2 h 30" in html and "Repair café" in html
    assert "25,00 local" in html  # 150 min at level 1 (1000 cents/h)
    en = await cli("das", "statement", "--data", d, "--number", "1", "--format", "html", "--lang", "en")
    assert "Societal Activity Statement" in en and "2:30" in en and "25.00 local" in en
    csv_text = await cli("das", "statement", "--data", d, "--number", "1", "--format", "csv", "--lang", "en")
    assert csv_text.splitlines()[0].startswith("statement,period,holder") and ",150," in csv_text
    st = json.loads(await cli("das", "statement", "--data", d, "--person", "p-0042", "--period", "2026-Q1", "--json"))
    assert st["number"] == 1 and st["minutes"] == 150 and st["cents"] == 2500 and not st["newly_issued"]  # final: same statement
    # a statement of an overlapping period would credit the same hours twice: refused, nothing credited
    for overlapping in ("2026-03", "2026"):
        err = await cli_fails("das", "statement", "--data", d, "--person", "p-0042", "--period", overlapping)
        assert "already covers part of" in err and "2026-Q1" in err
    assert (await cli("das", "ledger", "balance", "--data", d, "--person", "p-0042")).strip() == "25.00"
    assert st["rights"][0]["remaining_minutes"] == 35 * 60 - 150
    pub = json.loads(await cli("das", "summary", "publish", "--data", d, "--period", "2026-Q1", "--json"))
    assert pub["body"]["k"] == 10 and pub["body"]["persons"] == {"suppressed": True}
    log = json.loads(await cli("log", "--data", d, "--kind", "das.summary", "--json"))["records"]
    assert len(log) == 1 and log[0]["verified"] and log[0]["id"] == pub["id"]
    # the openapi document describes every DAS route
    status, doc = await call_api(a, "GET", "/api/openapi.json")
    assert status == 200 and {"/api/das/persons", "/api/das/import", "/api/das/statements/{number}/proof"} <= set(doc["paths"])
    assert doc["paths"]["/api/das/entries"]["post"]["requestBody"]["content"]["application/json"]["schema"]["additionalProperties"] is False


async def test_contract_acceptance_amendment_and_flexibility(make_node) -> None:
    a = await make_node()
    d = str(a.config.data_dir)
    project = await setup_territory(d, 1)
    await cli("das", "person", "add", "--data", d, "--pseudonym", "p-0100", "--status", "employee", "--employer", "acme")
    no = (await cli("das", "contract", "add", "--data", d, "--person", "p-0100", "--hours", "20", "--from", "2026-01-01", "--to",
                    "2026-12-31")).strip()
    err = await cli_fails("das", "entry", "add", "--data", d, "--person", "p-0100", "--project", project, "--date", "2026-02-01", "--minutes", "60")
    assert "does not bind yet: missing the acceptance of person, employer, engagement21" in err
    # the owner accepts as the office; the person and the employer signed on paper
    out = await cli("das", "contract", "accept", "--data", d, no)
    assert "waiting for person, employer" in out
    out = await cli("das", "contract", "accept", "--data", d, no, "--paper-consent", "convention n°7")
    assert "it binds" in out and "paper convention n°7" in out
    # spread: 20 h over the year gives Q1 (90 days of 365) 4 h 55; 5 h 40 in Q1 needs a flexibility agreement
    for day in ("2026-02-01", "2026-02-02"):
        await cli("das", "entry", "add", "--data", d, "--person", "p-0100", "--project", project, "--date", day, "--minutes", "140")
    err = await cli_fails("das", "entry", "add", "--data", d, "--person", "p-0100", "--project", project, "--date", "2026-02-03", "--minutes", "60")
    assert "2026-Q1" in err and "flexibility" in err
    err = await cli_fails("das", "contract", "flex", "--data", d, no, "--from", "2026-Q3", "--to", "2026-Q1", "--hours", "2")
    assert "between the person and the employer" in err
    flex = json.loads(await cli("das", "contract", "flex", "--data", d, no, "--from", "2026-Q3", "--to", "2026-Q1", "--hours", "2",
                                "--paper-consent", "avenant n°1", "--json"))
    assert flex["total_minutes"] == 20 * 60
    await cli("das", "entry", "add", "--data", d, "--person", "p-0100", "--project", project, "--date", "2026-02-03", "--minutes", "60")
    # an amendment is a new version; it cannot grant less than what is already used
    err = await cli_fails("das", "contract", "amend", "--data", d, no, "--hours", "5", "--reason", "cut")
    assert "already recorded" in err
    await cli("das", "contract", "amend", "--data", d, no, "--hours", "30", "--reason", "more time for the repair café")
    err = await cli_fails("das", "entry", "add", "--data", d, "--person", "p-0100", "--project", project, "--date", "2026-02-04", "--minutes", "10")
    assert f"contract {no} does not bind yet" in err  # the new version waits for its own acceptances
    await cli("das", "contract", "accept", "--data", d, no, "--paper-consent", "avenant n°2")
    hist = json.loads(await cli("das", "contract", "show", "--data", d, no, "--json"))
    assert [v["version"] for v in hist["versions"]] == [1, 2] and hist["versions"][0]["superseded"] and hist["versions"][1]["minutes_granted"] == 1800
    lst = json.loads(await cli("das", "contract", "list", "--data", d, "--person", "p-0100", "--json"))["contracts"]
    assert len(lst) == 1 and lst[0]["used_minutes"] == 340 and lst[0]["remaining_minutes"] == 1460


async def test_profile_competence_rates_corrections_and_ledger(make_node) -> None:
    a = await make_node()
    d = str(a.config.data_dir)
    project = await setup_territory(d, 1)
    prof = json.loads(await cli("das", "person", "profile", "--data", d, "p-0001", "--competence", "repair=4,technical",
                                "--competence", "http://data.europa.eu/esco/skill/welcome=2,social", "--json"))
    assert prof["version"] == 1 and prof["status"] == "proposed" and prof["missing"] == ["person"]
    err = await cli_fails("das", "entry", "add", "--data", d, "--person", "p-0001", "--project", project, "--date", "2026-03-01",
                          "--minutes", "120", "--competence", "repair")
    assert "agreed competence profile" in err  # proposed, not yet agreed by the person
    prof = json.loads(await cli("das", "person", "profile-accept", "--data", d, "p-0001", "--paper-consent", "profil signé le 5 janvier",
                                "--json"))
    assert prof["status"] == "agreed" and prof["parties"] == ["engagement21", "person"]
    e1 = (await cli("das", "entry", "add", "--data", d, "--person", "p-0001", "--project", project, "--date", "2026-03-01", "--minutes", "120",
                    "--competence", "repair")).strip()
    await cli("das", "entry", "validate", "--data", d, e1)
    st = json.loads(await cli("das", "statement", "--data", d, "--person", "p-0001", "--period", "2026-03", "--json"))
    assert st["cents"] == 2 * 2000 and st["lines"][0]["level"] == 4  # expert rate, 20.00 an hour
    # rectification: a correcting entry, validated by the coordinator, then a corrected statement
    c = json.loads(await cli("das", "entry", "correct", "--data", d, e1, "--minutes", "90", "--reason", "left early", "--json"))
    assert c["minutes"] == -30 and c["corrects"] == int(e1)
    await cli("das", "entry", "validate", "--data", d, str(c["id"]))
    same = json.loads(await cli("das", "statement", "--data", d, "--person", "p-0001", "--period", "2026-03", "--json"))
    assert same["number"] == st["number"] and "notice" in same
    fixed = json.loads(await cli("das", "statement", "--data", d, "--person", "p-0001", "--period", "2026-03", "--correct", "--json"))
    assert fixed["corrects"] == st["number"] and fixed["minutes"] == 90 and fixed["cents"] == 3000
    old = json.loads(await cli("das", "statement", "--data", d, "--number", str(st["number"]), "--json"))
    assert old["superseded_by"] == fixed["number"] and old["cents"] == 4000  # the issued statement never changes
    assert (await cli("das", "ledger", "balance", "--data", d, "--person", "p-0001")).strip() == "30.00"
    err = await cli_fails("das", "ledger", "spend", "--data", d, "--person", "p-0001", "--cents", "3001", "--merchant", "bakery")
    assert "never goes negative" in err
    await cli("das", "ledger", "spend", "--data", d, "--person", "p-0001", "--cents", "1250", "--merchant", "bakery", "--memo", "bread")
    bal = json.loads(await cli("das", "ledger", "balance", "--data", d, "--json"))
    assert bal["unbalanced_transactions"] == 0
    accounts = {x["account"]: x["balance_cents"] for x in bal["accounts"]}
    assert accounts["merchant:bakery"] == 1250 and sum(accounts.values()) == 0
    csv_text = await cli("das", "ledger", "export", "--data", d)
    lines = csv_text.strip().splitlines()
    assert lines[0] == "txn,date,kind,account,holder,debit_cents,credit_cents,memo,statement" and len(lines) == 1 + 6
    assert sum(int(x.split(",")[6]) - int(x.split(",")[5]) for x in lines[1:]) == 0


async def test_project_states_and_employer_view(make_node) -> None:
    a = await make_node()
    d = str(a.config.data_dir)
    await setup_territory(d, 2)
    secret = (await cli("das", "project", "add", "--data", d, "--title", "Union local 12", "--sdg", "8", "--theme", "union",
                        "--coordinator", "p-0007")).strip()
    await cli("das", "project", "validate", "--data", d, secret, "--decision", "Assemblée 2026-01-20")
    await cli("das", "project", "activate", "--data", d, secret)
    e = (await cli("das", "entry", "add", "--data", d, "--person", "p-0001", "--project", secret, "--date", "2026-02-01", "--minutes", "45")).strip()
    await cli("das", "entry", "validate", "--data", d, e)
    await cli("das", "project", "close", "--data", d, secret)
    err = await cli_fails("das", "entry", "add", "--data", d, "--person", "p-0001", "--project", secret, "--date", "2026-02-02", "--minutes", "45")
    assert "closed" in err
    err = await cli_fails("das", "project", "activate", "--data", d, secret)
    assert "closed project cannot become active" in err
    view = json.loads(await cli("das", "employer", "view", "--data", d, "acme", "--period", "2026", "--json"))
    assert {r["person"] for r in view["employees"]} == {"p-0001", "p-0002"}
    text = json.dumps(view)
    assert "Union" not in text and "Repair" not in text and "project" not in text and "sdg" not in text
    row = next(r for r in view["employees"] if r["person"] == "p-0001")
    assert row["used_minutes"] == 45 and row["remaining_minutes"] == 35 * 60 - 45
    preview = json.loads(await cli("das", "summary", "preview", "--data", d, "--period", "2026-Q1", "--json"))
    assert "union" not in json.dumps(preview).lower()


async def test_prove_and_verify_offline(make_node, tmp_path: Path) -> None:
    a = await make_node("Commune A", das={"k_anonymity": 5})
    d = str(a.config.data_dir)
    project = await setup_territory(d, 6)
    for i in range(1, 7):
        e = (await cli("das", "entry", "add", "--data", d, "--person", f"p-{i:04d}", "--project", project, "--date", "2026-03-14",
                       "--minutes", str(30 * i))).strip()
        await cli("das", "entry", "validate", "--data", d, e)
    issued = json.loads(await cli("das", "statements", "--data", d, "--period", "2026-Q1", "--issue", "--json"))
    assert issued["issued"] == 6  # the coordinator has no contract and no entries: no statement
    pub = json.loads(await cli("das", "summary", "publish", "--data", d, "--period", "2026-Q1", "--json"))
    body = pub["body"]
    assert body["persons"] == {"persons": 6} and body["given"] == {"persons": 6, "minutes": 30 * 21}
    assert body["by_category"] == {"sdg-12": {"persons": 6, "minutes": 630}} and body["statements"] == 16
    assert body["credited"] == {"persons": 6, "cents": 630 * 1000 // 60}
    err = await cli_fails("das", "prove", "--data", d, "--statement", "99")
    assert "no statement 99" in err
    proof_file = tmp_path / "proof.json"
    await cli("das", "prove", "--data", d, "--statement", "3", "--out", str(proof_file))
    doc = json.loads(proof_file.read_text())
    text = proof_file.read_text()
    assert "p-000" not in text and "Name" not in text  # the disclosure names nobody
    ok = json.loads(await cli("das", "verify-proof", str(proof_file), "--author", a.node.public_key.hex(), "--json"))
    assert ok["valid"] and ok["statement"]["number"] == 3 and ok["statement"]["minutes"] == 90 and ok["period"] == "2026-Q1"
    bad = dict(doc, salt="00" * 32)
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    err = await cli_fails("das", "verify-proof", str(tmp_path / "bad.json"))
    assert "does NOT verify" in err
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)  # json's parser would recurse
    assert "nests too deeply" in await cli_fails("das", "verify-proof", str(tmp_path / "deep.json"))
    # a second summary of the same period corrects the first; proofs point to the latest
    pub2 = json.loads(await cli("das", "summary", "publish", "--data", d, "--period", "2026-Q1", "--json"))
    assert pub2["body"]["corrects"] == pub["id"]
    await cli("das", "prove", "--data", d, "--statement", "3", "--out", str(proof_file))
    assert json.loads(await cli("das", "verify-proof", str(proof_file), "--json"))["summary"] == pub2["id"]
