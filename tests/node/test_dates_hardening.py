"""Dates, periods and amounts from outside (issue #10, item 14): each is refused by the API with a
one-line error naming the field and the accepted form, and the CLI says the same."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from protocol.das import quarter_of
from tests.conftest import call_api, run_cli


async def refused(*argv: str) -> str:
    rc, out, err = await run_cli(*argv)
    assert rc != 0, f"{argv} succeeded: {out}"
    assert "Traceback" not in err and err.strip().count("\n") == 0, err
    return err


async def ok(*argv: str) -> str:
    rc, out, err = await run_cli(*argv)
    assert rc == 0, f"{argv}: {err}"
    return out


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


async def person(rn: Any) -> str:
    d = str(rn.config.data_dir)
    await ok("das", "person", "add", "--data", d, "--pseudonym", "p-0001", "--status", "volunteer")
    return d


async def test_bad_period_names_the_field_and_the_forms(make_node) -> None:
    rn = await make_node()
    d = await person(rn)
    for argv in (("das", "statements", "--data", d, "--period", "2026-13"), ("das", "summary", "preview", "--data", d, "--period", "2026-13"),
                 ("das", "summary", "publish", "--data", d, "--period", "2026-13")):
        err = await refused(*argv)
        assert "'period'" in err and "YYYY, YYYY-Qn or YYYY-MM" in err, err
    status, r = await call_api(rn, "GET", "/api/das/summaries/preview", period="0999")
    assert status == 400 and "YYYY-Qn" in r["error"]["message"]


async def test_summary_of_a_period_not_ended_is_refused(make_node) -> None:
    rn = await make_node()
    d = await person(rn)
    q = quarter_of(today())
    year, n = int(q[:4]), int(q[-1])
    end = (dt.date(year + 1, 1, 1) if n == 4 else dt.date(year, 3 * n + 1, 1)) - dt.timedelta(days=1)
    err = await refused("das", "summary", "publish", "--data", d, "--period", q)
    assert f"the quarter {q} ends on {end}; publish after that" in err
    status, r = await call_api(rn, "POST", "/api/das/summaries", {"period": str(year)})
    assert status == 409 and f"the year {year} ends on {year}-12-31" in r["error"]["message"]
    # preview stays possible, and a past quarter publishes
    await ok("das", "summary", "preview", "--data", d, "--period", q)
    last_year = f"{year - 1}-Q4"
    assert json.loads(await ok("das", "summary", "publish", "--data", d, "--period", last_year, "--json"))["period"] == last_year


async def test_contract_dates_are_bounded_around_today(make_node) -> None:
    rn = await make_node()
    d = await person(rn)
    err = await refused("das", "contract", "add", "--data", d, "--paper-consent", "convention (tests)", "--person", "p-0001", "--hours", "35", "--from", "9999-01-01", "--to", "9999-12-31")
    assert "field 'from'" in err and "10 years" in err
    status, r = await call_api(rn, "POST", "/api/das/contracts", {"paper_consent": "convention (tests)", "person": "p-0001", "hours": 35, "from": "1901-01-01", "to": "1901-12-31"})
    assert status == 400 and "field 'from'" in r["error"]["message"]
    y = today().year
    no = (await ok("das", "contract", "add", "--data", d, "--paper-consent", "convention (tests)", "--person", "p-0001", "--hours", "35", "--from", f"{y}-01-01", "--to", f"{y}-12-31")).strip()
    err = await refused("das", "contract", "amend", "--data", d, no, "--to", "9999-12-31", "--reason", "typo")
    assert "field 'to'" in err and "10 years" in err
    # the other dates of a contract's life too: acceptance, flexibility, profile agreement
    err = await refused("das", "contract", "accept", "--data", d, no, "--paper-consent", "convention", "--on", "9999-01-01")
    assert "field 'on'" in err and "10 years" in err
    err = await refused("das", "person", "profile", "--data", d, "p-0001", "--competence", "repair=2", "--paper-consent", "profil signé",
                        "--agreed-on", "9999-01-01")
    assert "field 'agreed_on'" in err


async def test_contract_hours_with_minutes(make_node) -> None:
    rn = await make_node()
    d = await person(rn)
    y = today().year
    for i, hours in enumerate(("17.5", "17h30", "17:30")):
        span = ("--from", f"{y + i}-01-01", "--to", f"{y + i}-12-31")
        no = json.loads(await ok("das", "contract", "add", "--data", d, "--paper-consent", "convention (tests)", "--person", "p-0001", "--hours", hours, *span, "--json"))["id"]
        shown = json.loads(await ok("das", "contract", "show", "--data", d, str(no), "--json"))
        assert shown["versions"][0]["minutes_granted"] == 1050, hours
    err = await refused("das", "contract", "add", "--data", d, "--paper-consent", "convention (tests)", "--person", "p-0001", "--hours", "17.33", "--from", f"{y - 1}-01-01",
                        "--to", f"{y - 1}-12-31")
    assert "field 'hours'" in err and "17h20" in err
    err = await refused("das", "contract", "add", "--data", d, "--paper-consent", "convention (tests)", "--person", "p-0001", "--hours", "lots", "--from", f"{y - 1}-01-01",
                        "--to", f"{y - 1}-12-31")
    assert "17h30" in err
    # the API takes whole hours (as before) or minutes, not both
    status, r = await call_api(rn, "POST", "/api/das/contracts", {"paper_consent": "convention (tests)", "person": "p-0001", "minutes": 1050, "hours": 17,
                                                                  "from": f"{y - 1}-01-01", "to": f"{y - 1}-12-31"})
    assert status == 400 and "one of 'hours'" in r["error"]["message"]
    status, r = await call_api(rn, "POST", "/api/das/contracts", {"paper_consent": "convention (tests)", "person": "p-0001", "minutes": 1050,
                                                                  "from": f"{y - 1}-01-01", "to": f"{y - 1}-12-31"})
    assert status == 200 and r["minutes_granted"] == 1050
    no = str(r["id"])
    assert json.loads(await ok("das", "contract", "amend", "--data", d, no, "--hours", "20h15", "--reason", "more", "--json"))["minutes_granted"] == 1215


async def pact(d: str) -> str:
    p = json.loads(await ok("pacte", "create", "--data", d, "--title", "Pacte alimentaire", "--horizon", "5", "--json"))["id"]
    await ok("pacte", "partner", "add", "--data", d, p, "--org", "Biocoop", "--kind", "company")
    return p


async def test_payroll_is_bounded_and_named(make_node) -> None:
    rn = await make_node()
    d = str(rn.config.data_dir)
    p = await pact(d)
    for payroll in ("1e30", "1e999999999"):
        err = await refused("pacte", "salary-share", "--data", d, p, "--partner", "Biocoop", "--percent", "8", "--payroll", payroll)
        assert "--payroll" in err, err
    status, r = await call_api(rn, "POST", f"/api/pacte/{p}/salary-shares", {"partner": "Biocoop", "share_bp": 800, "payroll_cents": 10**20})
    assert status == 400 and "field 'payroll_cents'" in r["error"]["message"]
    await ok("pacte", "salary-share", "--data", d, p, "--partner", "Biocoop", "--percent", "8", "--payroll", "250000")


async def test_certificate_until_in_the_past_is_refused(make_node) -> None:
    rn = await make_node()
    d = str(rn.config.data_dir)
    p = await pact(d)
    t = json.loads(await ok("pacte", "taskforce", "add", "--data", d, p, "--mission", "Circuits courts", "--json"))["id"]
    c = json.loads(await ok("pacte", "commit", "--data", d, t, "--partner", "Biocoop", "--deliverable", "50% local", "--due",
                            f"{today().year + 1}-06-30", "--json"))["id"]
    for state in ("accepted", "in_progress", "met"):
        await ok("pacte", "transition", "--data", d, c, state)
    past = (today() - dt.timedelta(days=30)).isoformat()
    err = await refused("pacte", "certificate", "issue", "--data", d, p, "--org", "Biocoop", "--evidence", c,
                        "--from", (today() - dt.timedelta(days=60)).isoformat(), "--until", past)
    assert "field 'until'" in err and "in the past" in err
    err = await refused("pacte", "certificate", "issue", "--data", d, p, "--org", "Biocoop", "--evidence", c, "--until", "9999-12-31")
    assert "field 'until'" in err and "10 years" in err
    err = await refused("pacte", "certificate", "issue", "--data", d, p, "--org", "Biocoop", "--evidence", c, "--until", "2027-13-01")
    assert "field 'until'" in err and "YYYY-MM-DD" in err
    cid = json.loads(await ok("pacte", "certificate", "issue", "--data", d, p, "--org", "Biocoop", "--evidence", c,
                              "--until", f"{today().year + 1}-12-31", "--json"))["id"]
    err = await refused("pacte", "certificate", "renew", "--data", d, cid, "--until", past)
    assert "field 'until'" in err
