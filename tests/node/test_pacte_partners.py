"""Pacte partners act from their own accounts: they accept and report on their organisation's
commitments, never another's; every record names the acting account (pseudonymous id and role),
never a username."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.accounts_util import make_account
from tests.conftest import call_api, run_cli

WEB = {"listen": "127.0.0.1:0"}
OWNER = {"account": "owner", "role": "owner"}


async def _pact(rn: Any, token: str | None = None) -> dict[str, str]:
    """A pact with two partners (named as people type them) and one commitment each."""

    async def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        s, r = await call_api(rn, "POST", path, body, token=token)
        assert s == 200, r
        return r

    p = (await post("/api/pacte", {"title": "Pacte alimentaire", "horizon": 5, "start_year": 2026}))["id"]
    await post(f"/api/pacte/{p}/partners", {"org": "Biocoop Sud", "kind": "company"})
    await post(f"/api/pacte/{p}/partners", {"org": "Enercoop", "kind": "company"})
    t = (await post(f"/api/pacte/{p}/taskforces", {"mission": "Circuits courts", "members": ["Biocoop Sud", "Enercoop"]}))["id"]
    bio = (await post(f"/api/pacte/taskforces/{t}/commitments", {"partner": "Biocoop Sud", "deliverable": "50% local", "due": "2027-06-30"}))["id"]
    ener = (await post(f"/api/pacte/taskforces/{t}/commitments", {"partner": "Enercoop", "deliverable": "200 homes", "due": "2027-06-30"}))["id"]
    return {"p": p, "t": t, "bio": bio, "ener": ener}


async def _records(rn: Any, kind: str) -> list[dict[str, Any]]:
    s, r = await call_api(rn, "GET", "/api/log", kind=kind, limit="1000")
    assert s == 200, r
    return list(r["records"])


async def test_a_partner_accepts_and_reports_only_its_own_commitments(make_node: Any) -> None:
    rn = await make_node(web=WEB)
    office = await make_account(rn, "office", "zq-office-agathe")
    ids = await _pact(rn, office.token)
    # the account's organisation as the inviter typed it: case and spaces differ from the partner's name
    partner = await make_account(rn, "partner", "zq-partner-bruno", org=" biocoop sud ")
    other = await make_account(rn, "partner", "zq-partner-chloe", org="Enercoop")
    transition = f"/api/pacte/commitments/{ids['bio']}/transition"

    for to in ("accepted", "in_progress"):
        s, r = await call_api(rn, "POST", transition, {"to": to, "note": "engagé en AG"}, token=partner.token)
        assert s == 200 and r["state"] == to, r

    # another organisation's partner: 403, nothing published
    size = len(await _records(rn, "pacte.transition"))
    s, r = await call_api(rn, "POST", transition, {"to": "met"}, token=other.token)
    assert s == 403 and r["error"]["code"] == "forbidden" and "not yours" in r["error"]["message"], r  # the scope
    s, r = await call_api(rn, "POST", f"/api/pacte/commitments/{ids['ener']}/transition", {"to": "accepted"}, token=partner.token)
    assert s == 403, r
    assert len(await _records(rn, "pacte.transition")) == size
    # a partner manages nothing else of the pact (the permission table: pacte.manage)
    s, r = await call_api(rn, "POST", f"/api/pacte/{ids['p']}/partners", {"org": "Intrus", "kind": "company"}, token=partner.token)
    assert s == 403 and r["error"]["code"] == "not_permitted", r
    # free-text attribution is gone: a clear refusal naming the field and the fix
    s, r = await call_api(rn, "POST", transition, {"to": "met", "by": "Biocoop"}, token=partner.token)
    assert s == 400 and "field 'by'" in r["error"]["message"] and "partner account" in r["error"]["message"], r

    # the other partner accepts its own; the office and the owner may move any commitment
    assert (await call_api(rn, "POST", f"/api/pacte/commitments/{ids['ener']}/transition", {"to": "accepted"}, token=other.token))[0] == 200
    assert (await call_api(rn, "POST", transition, {"to": "met"}, token=office.token))[0] == 200
    assert (await call_api(rn, "POST", f"/api/pacte/commitments/{ids['ener']}/transition", {"to": "withdrawn"}))[0] == 200

    # every signed transition names the acting account and role, never a username
    acts = [(r["body"]["to"], r["body"]["actor"]) for r in await _records(rn, "pacte.transition")]
    assert acts == [
        ("accepted", {"account": partner.id, "role": "partner"}),
        ("in_progress", {"account": partner.id, "role": "partner"}),
        ("accepted", {"account": other.id, "role": "partner"}),
        ("met", {"account": office.id, "role": "office"}),
        ("withdrawn", OWNER),
    ]
    assert all(re.fullmatch(r"a-[0-9a-f]{16}", a.id) for a in (partner, office, other))
    assert all("by" not in r["body"] for r in await _records(rn, "pacte.transition"))
    # the pact's view shows who acted, by role
    s, shown = await call_api(rn, "GET", f"/api/pacte/{ids['p']}", token=partner.token)
    met = shown["commitments"]["met"][0]
    assert [(t["to"], t["by"], t["actor"]["role"]) for t in met["transitions"]] == [
        ("accepted", "partner", "partner"), ("in_progress", "partner", "partner"), ("met", "office", "office")]

    # an evaluator's audit of the node counts the acceptances and the distinct accounts behind them
    evaluator = await make_account(rn, "evaluator", "zq-evaluator-fanny")
    rc, out, err = await run_cli("audit", rn.api_url + "/api/audit/export", "--token", evaluator.token, "--json")
    assert rc == 0, err
    rows = {(c["act"], c["role"]): (c["acts"], c["accounts"]) for c in json.loads(out)["derived"]["consents"]}
    assert rows["pacte.commitment.accepted", "partner"] == (2, 2)
    assert rows["pacte.commitment.in_progress", "partner"] == (1, 1)
    assert rows["pacte.commitment.met", "office"] == (1, 1) and rows["pacte.commitment.withdrawn", "owner"] == (1, 1)
    assert rows["pacte.commitment", "office"] == (2, 1)
    assert "zq-" not in out  # usernames are in no signed byte, so in no report


async def test_every_pacte_record_names_its_actor(make_node: Any) -> None:
    rn = await make_node(web=WEB)
    office = await make_account(rn, "office", "zq-office-denise")
    await _pact(rn, office.token)
    await _pact(rn)  # the owner's api.token
    recs = await _records(rn, "pacte.*")
    kinds = {r["kind"] for r in recs}
    assert kinds == {"pacte.create", "pacte.partner", "pacte.taskforce", "pacte.commitment"}
    half = len(recs) // 2
    assert [r["body"]["actor"] for r in recs] == [{"account": office.id, "role": "office"}] * half + [OWNER] * half


async def test_cli_transition_acts_as_the_token_in_the_environment(make_node: Any, monkeypatch: Any) -> None:
    rn = await make_node(web=WEB)
    ids = await _pact(rn)
    partner = await make_account(rn, "partner", "zq-partner-emile", org="Enercoop")
    d = str(rn.config.data_dir)
    monkeypatch.setenv("DEMOCITE_TOKEN", partner.token)  # the environment, not our code: how a partner's script acts
    rc, out, err = await run_cli("pacte", "transition", "--data", d, ids["ener"], "accepted")
    assert rc == 0, err
    rc, out, err = await run_cli("pacte", "transition", "--data", d, ids["bio"], "accepted")
    assert rc != 0 and "not yours" in err and "Traceback" not in err
    monkeypatch.delenv("DEMOCITE_TOKEN")
    rc, out, err = await run_cli("pacte", "transition", "--data", d, ids["ener"], "in_progress", "--by", "Enercoop")
    assert rc != 0 and "--by" in err  # the option is gone
    actors = [r["body"]["actor"] for r in await _records(rn, "pacte.transition")]
    assert actors == [{"account": partner.id, "role": "partner"}]
