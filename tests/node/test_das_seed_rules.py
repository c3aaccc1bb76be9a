"""What the seeds say about the DAS, on a real node with real accounts (issue #12, "fix here"):
individual projects need no assembly decision, statements name the agreed competence profile (or
say plainly there is none and what default applied), and DAS leave is requested by the person and
decided by the employer's representative, each from their own account."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp

from node.das.statements import _same_statement, agreed_profile, profile_agreed
from node.storage.das_persons import Profile
from tests.accounts_util import make_account
from tests.conftest import call_api, run_cli
from tests.das_util import PAPER_REF

WEB = {"listen": "127.0.0.1:0"}


async def ok(rn: Any, method: str, path: str, body: Any = None, token: str | None = None, **query: Any) -> Any:
    status, r = await call_api(rn, method, path, body, token=token, **query)
    assert status == 200, (path, r)
    return r


async def refused(rn: Any, status: int, method: str, path: str, body: Any = None, token: str | None = None) -> str:
    got, r = await call_api(rn, method, path, body, token=token)
    assert got == status, (path, got, r)
    return str(r["error"]["message"])


async def persons(rn: Any, *people: tuple[str, str, str | None]) -> None:
    for name, kind in (("acme", "private"), ("beta", "public")):
        await ok(rn, "POST", "/api/das/employers", {"name": name, "kind": kind})
    for pseudonym, status, employer in people:
        await ok(rn, "POST", "/api/das/persons", {"pseudonym": pseudonym, "status": status, **({"employer": employer} if employer else {})})


async def test_individual_projects_take_time_at_once_and_only_their_holder_s(make_node, tmp_path: Path) -> None:
    rn = await make_node(web=WEB)
    await persons(rn, ("p-0042", "employee", "acme"), ("p-0043", "employee", "acme"), ("p-0007", "volunteer", None))
    for p in ("p-0042", "p-0043"):
        await ok(rn, "POST", "/api/das/contracts", {"person": p, "hours": 35, "from": "2026-01-01", "to": "2026-12-31",
                                                    "paper_consent": PAPER_REF})
    office = await make_account(rn, "office", "olivia")
    secretariat = await make_account(rn, "secretariat", "sam")
    marie = await make_account(rn, "person", "marie", person="p-0042")
    paul = await make_account(rn, "person", "paul", person="p-0043")
    # the office registers a person's local initiative: open at once, no assembly decision
    proj = await ok(rn, "POST", "/api/das/projects", {"title": "Jardin partagé", "sdg": 11, "kind": "local-initiative",
                                                     "person": "p-0042", "coordinator": "p-0007"}, token=office.token)
    assert proj["status"] == "active" and proj["individual"] is True
    pid = proj["id"]
    e = await ok(rn, "POST", "/api/das/entries", {"person": "p-0042", "project": pid, "date": "2026-03-10", "minutes": 90}, token=marie.token)
    assert e["status"] == "pending"
    # nobody else records time on it: another person, nor the owner for another person
    for token in (paul.token, None):
        msg = await refused(rn, 403, "POST", "/api/das/entries", {"person": "p-0043", "project": pid, "date": "2026-03-10", "minutes": 30}, token)
        assert "individual project" in msg and "only its holder" in msg
    assert "no assembly decision" in await refused(rn, 409, "POST", f"/api/das/projects/{pid}/validate", {"decision": "CM n°1"})
    shown = await ok(rn, "GET", f"/api/das/projects/{pid}")
    assert shown["holder"] == "p-0042" and shown["history"][0]["to"] == "active" and "no assembly decision" in shown["history"][0]["note"]
    listed = await ok(rn, "GET", "/api/das/projects")
    assert [p["holder"] for p in listed["projects"]] == ["p-0042"]
    await ok(rn, "POST", f"/api/das/entries/{e['id']}/validate", {})
    st = await ok(rn, "POST", "/api/das/statements", {"person": "p-0042", "period": "2026-Q1"})
    assert st["minutes"] == 90 and st["lines"][0]["category"] == "sdg-11"
    # bad shapes: an individual kind names its holder; a programme project has none; the holder is not its own coordinator
    assert "name the person" in await refused(rn, 400, "POST", "/api/das/projects", {"title": "T", "sdg": 1, "kind": "international-solidarity"})
    assert "only individual projects" in await refused(rn, 400, "POST", "/api/das/projects", {"title": "T", "sdg": 1, "person": "p-0042"})
    assert "own time" in await refused(rn, 400, "POST", "/api/das/projects", {"title": "T", "sdg": 1, "kind": "local-initiative",
                                                                            "person": "p-0042", "coordinator": "p-0042"})
    # a project of general interest still waits for the assembly, whose decision only the secretariat (or owner) records
    prog = await ok(rn, "POST", "/api/das/projects", {"title": "Repair café", "sdg": 12, "coordinator": "p-0007"}, token=office.token)
    assert prog["status"] == "proposed"
    assert "only proposed" in await refused(rn, 409, "POST", "/api/das/entries", {"person": "p-0043", "project": prog["id"],
                                                                                 "date": "2026-03-11", "minutes": 30}, paul.token)
    await refused(rn, 403, "POST", f"/api/das/projects/{prog['id']}/validate", {"decision": "CM 2026-02-10"}, office.token)
    await ok(rn, "POST", f"/api/das/projects/{prog['id']}/validate", {"decision": "CM 2026-02-10"}, token=secretariat.token)
    await ok(rn, "POST", "/api/das/entries", {"person": "p-0043", "project": prog["id"], "date": "2026-03-11", "minutes": 30}, token=paul.token)
    # the command line, and the bulk import keeps the same rule
    d = str(rn.config.data_dir)
    rc, out, err = await run_cli("das", "project", "add", "--data", d, "--title", "Chantier au Sénégal", "--sdg", "4",
                                 "--kind", "international-solidarity", "--person", "p-0043")
    assert rc == 0, err
    rc, out, _ = await run_cli("das", "project", "show", "--data", d, out.strip())
    assert rc == 0 and "holder" in out and "p-0043" in out and "active" in out
    csv_file = tmp_path / "entries.csv"
    csv_file.write_text(f"person,project,date,minutes\np-0043,{pid},2026-03-12,30\n")
    rc, out, err = await run_cli("das", "import", "--data", d, str(csv_file))
    assert rc != 0 and "only its holder" in err and "Traceback" not in err
    # erasing the holder closes their project and forgets its title (it may tell their plans)
    assert (await ok(rn, "POST", "/api/das/persons/p-0042/erase", {"confirm": True}))["removed"]["individual_projects"] == 1
    gone = await ok(rn, "GET", f"/api/das/projects/{pid}")
    assert (gone["title"], gone["status"], gone["holder"]) == ("(erased)", "closed", None)


async def test_statements_name_the_agreed_profile_or_the_default_that_applied(make_node) -> None:
    rn = await make_node()
    await persons(rn, ("p-0042", "employee", "acme"), ("p-0043", "volunteer", None), ("p-0007", "volunteer", None))
    await ok(rn, "POST", "/api/das/persons/p-0043/profile", {"competences": ["repair=3,technical"], "agreed_on": "2026-01-05",
                                                            "paper_consent": "profil signé n°1"})
    prog = await ok(rn, "POST", "/api/das/projects", {"title": "Repair café", "sdg": 12, "coordinator": "p-0007"})
    await ok(rn, "POST", f"/api/das/projects/{prog['id']}/validate", {"decision": "CM 2026-02-10"})
    for p, comp in (("p-0042", None), ("p-0043", "repair")):
        await ok(rn, "POST", "/api/das/contracts", {"person": p, "hours": 35, "from": "2026-01-01", "to": "2026-12-31",
                                                    "paper_consent": PAPER_REF})
        e = await ok(rn, "POST", "/api/das/entries", {"person": p, "project": prog["id"], "date": "2026-03-10", "minutes": 60,
                                                     **({"competence": comp} if comp else {})})
        await ok(rn, "POST", f"/api/das/entries/{e['id']}/validate", {})
    none = await ok(rn, "POST", "/api/das/statements", {"person": "p-0042", "period": "2026-Q1"})
    assert none["profile"] is None and none["default"] == {"level": 1, "rate_cents_per_hour": 1000}
    assert none["profile_note"].startswith("no agreed competence profile") and "level 1" in none["profile_note"]
    assert none["cents"] == 1000 and none["lines"][0]["level"] == 1
    agreed = await ok(rn, "POST", "/api/das/statements", {"person": "p-0043", "period": "2026-Q1"})
    assert agreed["profile"] == {"version": 1, "agreed_on": "2026-01-05"} and "default" not in agreed and agreed["cents"] == 1500
    async with aiohttp.ClientSession() as s:
        async def doc(number: int, fmt: str, lang: str) -> str:
            async with s.get(f"{rn.api_url}/api/das/statements/{number}", params={"format": fmt, "lang": lang},
                             headers={"Authorization": f"Bearer {rn.token}"}) as r:
                assert r.status == 200
                return await r.text()

        fr, en = await doc(none["number"], "html", "fr"), await doc(none["number"], "html", "en")
        assert "Aucun profil de compétences conclu" in fr and "niveau par défaut 1 (10,00 local de l&#39;heure)" in fr
        assert "No agreed competence profile" in en and "default level 1 (10.00 local an hour)" in en
        assert "selon le profil de compétences conclu" not in fr  # the footer would say the opposite
        csv_en = await doc(none["number"], "csv", "en")
        assert "No agreed competence profile" in csv_en.splitlines()[-1] and csv_en.splitlines()[-1].count(",1,") == 1
        assert "Aucun profil" in (await doc(none["number"], "csv", "fr"))
        assert "Competence profile agreed on 2026-01-05 (version 1)" in await doc(agreed["number"], "html", "en")
        assert "profile" not in (await doc(agreed["number"], "csv", "en")).lower()
    rc, text, _ = await run_cli("das", "statement", "--data", str(rn.config.data_dir), "--number", str(none["number"]), "--lang", "en")
    assert rc == 0 and "No agreed competence profile" in text
    # asking again shows the same statement: nothing changed
    again = await ok(rn, "POST", "/api/das/statements", {"person": "p-0042", "period": "2026-Q1"})
    assert again["number"] == none["number"] and not again["newly_issued"] and "notice" not in again


def test_one_function_decides_whether_a_profile_is_agreed() -> None:
    def prof(version: int, parties: list[str], on: str = "2026-01-05") -> Profile:
        # the consent service marks a version agreed once the person and the office both consented
        return Profile(version, version, on, parties, 0, "agreed" if {"person", "engagement21"} <= set(parties) else "proposed")

    both = ["engagement21", "person"]
    assert not profile_agreed(prof(1, ["engagement21"])) and profile_agreed(prof(1, both))
    assert agreed_profile([], "2026-03-31") is None
    assert agreed_profile([prof(1, ["engagement21"])], "2026-03-31") is None
    v1, v2, v3 = prof(1, both), prof(2, both, "2026-06-01"), prof(3, ["engagement21"], "2026-02-01")
    assert agreed_profile([v1, v2, v3], "2026-03-31") is v1  # in force at the period's end; v3 is not agreed
    assert agreed_profile([v1, v2, v3], "2026-06-30") is v2
    assert agreed_profile([v2], "2026-03-31") is v2  # agreed after the period: the first one agreed
    # a statement issued before statements named their profile is unchanged when only that is new
    core = {"v": 1, "lines": [], "profile": None, "default": {"level": 1, "rate_cents_per_hour": 1000}}
    assert _same_statement({"v": 1, "lines": [], "number": 3}, core)
    assert not _same_statement({"v": 1, "lines": [], "profile": {"version": 1, "agreed_on": "2026-01-05"}}, core)


async def test_leave_is_requested_by_the_person_and_decided_by_their_employer(make_node) -> None:
    rn = await make_node(web=WEB)
    await persons(rn, ("p-0042", "employee", "acme"), ("p-0043", "employee", "beta"), ("p-0044", "employee", "acme"),
                  ("p-0050", "volunteer", None))
    leave_contract = {"hours": 35, "from": "2026-01-01", "to": "2026-12-31", "mode": "leave"}  # 5 days of 7 h
    c42 = (await ok(rn, "POST", "/api/das/contracts", {"person": "p-0042", **leave_contract, "paper_consent": PAPER_REF}))["id"]
    c43 = (await ok(rn, "POST", "/api/das/contracts", {"person": "p-0043", **leave_contract, "paper_consent": PAPER_REF}))["id"]
    c44 = (await ok(rn, "POST", "/api/das/contracts", {"person": "p-0044", "hours": 35, "from": "2026-01-01", "to": "2026-12-31",
                                                                       "paper_consent": PAPER_REF}))["id"]
    c50 = (await ok(rn, "POST", "/api/das/contracts", {"person": "p-0050", **leave_contract, "leave_day_minutes": 360,
                                                                       "paper_consent": PAPER_REF}))["id"]
    marie = await make_account(rn, "person", "marie", person="p-0042")
    paul = await make_account(rn, "person", "paul", person="p-0043")
    acme = await make_account(rn, "employer", "acme-rh", employer="acme")
    beta = await make_account(rn, "employer", "beta-rh", employer="beta")
    office = await make_account(rn, "office", "olivia")
    # a person requests on their own contract only
    await refused(rn, 403, "POST", "/api/das/leave", {"contract": c43, "from": "2026-05-04", "days": 1}, marie.token)
    first = await ok(rn, "POST", "/api/das/leave", {"contract": c42, "from": "2026-05-04", "days": 2, "note": "chantier"}, token=marie.token)
    assert (first["to"], first["minutes"], first["remaining_minutes"]) == ("2026-05-05", 840, 1260)
    assert first["requested_by"] == {"account": marie.id, "role": "person"}
    msg = await refused(rn, 409, "POST", "/api/das/leave", {"contract": c42, "from": "2026-05-05", "to": "2026-05-06"}, marie.token)
    assert "overlap" in msg and "p-0042" not in msg
    msg = await refused(rn, 409, "POST", "/api/das/leave", {"contract": c42, "from": "2026-06-01", "days": 4}, marie.token)
    assert "beyond what contract" in msg and "has left (21 h 00 of 35 h 00)" in msg
    second = await ok(rn, "POST", "/api/das/leave", {"contract": c42, "from": "2026-06-01", "to": "2026-06-05", "days": 3}, token=marie.token)
    assert second["remaining_minutes"] == 0 and second["days"] == 3
    # bad input, nothing recorded
    await refused(rn, 400, "POST", "/api/das/leave", {"contract": c42, "from": "2026-05-09", "to": "2026-05-10"}, marie.token)  # a weekend
    await refused(rn, 400, "POST", "/api/das/leave", {"contract": c42, "from": "2026-05-11"}, marie.token)
    assert "spread" in await refused(rn, 409, "POST", "/api/das/leave", {"contract": c44, "from": "2026-05-04", "days": 1})
    # the employer's representative decides: another employer, the office and the owner may not
    for token in (beta.token, office.token, None):
        await refused(rn, 403, "POST", f"/api/das/leave/{first['id']}/approve", {}, token)
    await refused(rn, 403, "POST", f"/api/das/leave/{first['id']}/approve", {}, marie.token)  # not even the person herself
    done = await ok(rn, "POST", f"/api/das/leave/{first['id']}/approve", {}, token=acme.token)
    assert done["status"] == "approved" and done["decided_by"] == {"account": acme.id, "role": "employer"}
    assert "already approved" in await refused(rn, 409, "POST", f"/api/das/leave/{first['id']}/refuse", {}, acme.token)
    await ok(rn, "POST", f"/api/das/leave/{second['id']}/refuse", {"reason": "inventaire"}, token=acme.token)
    # a refused request holds nothing: the days can be asked again
    await ok(rn, "POST", "/api/das/leave", {"contract": c42, "from": "2026-06-01", "days": 3}, token=marie.token)
    # without an employer, the office decides
    vol = await ok(rn, "POST", "/api/das/leave", {"contract": c50, "from": "2026-05-04", "days": 1})
    assert vol["minutes"] == 360
    await refused(rn, 403, "POST", f"/api/das/leave/{vol['id']}/approve", {}, acme.token)
    await ok(rn, "POST", f"/api/das/leave/{vol['id']}/approve", {}, token=office.token)
    # who sees what
    mine = await ok(rn, "GET", "/api/das/leave", token=marie.token)
    assert {x["person"] for x in mine["leave"]} == {"p-0042"} and len(mine["leave"]) == 3
    await refused(rn, 403, "GET", "/api/das/leave?person=p-0043", None, marie.token)
    theirs = await ok(rn, "GET", "/api/das/leave", token=acme.token)
    assert {x["person"] for x in theirs["leave"]} == {"p-0042"}
    assert (await ok(rn, "GET", "/api/das/leave", token=paul.token))["leave"] == []
    assert len((await ok(rn, "GET", "/api/das/leave", token=office.token))["leave"]) == 4
    # the person's export holds their requests; erasure removes them
    export = await ok(rn, "GET", "/api/das/persons/p-0042/export")
    assert [x["status"] for x in export["leave"]] == ["approved", "refused", "requested"]
    erased = await ok(rn, "POST", "/api/das/persons/p-0042/erase", {"confirm": True})
    assert erased["removed"]["leave"] == 3
    assert len((await ok(rn, "GET", "/api/das/leave", token=office.token))["leave"]) == 1


async def test_leave_on_the_command_line(make_node) -> None:
    rn = await make_node()
    d = str(rn.config.data_dir)
    await ok(rn, "POST", "/api/das/persons", {"pseudonym": "p-0050", "status": "volunteer"})
    no = (await ok(rn, "POST", "/api/das/contracts", {"person": "p-0050", "hours": 14, "from": "2026-01-01", "to": "2026-12-31",
                                                     "mode": "leave", "paper_consent": PAPER_REF}))["id"]
    rc, out, err = await run_cli("das", "leave", "request", "--data", d, "--contract", str(no), "--from", "2026-05-04", "--days", "1")
    assert rc == 0 and "waits for the employer's decision" in out and "7 h 00 left" in out, err
    lid = out.split()[0]
    rc, out, err = await run_cli("das", "leave", "approve", "--data", d, lid)
    assert rc == 0 and "approved" in out, err
    rc, out, err = await run_cli("das", "leave", "request", "--data", d, "--contract", str(no), "--from", "2026-05-11", "--days", "3")
    assert rc != 0 and "beyond what contract" in err and "Traceback" not in err
    rc, out, _ = await run_cli("das", "leave", "list", "--data", d, "--json")
    assert rc == 0 and [x["status"] for x in json.loads(out)["leave"]] == ["approved"]
    rc, out, _ = await run_cli("das", "leave", "refuse", "--data", d, lid, "--reason", "late")
    assert rc != 0


async def test_time_given_during_leave_is_covered_by_it(make_node) -> None:
    """On a leave contract, time recorded during approved leave does not draw on the grant twice;
    time recorded outside it draws on what the leave left."""
    rn = await make_node()
    await persons(rn, ("p-0050", "volunteer", None), ("p-0007", "volunteer", None))
    no = (await ok(rn, "POST", "/api/das/contracts", {"person": "p-0050", "hours": 35, "from": "2026-01-01", "to": "2026-12-31",
                                                     "mode": "leave", "paper_consent": PAPER_REF}))["id"]
    prog = await ok(rn, "POST", "/api/das/projects", {"title": "Repair café", "sdg": 12, "coordinator": "p-0007"})
    await ok(rn, "POST", f"/api/das/projects/{prog['id']}/validate", {"decision": "CM 2026-02-10"})
    lv = await ok(rn, "POST", "/api/das/leave", {"contract": no, "from": "2026-05-04", "days": 2})
    await ok(rn, "POST", f"/api/das/leave/{lv['id']}/approve", {})

    async def entry(day: str, minutes: int) -> tuple[int, Any]:
        return await call_api(rn, "POST", "/api/das/entries", {"person": "p-0050", "project": prog["id"], "date": day, "minutes": minutes})

    for day in ("2026-05-04", "2026-05-05"):  # the two days of leave: covered, 21 h still left
        status, e = await entry(day, 420)
        assert status == 200
        await ok(rn, "POST", f"/api/das/entries/{e['id']}/validate", {})
    st = await ok(rn, "POST", "/api/das/statements", {"person": "p-0050", "period": "2026-Q2"})
    assert st["minutes"] == 840 and st["rights"][0]["leave_minutes"] == 840 and st["rights"][0]["remaining_minutes"] == 35 * 60 - 840
    assert (await entry("2026-07-01", 720))[0] == 200  # outside leave: 9 h left
    status, r = await entry("2026-07-02", 720)
    assert status == 409 and "9 h 00 left" in r["error"]["message"]
    assert "beyond what contract" in await refused(rn, 409, "POST", "/api/das/leave", {"contract": no, "from": "2026-09-01", "days": 2})
    assert (await ok(rn, "POST", "/api/das/leave", {"contract": no, "from": "2026-09-01", "days": 1}))["remaining_minutes"] == 540 - 420
