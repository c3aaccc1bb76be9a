"""Bad input: each refused with a clear error naming the field or line, and nothing half-written."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import call_api
from tests.node.test_das_flow import cli, cli_fails, setup_territory


async def counts(rn: Any) -> tuple[int, int, int]:
    _, e = await call_api(rn, "GET", "/api/das/entries")
    _, p = await call_api(rn, "GET", "/api/das/persons")
    _, c = await call_api(rn, "GET", "/api/das/contracts")
    return len(e["entries"]), len(p["persons"]), len(c["contracts"])


async def entry(rn: Any, **body: Any) -> tuple[int, dict[str, Any]]:
    base = {"person": "p-0001", "project": 1, "date": "2026-03-14", "minutes": 60}
    return await call_api(rn, "POST", "/api/das/entries", {**base, **body})


async def territory(make_node: Any) -> Any:
    rn = await make_node()
    await setup_territory(str(rn.config.data_dir), 2)
    return rn


async def test_unknown_person(make_node) -> None:
    rn = await territory(make_node)
    before = await counts(rn)
    status, r = await entry(rn, person="p-9999")
    assert status == 404 and "field 'person'" in r["error"]["message"] and "p-9999" not in r["error"]["message"]
    assert await counts(rn) == before


async def test_unknown_project(make_node) -> None:
    rn = await territory(make_node)
    before = await counts(rn)
    status, r = await entry(rn, project=42)
    assert status == 404 and "field 'project'" in r["error"]["message"] and "42" in r["error"]["message"]
    assert await counts(rn) == before


async def test_negative_and_absurd_minutes(make_node) -> None:
    rn = await territory(make_node)
    before = await counts(rn)
    for minutes in (-30, 0, 999999):
        status, r = await entry(rn, minutes=minutes)
        assert status == 400 and "field 'minutes'" in r["error"]["message"], r
    status, r = await entry(rn, minutes="sixty")
    assert status == 400 and "'minutes'" in r["error"]["message"]
    # a whole day twice: the per-day total is refused too
    await call_api(rn, "POST", "/api/das/persons", {"pseudonym": "p-0100", "status": "self-employed"})
    await call_api(rn, "POST", "/api/das/contracts", {"paper_consent": "convention (tests)", "person": "p-0100", "hours": 400, "from": "2026-01-01", "to": "2026-12-31"})
    for _ in range(2):
        assert (await entry(rn, person="p-0100", minutes=720))[0] == 200
    status, r = await entry(rn, person="p-0100", minutes=60)
    assert status == 400 and "24 hours" in r["error"]["message"]
    assert (await counts(rn))[0] == before[0] + 2 and (await counts(rn))[1] == before[1] + 1


async def test_beyond_the_contract(make_node) -> None:
    rn = await territory(make_node)
    for day in ("2026-01-05", "2026-01-06", "2026-01-07"):
        assert (await entry(rn, date=day, minutes=170))[0] == 200
    status, r = await entry(rn, date="2026-01-08", minutes=60)
    assert status == 409 and "beyond" in r["error"]["message"] and "field 'minutes'" in r["error"]["message"]


async def test_dates_outside_the_contract(make_node) -> None:
    rn = await territory(make_node)
    before = await counts(rn)
    for day in ("2025-12-31", "2027-01-01"):
        status, r = await entry(rn, date=day)
        assert status == 409 and "field 'date'" in r["error"]["message"] and "outside" in r["error"]["message"]
    status, r = await entry(rn, date="2026-02-30")
    assert status == 400 and "field 'date'" in r["error"]["message"]
    assert await counts(rn) == before


async def test_overlapping_contracts(make_node) -> None:
    rn = await territory(make_node)
    before = await counts(rn)
    status, r = await call_api(rn, "POST", "/api/das/contracts", {"paper_consent": "convention (tests)", "person": "p-0001", "hours": 10, "from": "2026-06-01", "to": "2027-05-31"})
    assert status == 409 and "overlaps contract 1" in r["error"]["message"] and "field 'from'" in r["error"]["message"]
    status, r = await call_api(rn, "POST", "/api/das/contracts", {"paper_consent": "convention (tests)", "person": "p-0001", "hours": 10, "from": "2027-01-01", "to": "2026-12-31"})
    assert status == 400 and "field 'to'" in r["error"]["message"]
    assert await counts(rn) == before
    status, _ = await call_api(rn, "POST", "/api/das/contracts", {"paper_consent": "convention (tests)", "person": "p-0001", "hours": 10, "from": "2027-01-01", "to": "2027-12-31"})
    assert status == 200


async def test_validation_twice(make_node) -> None:
    # who may validate (a coordinator of the project, the office) is tested with real accounts in test_das_consent_scope.py
    rn = await territory(make_node)
    status, r = await entry(rn)
    eid = r["id"]
    status, r = await call_api(rn, "POST", f"/api/das/entries/{eid}/validate", {})
    assert status == 200 and r["decided_by"] == {"account": "owner", "role": "owner"}
    status, r = await call_api(rn, "POST", f"/api/das/entries/{eid}/validate", {})
    assert status == 409 and "already validated" in r["error"]["message"]


async def test_project_not_validated(make_node) -> None:
    rn = await territory(make_node)
    _, p = await call_api(rn, "POST", "/api/das/projects", {"title": "Garden", "sdg": 2, "coordinator": "p-0007"})
    status, r = await entry(rn, project=p["id"])
    assert status == 409 and "only proposed" in r["error"]["message"]
    status, r = await call_api(rn, "POST", f"/api/das/projects/{p['id']}/validate", {})
    assert status == 400 and "decision" in r["error"]["message"]


async def test_unknown_fields_and_token(make_node) -> None:
    rn = await territory(make_node)
    status, r = await entry(rn, colour="blue")
    assert status == 400 and "unknown field 'colour'" in r["error"]["message"]
    status, r = await call_api(rn, "GET", "/api/das/persons", token="wrong")
    assert status == 401


async def _import(rn: Any, content: str, **extra: Any) -> tuple[int, Any]:
    status, text = await call_api(rn, "POST", "/api/das/import", {"content": content, **extra})
    if isinstance(text, str):
        events = [json.loads(x) for x in text.splitlines() if x.strip()]
        return status, events[-1]
    return status, text


async def test_import_entries_and_report(make_node) -> None:
    rn = await territory(make_node)
    csv_text = "person,project,date,minutes,validated_by\n" + "".join(
        f"p-000{1 + i % 2},1,2026-02-{1 + i:02d},45,p-0007\n" for i in range(20)
    )
    status, last = await _import(rn, csv_text)
    assert status == 200 and last["report"]["imported"] == 20 and last["report"]["kind"] == "entries"
    _, lst = await call_api(rn, "GET", "/api/das/entries", status="validated")
    assert len(lst["entries"]) == 20
    # the same file again: every line duplicates an entry already imported, nothing written
    status, last = await _import(rn, csv_text)
    assert "already imported" in last["error"]["message"] and "line 2" in last["error"]["message"]
    _, lst = await call_api(rn, "GET", "/api/das/entries")
    assert len(lst["entries"]) == 20


async def test_import_duplicated_line(make_node) -> None:
    rn = await territory(make_node)
    before = await counts(rn)
    csv_text = "person,project,date,minutes\np-0001,1,2026-03-01,60\np-0002,1,2026-03-01,60\np-0001,1,2026-03-01,60\n"
    _, last = await _import(rn, csv_text)
    assert "line 4: duplicates line 2" in last["error"]["message"] and "nothing written" in last["error"]["message"]
    assert await counts(rn) == before


async def test_import_wrong_column(make_node) -> None:
    rn = await territory(make_node)
    before = await counts(rn)
    status, r = await _import(rn, "person,project,date,minuts\np-0001,1,2026-03-01,60\n")
    assert status == 400 and "line 1" in r["error"]["message"]
    status, r = await _import(rn, "person,project,date,minutes,colour\np-0001,1,2026-03-01,60,red\n")
    assert status == 400 and "unknown column 'colour'" in r["error"]["message"]
    assert await counts(rn) == before


async def test_import_errors_name_line_and_field_and_write_nothing(make_node) -> None:
    rn = await territory(make_node)
    before = await counts(rn)
    csv_text = (
        "person,project,date,minutes\n"
        "p-0001,1,2026-03-01,60\n"       # fine, but the file is refused as a whole
        "p-9999,1,2026-03-01,60\n"       # unknown person
        "p-0001,77,2026-03-02,60\n"      # unknown project
        "p-0001,1,2027-03-02,60\n"       # outside the contract
        "p-0002,1,2026-03-02,-5\n"       # negative minutes
        "p-0002,1,2026-03-03\n"          # missing value
    )
    _, last = await _import(rn, csv_text)
    msg = last["error"]["message"]
    for expected in ("line 3: field 'person'", "line 4: field 'project'", "line 5: field 'date'", "line 6: field 'minutes'", "line 7: 3 values"):
        assert expected in msg, msg
    assert await counts(rn) == before
    # persons and contracts imports follow the same rule
    _, last = await _import(rn, "pseudonym,status,employer\nq-1,employee,acme\nq-2,astronaut,acme\n")
    assert "line 3: field 'status'" in last["error"]["message"]
    _, last = await _import(rn, "person,hours,from,to\np-0001,10,2026-05-01,2026-06-01\n")
    assert "line 2: field 'from': overlaps contract 1" in last["error"]["message"]
    assert await counts(rn) == before


async def test_cli_import_reports(make_node, tmp_path) -> None:
    rn = await territory(make_node)
    d = str(rn.config.data_dir)
    f = tmp_path / "persons.csv"
    f.write_text("pseudonym,status,employer,name\nq-0001,employee,acme,Ada\nq-0002,student,,Bob\n")
    out = json.loads(await cli("das", "import", "--data", d, str(f), "--json"))
    assert out["imported"] == 2 and out["kind"] == "persons"
    f.write_text("pseudonym,status\nq-0003,student\nq-0003,student\n")
    err = await cli_fails("das", "import", "--data", d, str(f))
    assert "line 3: field 'pseudonym': duplicates line 2" in err


async def test_concurrent_entries_never_exceed_the_contract(make_node) -> None:
    import asyncio

    rn = await territory(make_node)
    await call_api(rn, "POST", "/api/das/persons", {"pseudonym": "p-0200", "status": "volunteer"})
    await call_api(rn, "POST", "/api/das/contracts", {"paper_consent": "convention (tests)", "person": "p-0200", "hours": 5, "from": "2026-01-01", "to": "2026-12-31",
                                                      "mode": "leave"})
    days = [f"2026-02-{d:02d}" for d in range(1, 13)]
    results = await asyncio.gather(*(entry(rn, person="p-0200", date=d, minutes=60) for d in days))
    ok = [s for s, _ in results if s == 200]
    refused = [r for s, r in results if s != 200]
    assert len(ok) == 5 and len(refused) == 7  # 5 hours granted: exactly five 1-hour entries, whatever the interleaving
    assert all("beyond the contract's remaining hours" in r["error"]["message"] for r in refused)


async def test_leave_contracts_count_only_the_total(make_node) -> None:
    rn = await territory(make_node)
    await call_api(rn, "POST", "/api/das/persons", {"pseudonym": "p-0300", "status": "student"})
    status, c = await call_api(rn, "POST", "/api/das/contracts", {"paper_consent": "convention (tests)", "person": "p-0300", "hours": 14, "from": "2026-01-01",
                                                                   "to": "2026-12-31", "mode": "leave", "leave_day_minutes": 420})
    assert status == 200
    # two DAS leave days in January: far beyond a quarter's share of 14 h, but within the total
    for day in ("2026-01-12", "2026-01-13"):
        status, r = await entry(rn, person="p-0300", date=day, minutes=420)
        assert status == 200, r
    status, r = await entry(rn, person="p-0300", date="2026-01-14", minutes=30)
    assert status == 409 and "0 h 00 left of 14 h 00" in r["error"]["message"]
