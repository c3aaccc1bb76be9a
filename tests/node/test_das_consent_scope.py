"""Time and reading, account by account: a person records their own time, a coordinator time on
the projects they coordinate; only a coordinator of that project (or the office) decides, and the
deciding account is recorded. Every account reads only its own rows; listings are filtered to them.
The published summary counts consents without naming any account."""

from __future__ import annotations

import json
from typing import Any

from tests.accounts_util import make_account
from tests.conftest import call_api
from tests.das_util import bind_contract
from tests.node.test_das_consent import CONTRACT, WEB, entry, ok, territory


async def setup(rn: Any) -> dict[str, Any]:
    """The territory of test_das_consent, a second project, bound contracts for p-0042, p-0043 and p-0050, and accounts."""
    p1 = await territory(rn)
    p2 = (await ok(rn, "POST", "/api/das/projects", {"title": "Jardin", "sdg": 2, "coordinator": "zq-coord"}))["id"]
    await ok(rn, "POST", f"/api/das/projects/{p2}/validate", {"decision": "Conseil 2026-02-10 n13"})
    nos = {}
    for pseud in ("p-0042", "p-0043", "p-0050"):
        nos[pseud] = (await ok(rn, "POST", "/api/das/contracts", {"person": pseud, **CONTRACT}))["id"]
        await bind_contract(rn, nos[pseud])
    return {
        "p1": p1, "p2": p2, "nos": nos,
        "marie": await make_account(rn, "person", "marie", person="p-0042"),
        "paul": await make_account(rn, "person", "paul", person="p-0043"),
        "coord": await make_account(rn, "coordinator", "coord-repair", projects=[p1]),
        "acme": await make_account(rn, "employer", "rh-acme", employer="acme"),
        "bolt": await make_account(rn, "employer", "rh-bolt", employer="bolt"),
    }


async def entries(rn: Any) -> list[dict[str, Any]]:
    return list((await ok(rn, "GET", "/api/das/entries"))["entries"])


