"""Consent becomes real: a DAS contract binds only once the person, the employer's representative and
the office each accepted it from their own account (or the office recorded the signed paper); the
competence profile is agreed by the person and the office; a flexibility move is proposed by one
party and agreed by the other. Real node, real accounts made through the web door."""

from __future__ import annotations

import json
from typing import Any

from tests.accounts_util import make_account
from tests.conftest import call_api, run_cli
from tests.das_util import bind_contract, run_cli_as

WEB = {"listen": "127.0.0.1:0"}
CONTRACT = {"hours": 35, "from": "2026-01-01", "to": "2026-12-31"}


async def ok(rn: Any, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
    status, r = await call_api(rn, method, path, body, token=token)
    assert status == 200, (path, r)
    return r


async def territory(rn: Any) -> int:
    """Two employers, three employees, a volunteer coordinator, a validated project (its id)."""
    for name in ("acme", "bolt"):
        await ok(rn, "POST", "/api/das/employers", {"name": name, "kind": "private"})
    for pseud, emp in (("p-0042", "acme"), ("p-0043", "acme"), ("p-0050", "bolt")):
        await ok(rn, "POST", "/api/das/persons", {"pseudonym": pseud, "status": "employee", "employer": emp})
    await ok(rn, "POST", "/api/das/persons", {"pseudonym": "zq-coord", "status": "volunteer"})
    pid = (await ok(rn, "POST", "/api/das/projects", {"title": "Repair café", "sdg": 12, "coordinator": "zq-coord"}))["id"]
    await ok(rn, "POST", f"/api/das/projects/{pid}/validate", {"decision": "Conseil 2026-02-10 n12"})
    return int(pid)


def entry(project: int, minutes: int = 30, person: str | None = "p-0042", day: str = "2026-03-14") -> dict[str, Any]:
    return {"project": project, "date": day, "minutes": minutes} | ({"person": person} if person else {})


async def test_a_contract_binds_only_when_each_party_accepted_from_its_own_account(make_node) -> None:
    rn = await make_node(web=WEB)
    project = await territory(rn)
    c = await ok(rn, "POST", "/api/das/contracts", {"person": "p-0042", **CONTRACT})
    no = c["id"]
    assert not c["binding"] and c["missing_acceptances"] == ["person", "employer", "engagement21"] and c["acceptances"] == []
    status, r = await call_api(rn, "POST", "/api/das/entries", entry(project))
    assert status == 409 and "missing the acceptance of person, employer, engagement21" in r["error"]["message"]
    marie = await make_account(rn, "person", "marie", person="p-0042")
    paul = await make_account(rn, "person", "paul", person="p-0043")
    acme = await make_account(rn, "employer", "rh-acme", employer="acme")
    bolt = await make_account(rn, "employer", "rh-bolt", employer="bolt")
    office = await make_account(rn, "office", "guichet")
    # another person, another employer: 403 and nothing changed
    for other in (paul, bolt):
        status, r = await call_api(rn, "POST", f"/api/das/contracts/{no}/accept", {}, token=other.token)
        assert status == 403 and "not yours" in r["error"]["message"], r
    assert (await ok(rn, "GET", f"/api/das/contracts/{no}"))["versions"][0]["acceptances"] == []
    # a party accepts only for itself: no paper from a person's account, no backdating
    status, r = await call_api(rn, "POST", f"/api/das/contracts/{no}/accept", {"paper_consent": "x"}, token=marie.token)
    assert status == 403 and "paper" in r["error"]["message"]
    status, r = await call_api(rn, "POST", f"/api/das/contracts/{no}/accept", {"on": "2026-01-01"}, token=marie.token)
    assert status == 400 and "'on' dates a paper agreement" in r["error"]["message"]
    r = await ok(rn, "POST", f"/api/das/contracts/{no}/accept", {}, token=marie.token)
    assert r["acceptances"][0] | {"on": None} == {"party": "person", "account": marie.id, "role": "person", "paper": None, "on": None}
    assert r["missing_acceptances"] == ["employer", "engagement21"] and not r["binding"]
    status, r = await call_api(rn, "POST", "/api/das/entries", entry(project))
    assert status == 409 and "missing the acceptance of employer, engagement21" in r["error"]["message"]
    r = await ok(rn, "POST", f"/api/das/contracts/{no}/accept", {}, token=acme.token)
    assert r["missing_acceptances"] == ["engagement21"]
    r = await ok(rn, "POST", f"/api/das/contracts/{no}/accept", {}, token=office.token)
    assert r["binding"] and {(a["party"], a["account"], a["role"]) for a in r["acceptances"]} == {
        ("person", marie.id, "person"), ("employer", acme.id, "employer"), ("engagement21", office.id, "office")}
    await ok(rn, "POST", "/api/das/entries", entry(project))
    # contract show and list name accounts by id and role, never by username
    rc, text, err = await run_cli("das", "contract", "show", "--data", str(rn.config.data_dir), str(no))
    assert rc == 0, err
    assert marie.id in text and acme.id in text and office.id in text and "office" in text
    listing = json.dumps(await ok(rn, "GET", "/api/das/contracts"))
    for acct in (marie, acme, office):
        assert acct.username not in text and acct.username not in listing


async def test_paper_consent_binds_and_keeps_its_reference_and_recorder(make_node) -> None:
    rn = await make_node(web=WEB)
    project = await territory(rn)
    d = str(rn.config.data_dir)
    rc, out, err = await run_cli("das", "contract", "add", "--data", d, "--person", "p-0042", "--hours", "35", "--from", "2026-01-01",
                                 "--to", "2026-12-31", "--paper-consent", "convention n°12", "--json")
    assert rc == 0, err
    c = json.loads(out)
    assert c["binding"] and {a["paper"] for a in c["acceptances"]} == {"convention n°12"}
    assert {(a["party"], a["account"], a["role"]) for a in c["acceptances"]} == {
        ("person", "owner", "owner"), ("employer", "owner", "owner"), ("engagement21", "owner", "owner")}
    await ok(rn, "POST", "/api/das/entries", entry(project))
    # without --paper-consent nobody is recorded; `contract accept N --paper-consent` records the signed paper later
    rc, out, err = await run_cli("das", "contract", "add", "--data", d, "--person", "p-0050", "--hours", "35", "--from", "2026-01-01",
                                 "--to", "2026-12-31")
    assert rc == 0 and "binds once accepted by: person, employer, engagement21" in err, err
    no = int(out.strip())
    status, r = await call_api(rn, "POST", "/api/das/entries", entry(project, person="p-0050"))
    assert status == 409
    office = await make_account(rn, "office", "guichet")
    rc, out, err = await run_cli_as(office.token, "das", "contract", "accept", "--data", d, str(no), "--paper-consent", "convention n°13",
                                    "--on", "2026-01-05")
    assert rc == 0 and "it binds" in out and office.id in out and "guichet" not in out, (out, err)
    c = (await ok(rn, "GET", f"/api/das/contracts/{no}"))["versions"][-1]
    assert c["binding"] and {(a["account"], a["role"], a["paper"], a["on"]) for a in c["acceptances"]} == {
        (office.id, "office", "convention n°13", "2026-01-05")}
    await ok(rn, "POST", "/api/das/entries", entry(project, person="p-0050"))
    # an amendment is a new version: it waits for its own acceptances (or its own paper)
    rc, out, err = await run_cli("das", "contract", "amend", "--data", d, str(no), "--hours", "40", "--reason", "more")
    assert rc == 0 and "binds once accepted by" in out, out
    status, r = await call_api(rn, "POST", "/api/das/entries", entry(project, person="p-0050", day="2026-03-15"))
    assert status == 409 and "does not bind yet" in r["error"]["message"]
    await bind_contract(rn, no, "avenant n°1")
    await ok(rn, "POST", "/api/das/entries", entry(project, person="p-0050", day="2026-03-15"))
    # --pending is gone: every new contract is pending
    rc, _, err = await run_cli("das", "contract", "add", "--data", d, "--person", "p-0043", "--hours", "3", "--from", "2026-01-01",
                               "--to", "2026-12-31", "--pending")
    assert rc != 0 and "--pending" in err


async def test_competence_profile_is_agreed_by_the_person_and_the_office(make_node) -> None:
    rn = await make_node(web=WEB)
    project = await territory(rn)
    c = await ok(rn, "POST", "/api/das/contracts", {"person": "p-0042", **CONTRACT})
    await bind_contract(rn, c["id"])
    marie = await make_account(rn, "person", "marie", person="p-0042")
    paul = await make_account(rn, "person", "paul", person="p-0043")
    office = await make_account(rn, "office", "guichet")
    comps = {"competences": [{"competence": "repair", "level": 3, "family": "technical"}]}
    # the person does not write their own profile; the office records it
    status, r = await call_api(rn, "POST", "/api/das/persons/p-0042/profile", comps, token=marie.token)
    assert status == 403
    status, r = await call_api(rn, "POST", "/api/das/persons/p-0042/profile", comps | {"parties": ["person", "engagement21"]})
    assert status == 400 and "parties" in r["error"]["message"]  # free text is gone
    prof = await ok(rn, "POST", "/api/das/persons/p-0042/profile", comps, token=office.token)
    assert prof["status"] == "proposed" and prof["missing"] == ["person"] and prof["agreed_on"] is None
    assert prof["consents"][0] | {"on": None} == {"party": "engagement21", "account": office.id, "role": "office", "paper": None, "on": None}
    status, r = await call_api(rn, "POST", "/api/das/entries", entry(project) | {"competence": "repair"})
    assert status == 400 and "agreed competence profile" in r["error"]["message"]
    # another person cannot accept it; the office cannot accept for the person without their paper
    status, r = await call_api(rn, "POST", "/api/das/persons/p-0042/profile/accept", {}, token=paul.token)
    assert status == 403
    status, r = await call_api(rn, "POST", "/api/das/persons/p-0042/profile/accept", {}, token=office.token)
    assert status == 403 and "from their account" in r["error"]["message"]
    prof = await ok(rn, "POST", "/api/das/persons/p-0042/profile/accept", {}, token=marie.token)
    assert prof["status"] == "agreed" and prof["missing"] == [] and prof["parties"] == ["engagement21", "person"]
    assert {(x["party"], x["account"]) for x in prof["consents"]} == {("engagement21", office.id), ("person", marie.id)}
    status, r = await call_api(rn, "POST", "/api/das/persons/p-0042/profile/accept", {}, token=marie.token)
    assert status == 409 and "already agreed" in r["error"]["message"]
    e = await ok(rn, "POST", "/api/das/entries", entry(project) | {"competence": "repair"}, token=marie.token)
    assert e["competence"] == "repair"
    # a new version proposed by the office does not replace the agreed one until the person accepts it
    await ok(rn, "POST", "/api/das/persons/p-0042/profile", {"competences": [{"competence": "cooking", "level": 2}]})
    status, r = await call_api(rn, "POST", "/api/das/entries", entry(project, day="2026-03-16") | {"competence": "cooking"})
    assert status == 400
    await ok(rn, "POST", "/api/das/entries", entry(project, day="2026-03-16") | {"competence": "repair"})


async def test_flexibility_is_proposed_by_one_party_and_agreed_by_the_other(make_node) -> None:
    rn = await make_node(web=WEB)
    await territory(rn)
    no = (await ok(rn, "POST", "/api/das/contracts", {"person": "p-0042", **CONTRACT}))["id"]
    await bind_contract(rn, no)
    solo = (await ok(rn, "POST", "/api/das/contracts", {"person": "zq-coord", **CONTRACT}))["id"]
    await bind_contract(rn, solo)
    marie = await make_account(rn, "person", "marie", person="p-0042")
    acme = await make_account(rn, "employer", "rh-acme", employer="acme")
    bolt = await make_account(rn, "employer", "rh-bolt", employer="bolt")
    coord = await make_account(rn, "person", "zoe", person="zq-coord")
    before = (await ok(rn, "GET", f"/api/das/contracts/{no}"))["versions"][-1]["allocation"]
    move = {"from": "2026-Q3", "to": "2026-Q1", "hours": 2}
    status, r = await call_api(rn, "POST", f"/api/das/contracts/{no}/flex", move | {"parties": ["person", "employer"]}, token=marie.token)
    assert status == 400  # free text is gone
    # the office is not a party when there is an employer (unless it records the signed paper)
    status, r = await call_api(rn, "POST", f"/api/das/contracts/{no}/flex", move)
    assert status == 403 and "between the person and the employer" in r["error"]["message"]
    status, r = await call_api(rn, "POST", f"/api/das/contracts/{no}/flex", move, token=bolt.token)
    assert status == 403
    p = await ok(rn, "POST", f"/api/das/contracts/{no}/flex", move, token=marie.token)
    assert p["status"] == "proposed" and p["waiting_for"] == ["employer"]
    assert (await ok(rn, "GET", f"/api/das/contracts/{no}"))["versions"][-1]["allocation"] == before  # not applied yet
    status, r = await call_api(rn, "POST", f"/api/das/contracts/{no}/flex/{p['id']}/accept", {}, token=marie.token)
    assert status == 409 and "employer" in r["error"]["message"]
    status, r = await call_api(rn, "POST", f"/api/das/contracts/{no}/flex/{p['id']}/accept", {}, token=bolt.token)
    assert status == 403
    a = await ok(rn, "POST", f"/api/das/contracts/{no}/flex/{p['id']}/accept", {}, token=acme.token)
    assert a["status"] == "agreed" and a["allocation"]["2026-Q1"] == before["2026-Q1"] + 120
    shown = await ok(rn, "GET", f"/api/das/contracts/{no}")
    assert shown["versions"][-1]["allocation"] == a["allocation"]
    assert {(x["party"], x["account"]) for x in shown["flexibility"][0]["consents"]} == {("person", marie.id), ("employer", acme.id)}
    # no employer: the person and the office
    p = await ok(rn, "POST", f"/api/das/contracts/{solo}/flex", move, token=coord.token)
    assert p["waiting_for"] == ["engagement21"]
    a = await ok(rn, "POST", f"/api/das/contracts/{solo}/flex/{p['id']}/accept", {})
    assert a["status"] == "agreed"


async def test_an_import_binds_contracts_only_with_their_paper_reference(make_node) -> None:
    rn = await make_node()
    project = await territory(rn)
    csv_text = ("person,hours,from,to,paper_consent\n"
                "p-0042,35,2026-01-01,2026-12-31,convention n°1\n"
                "p-0043,35,2026-01-01,2026-12-31,\n")
    status, text = await call_api(rn, "POST", "/api/das/import", {"content": csv_text})
    assert status == 200 and '"imported": 2' in text, text
    bound, waiting = (await ok(rn, "GET", "/api/das/contracts"))["contracts"]
    assert bound["binding"] and {(a["account"], a["paper"]) for a in bound["acceptances"]} == {("owner", "convention n°1")}
    assert not waiting["binding"] and waiting["acceptances"] == []
    await ok(rn, "POST", "/api/das/entries", entry(project))
    status, r = await call_api(rn, "POST", "/api/das/entries", entry(project, person="p-0043"))
    assert status == 409 and "does not bind yet" in r["error"]["message"]
