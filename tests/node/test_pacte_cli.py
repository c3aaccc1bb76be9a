"""Pactes 21 through the real CLI against a real node: the issue's commands, refusals, offline verify."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli
from tests.dates import NEXT_YEAR_END, YEAR_AFTER_END


async def _ok(*argv: str) -> dict:
    rc, out, err = await run_cli(*argv)
    assert rc == 0, err
    return json.loads(out) if "--json" in argv else {}


async def _refused(*argv: str) -> str:
    rc, out, err = await run_cli(*argv)
    assert rc == 1, (out, err)
    assert "Traceback" not in err and err.count("\n") == 1
    return err


async def test_issue_commands_and_offline_certificate(make_node, tmp_path: Path) -> None:
    a = await make_node("Commune A")
    d = str(a.config.data_dir)
    p = (await _ok("pacte", "create", "--data", d, "--title", "Pacte alimentaire", "--horizon", "5", "--json"))["id"]
    await _ok("pacte", "partner", "add", "--data", d, p, "--org", "Biocoop", "--kind", "company")
    t = (await _ok("pacte", "taskforce", "add", "--data", d, p, "--mission", "Circuits courts", "--json"))["id"]
    c = (
        await _ok(
            "pacte",
            "commit",
            "--data",
            d,
            t,
            "--partner",
            "Biocoop",
            "--deliverable",
            "50% local",
            "--due",
            "2027-06-30",
            "--json",
        )
    )["id"]
    head = (await _ok("status", "--data", d, "--json"))["log_size"]

    err = await _refused(
        "pacte", "commit", "--data", d, t, "--partner", "Nobody Inc", "--deliverable", "x", "--due", "2027-06-30"
    )
    assert "'Nobody Inc' is not a partner" in err
    for state in ("accepted", "in_progress", "met"):
        await _ok("pacte", "transition", "--data", d, c, state)
    err = await _refused("pacte", "transition", "--data", d, c, "accepted")
    assert "'met'" in err and "'accepted'" in err
    err = await _refused("pacte", "transition", "--data", d, c, "proposed")
    assert "'met' cannot move to 'proposed'" in err
    err = await _refused("pacte", "salary-share", "--data", d, p, "--partner", "Biocoop", "--percent", "11")
    assert "10%" in err
    assert (await _ok("status", "--data", d, "--json"))["log_size"] == head + 3  # only the three transitions

    await _ok("pacte", "salary-share", "--data", d, p, "--partner", "Biocoop", "--percent", "8", "--payroll", "100000")
    cert = tmp_path / "cert.json"
    await _ok(
        "pacte",
        "certificate",
        "issue",
        "--data",
        d,
        p,
        "--org",
        "Biocoop",
        "--evidence",
        c,
        "--until",
        NEXT_YEAR_END,
        "-o",
        str(cert),
    )
    credential = json.loads(cert.read_text())
    assert credential["credentialSubject"]["name"] == "Biocoop"
    assert credential["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    assert credential["proof"]["verificationMethod"].startswith("did:key:z6Mk")

    rc, out, err = await run_cli("verify", str(cert))
    assert rc == 0 and "valid: Biocoop" in out, err
    altered = tmp_path / "cert2.json"
    altered.write_text(cert.read_text().replace("Biocoop", "Biocoq"))
    err = await _refused("verify", str(altered))
    assert "does not verify" in err and "altered" in err
    rc, _, err = await run_cli("verify", str(cert), "--today", "2028-01-01")
    assert rc == 1 and "expired" in err
    (tmp_path / "junk.json").write_text("{not json")
    err = await _refused("verify", str(tmp_path / "junk.json"))
    assert "not a JSON credential" in err
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)  # json's parser would recurse
    err = await _refused("verify", str(tmp_path / "deep.json"))
    assert "not a JSON credential" in err and "more than 32" in err

    show = await _ok("pacte", "show", "--data", d, p, "--json")
    assert [x["id"] for x in show["commitments"]["met"]] == [c]
    met = show["commitments"]["met"][0]
    owner = {"account": "owner", "role": "owner"}  # the CLI acts with api.token: the owner, recorded as such
    assert [(x["from"], x["to"], x["by"], x["actor"]) for x in met["transitions"]] == [
        ("proposed", "accepted", "owner", owner),
        ("accepted", "in_progress", "owner", owner),
        ("in_progress", "met", "owner", owner),
    ]
    assert all(len(x["date"]) == 10 for x in met["transitions"])
    assert show["partners"][0]["org"] == "Biocoop" and len(show["partners"][0]["since"]) == 10
    year = str(show["years"][0])
    assert show["injected_cents_by_year"] == {year: 800_000}
    assert show["certificates"][0]["org"] == "Biocoop" and show["certificates"][0]["status"] == "valid"
    rc, out, err = await run_cli("pacte", "show", "--data", d, p)
    assert rc == 0 and "commitments by state" in out and "50% local" in out


async def test_taskforce_evaluation_certificate_lifecycle(make_node, tmp_path: Path) -> None:
    a = await make_node("Commune A")
    d = str(a.config.data_dir)
    p = (
        await _ok("pacte", "create", "--data", d, "--title", "Pacte énergie", "--horizon", "5", "--start-year", "2026", "--json")
    )["id"]
    p2 = (
        await _ok("pacte", "create", "--data", d, "--title", "Autre pacte", "--horizon", "3", "--start-year", "2026", "--json")
    )["id"]
    for pact in (p, p2):
        await _ok(
            "pacte",
            "partner",
            "add",
            "--data",
            d,
            pact,
            "--org",
            "Enercoop",
            "--kind",
            "company",
            "--contact-role",
            "RSE",
            "--since",
            "2026-03-01",
        )
    t = (
        await _ok(
            "pacte",
            "taskforce",
            "add",
            "--data",
            d,
            p,
            "--mission",
            "Rénovation",
            "--json",
            "--criterion",
            "environmental;CO2 avoided;t;0;120",
            "--criterion",
            "social;local jobs;jobs;2;12",
            "--budget",
            "2027;Région;15000",
            "--budget",
            "2027;Communes;5000.50",
            "--member",
            "Enercoop",
            "--governance",
            "consensus",
        )
    )["id"]
    t2 = (await _ok("pacte", "taskforce", "add", "--data", d, p2, "--mission", "Autre", "--json"))["id"]
    c_other = (
        await _ok(
            "pacte", "commit", "--data", d, t2, "--partner", "Enercoop", "--deliverable", "x", "--due", "2027-01-01", "--json"
        )
    )["id"]
    c = (
        await _ok(
            "pacte",
            "commit",
            "--data",
            d,
            t,
            "--partner",
            "Enercoop",
            "--deliverable",
            "200 homes",
            "--due",
            "2027-06-30",
            "--json",
        )
    )["id"]
    for state in ("accepted", "in_progress", "met"):
        await _ok("pacte", "transition", "--data", d, c, state)
    for state in ("accepted", "in_progress", "met"):
        await _ok("pacte", "transition", "--data", d, c_other, state)

    err = await _refused("pacte", "evaluate", "--data", d, p, "--year", "2035", "--assessment", "x")
    assert "outside the pact's horizon (2026-2030)" in err
    e = (
        await _ok(
            "pacte",
            "evaluate",
            "--data",
            d,
            p,
            "--year",
            "2027",
            "--assessment",
            "draft",
            "--measure",
            f"{t}:CO2 avoided=60",
            "--spent",
            f"{t}=12000",
            "--json",
        )
    )["id"]
    e2 = (
        await _ok(
            "pacte",
            "evaluate",
            "--data",
            d,
            p,
            "--year",
            "2027",
            "--assessment",
            "good year",
            "--adjustments",
            "more homes",
            "--measure",
            f"{t}:CO2 avoided=60",
            "--measure",
            f"{t}:local jobs=7",
            "--spent",
            f"{t}=12000",
            "--json",
        )
    )["id"]
    assert e2 != e
    published = (await _ok("pacte", "publish-evaluation", "--data", d, e2, "--json"))["id"]
    err = await _refused("pacte", "evaluate", "--data", d, p, "--year", "2027", "--assessment", "rewrite")
    assert "published and frozen" in err
    err = await _refused("pacte", "publish-evaluation", "--data", d, published)
    assert "already published" in err

    show = await _ok("pacte", "show", "--data", d, p, "--json")
    crit = {x["indicator"]: x for x in show["taskforces"][0]["criteria"]}
    assert crit["CO2 avoided"]["measured"] == 60 and crit["CO2 avoided"]["progress_percent"] == 50
    assert crit["local jobs"]["progress_percent"] == 50 and crit["local jobs"]["measured_year"] == 2027
    assert show["taskforces"][0]["budget_by_year"] == {"2027": 2_000_050}
    ev = show["evaluations"][0]
    assert ev["published"] and ev["taskforces"][0]["met"] == 1 and ev["taskforces"][0]["planned_cents"] == 2_000_050
    assert ev["taskforces"][0]["spent_cents"] == 1_200_000

    head = (await _ok("status", "--data", d, "--json"))["log_size"]
    err = await _refused(
        "pacte", "certificate", "issue", "--data", d, p, "--org", "Enercoop", "--evidence", c_other, "--until", NEXT_YEAR_END
    )
    assert "belongs to another pact" in err
    err = await _refused(
        "pacte", "certificate", "issue", "--data", d, p, "--org", "Enercoop", "--evidence", "ab" * 32, "--until", NEXT_YEAR_END
    )
    assert "is not a commitment or evaluation" in err
    err = await _refused(
        "pacte", "certificate", "issue", "--data", d, p, "--org", "Enercoop", "--evidence", e, "--until", NEXT_YEAR_END
    )
    assert "is not a commitment or evaluation" in err  # a replaced draft is no evidence
    assert (await _ok("status", "--data", d, "--json"))["log_size"] == head

    cert = tmp_path / "c.json"
    first = (
        await _ok(
            "pacte",
            "certificate",
            "issue",
            "--data",
            d,
            p,
            "--org",
            "Enercoop",
            "--evidence",
            f"{c},{published}",
            "--until",
            NEXT_YEAR_END,
            "-o",
            str(cert),
            "--json",
        )
    )["id"]
    assert len(json.loads(cert.read_text())["evidence"]) == 2
    renewed_file = tmp_path / "r.json"
    renewed = (
        await _ok("pacte", "certificate", "renew", "--data", d, first, "--until", YEAR_AFTER_END, "-o", str(renewed_file), "--json")
    )["id"]
    rc, out, err = await run_cli("verify", str(renewed_file), "--json")
    assert rc == 0 and json.loads(out)["valid_until"].startswith(YEAR_AFTER_END)
    await _ok("pacte", "certificate", "revoke", "--data", d, renewed, "--reason", "commitment reversed")
    err = await _refused("pacte", "certificate", "revoke", "--data", d, renewed, "--reason", "again")
    assert "already revoked" in err
    statuses = {x["id"]: x["status"] for x in (await _ok("pacte", "show", "--data", d, p, "--json"))["certificates"]}
    assert statuses == {first: "renewed", renewed: "revoked"}

    out_csv = tmp_path / "h.csv"
    await _ok("pacte", "export", "--data", d, p, "--format", "csv", "-o", str(out_csv))
    lines = out_csv.read_text().splitlines()
    assert lines[0] == "seq,date,ts,kind,id,body" and any(",pacte.certificate_revoke," in x for x in lines)
    history = await _ok("pacte", "export", "--data", d, p, "--json")
    kinds = [r["kind"] for r in history["records"]]
    assert kinds[0] == "pacte.create" and kinds.count("pacte.transition") == 3 and "pacte.evaluation" in kinds
    assert all(r["kind"] != "pacte.commitment" or r["id"] != c_other for r in history["records"])  # other pact's records excluded
    listed = await _ok("pacte", "list", "--data", d, "--json")
    assert {x["title"] for x in listed["pacts"]} == {"Pacte énergie", "Autre pacte"}