async def test_who_records_and_who_decides_time(make_node) -> None:
    rn = await make_node(web=WEB)
    t = await setup(rn)
    marie, coord = t["marie"], t["coord"]
    # a person records their own time (pending), naming themselves or not
    e1 = await ok(rn, "POST", "/api/das/entries", entry(t["p1"], person=None), token=marie.token)
    assert e1["status"] == "pending" and e1["recorded_by"] == {"account": marie.id, "role": "person"}
    e2 = await ok(rn, "POST", "/api/das/entries", entry(t["p2"], day="2026-03-15"), token=marie.token)
    # ... never someone else's: 403, nothing recorded (an unknown pseudonym reads the same)
    before = await entries(rn)
    for ref in ("p-0043", "p-9999"):
        status, r = await call_api(rn, "POST", "/api/das/entries", entry(t["p1"], person=ref), token=marie.token)
        assert status == 403 and "not yours" in r["error"]["message"], r
    # a coordinator records time for a person on a project they coordinate, not on another one
    e3 = await ok(rn, "POST", "/api/das/entries", entry(t["p1"], person="p-0043"), token=coord.token)
    assert e3["recorded_by"] == {"account": coord.id, "role": "coordinator"}
    status, r = await call_api(rn, "POST", "/api/das/entries", entry(t["p2"], person="p-0043", day="2026-03-16"), token=coord.token)
    assert status == 403
    assert len(await entries(rn)) == len(before) + 1
    # a person decides nothing; a coordinator decides only on their projects' entries
    status, _ = await call_api(rn, "POST", f"/api/das/entries/{e1['id']}/validate", {}, token=marie.token)
    assert status == 403
    status, r = await call_api(rn, "POST", f"/api/das/entries/{e2['id']}/validate", {}, token=coord.token)
    assert status == 403 and "project" in r["error"]["message"]
    status, r = await call_api(rn, "POST", f"/api/das/entries/{e2['id']}/reject", {"reason": "no"}, token=coord.token)
    assert status == 403
    assert {e["id"]: e["status"] for e in await entries(rn)}[e2["id"]] == "pending"
    # the free-text `by` is gone; a rejection needs its reason
    status, r = await call_api(rn, "POST", f"/api/das/entries/{e1['id']}/validate", {"by": "zq-coord"}, token=coord.token)
    assert status == 400
    status, r = await call_api(rn, "POST", f"/api/das/entries/{e3['id']}/reject", {}, token=coord.token)
    assert status == 400 and "reason" in r["error"]["message"]
    status, r = await call_api(rn, "POST", f"/api/das/entries/{e3['id']}/reject", {"reason": "  "}, token=coord.token)
    assert status == 400 and "reason" in r["error"]["message"]
    v = await ok(rn, "POST", f"/api/das/entries/{e1['id']}/validate", {}, token=coord.token)
    assert v["decided_by"] == {"account": coord.id, "role": "coordinator"}
    await ok(rn, "POST", f"/api/das/entries/{e3['id']}/reject", {"reason": "not that day"}, token=coord.token)
    await ok(rn, "POST", f"/api/das/entries/{e2['id']}/validate", {})  # the owner decides on any project
    by_id = {e["id"]: e for e in await entries(rn)}
    assert (by_id[e1["id"]]["decided_by"], by_id[e1["id"]]["decided_role"]) == (coord.id, "coordinator")
    assert (by_id[e3["id"]]["status"], by_id[e3["id"]]["note"], by_id[e3["id"]]["recorded_by"]) == ("rejected", "not that day", coord.id)
    assert (by_id[e2["id"]]["decided_by"], by_id[e2["id"]]["decided_role"]) == ("owner", "owner")
    # the project coordinator's own time is validated by the office, not by a coordinator account
    zoe_no = (await ok(rn, "POST", "/api/das/contracts", {"person": "zq-coord", **CONTRACT}))["id"]
    await bind_contract(rn, zoe_no)
    own = await ok(rn, "POST", "/api/das/entries", entry(t["p1"], person="zq-coord"), token=coord.token)
    status, r = await call_api(rn, "POST", f"/api/das/entries/{own['id']}/validate", {}, token=coord.token)
    assert status == 403 and "office" in r["error"]["message"]


async def test_each_account_reads_only_its_own_rows(make_node) -> None:
    rn = await make_node(web=WEB)
    t = await setup(rn)
    marie, paul, coord, acme, bolt = t["marie"], t["paul"], t["coord"], t["acme"], t["bolt"]
    e_marie = await ok(rn, "POST", "/api/das/entries", entry(t["p1"], person=None), token=marie.token)
    await ok(rn, "POST", "/api/das/entries", entry(t["p1"], person=None), token=paul.token)
    await ok(rn, "POST", "/api/das/entries", entry(t["p2"], person="p-0050"))
    for e in await entries(rn):
        await ok(rn, "POST", f"/api/das/entries/{e['id']}/validate", {})
    await ok(rn, "POST", "/api/das/statements", {"person": "p-0042", "period": "2026-Q1"})
    paul_statement = (await ok(rn, "POST", "/api/das/statements", {"person": "p-0043", "period": "2026-Q1"}))["number"]
    # a person opening another person's data: 403
    for path, query in (("/api/das/persons/p-0043", {}), ("/api/das/persons/p-0043/export", {}), ("/api/das/contracts", {"person": "p-0043"}),
                        (f"/api/das/contracts/{t['nos']['p-0043']}", {}), ("/api/das/entries", {"person": "p-0043"}),
                        ("/api/das/statements", {"person": "p-0043"}), (f"/api/das/statements/{paul_statement}", {}),
                        (f"/api/das/statements/{paul_statement}/proof", {})):
        status, r = await call_api(rn, "GET", path, token=marie.token, **query)
        assert status == 403 and "not yours" in r["error"]["message"], (path, r)
    # their own: yes, and listings hold only their rows
    assert (await ok(rn, "GET", "/api/das/persons/p-0042", token=marie.token))["pseudonym"] == "p-0042"
    assert (await ok(rn, "GET", "/api/das/persons/p-0042/export", token=marie.token))["person"]["pseudonym"] == "p-0042"
    status, lst = await call_api(rn, "GET", "/api/das/contracts", token=marie.token)
    assert status == 200 and [c["person"] for c in lst["contracts"]] == ["p-0042"]
    status, lst = await call_api(rn, "GET", "/api/das/entries", token=marie.token)
    assert [e["id"] for e in lst["entries"]] == [e_marie["id"]] and lst["total"] == 1
    status, lst = await call_api(rn, "GET", "/api/das/statements", token=marie.token)
    assert status == 200 and len(lst["statements"]) == 1 and paul_statement not in [s["number"] for s in lst["statements"]]
    # a coordinator lists only their projects' entries
    status, lst = await call_api(rn, "GET", "/api/das/entries", token=coord.token)
    assert status == 200 and {e["project"] for e in lst["entries"]} == {t["p1"]} and lst["total"] == 2
    status, _ = await call_api(rn, "GET", "/api/das/entries", token=coord.token, project=str(t["p2"]))
    assert status == 403
    # an employer reads its own employees' contracts and hours, never another employer's
    status, lst = await call_api(rn, "GET", "/api/das/contracts", token=acme.token)
    assert status == 200 and sorted(c["person"] for c in lst["contracts"]) == ["p-0042", "p-0043"]
    status, r = await call_api(rn, "GET", f"/api/das/contracts/{t['nos']['p-0042']}", token=bolt.token)
    assert status == 403
    status, r = await call_api(rn, "GET", "/api/das/contracts", token=bolt.token, person="p-0042")
    assert status == 403
    status, r = await call_api(rn, "GET", "/api/das/employers/acme/view", token=bolt.token)
    assert status == 403 and "not yours" in r["error"]["message"]
    view = await ok(rn, "GET", "/api/das/employers/bolt/view", token=bolt.token)
    assert [x["person"] for x in view["employees"]] == ["p-0050"]
    status, _ = await call_api(rn, "GET", "/api/das/persons/p-0042", token=acme.token)  # the permission table: no person records
    assert status == 403


async def test_the_summary_counts_consents_without_naming_accounts(make_node) -> None:
    rn = await make_node(web=WEB, das={"k_anonymity": 5})
    t = await setup(rn)
    marie, coord = t["marie"], t["coord"]
    e = await ok(rn, "POST", "/api/das/entries", entry(t["p1"], person=None), token=marie.token)
    await ok(rn, "POST", f"/api/das/entries/{e['id']}/validate", {}, token=coord.token)
    no = (await ok(rn, "POST", "/api/das/contracts", {"person": "zq-coord", **CONTRACT}))["id"]
    await ok(rn, "POST", f"/api/das/contracts/{no}/accept", {}, token=(await make_account(rn, "person", "zoe", person="zq-coord")).token)
    await ok(rn, "POST", f"/api/das/contracts/{no}/accept", {})
    body = await ok(rn, "GET", "/api/das/summaries/preview?period=2026")
    consents = body["consents"]
    assert set(consents) == {"contract", "profile", "flexibility", "entry_decision"}
    # the owner recorded three papers (three parties each) and accepted one contract as the office: published as is
    assert consents["contract"]["owner"] == {"acts": 10, "accounts": 1, "paper": 9}
    # one person account, one coordinator account: fewer than k accounts, suppressed
    assert consents["contract"]["person"] == {"suppressed": True}
    assert consents["entry_decision"] == {"coordinator": {"suppressed": True}}
    text = json.dumps(body)
    for acct in (t["marie"], t["paul"], t["coord"], t["acme"], t["bolt"]):
        assert acct.id not in text and acct.username not in text
    assert "a-" not in text.replace("data-", "")
