"""Twinning hours computed from DAS data: only the aggregate is published, and only with k persons."""

from __future__ import annotations

import json

from protocol.record import open_record
from tests.conftest import call_api, run_cli
from tests.dates import NEXT_YEAR_END
from tests.federation.test_coop_cli import cli, fails, mesh, sync
from tests.node.test_das_flow import setup_territory

K = 5


async def test_twin_hours_from_das_publishes_only_a_k_anonymous_aggregate(make_node) -> None:
    a = await make_node("Commune A", das={"k_anonymity": K})
    b = await make_node("Quartier B")
    da, db = str(a.config.data_dir), str(b.config.data_dir)
    await mesh(a, b)
    project = await setup_territory(da, n=K)
    kb = b.node.public_key.hex()
    t = (await cli("twin", "propose", "--data", da, "--with", kb, "--title", "Jumelage", "--objectives", "o", "--until", NEXT_YEAR_END))["id"]
    await sync(b)
    await cli("twin", "accept", "--data", db, t)
    await sync(a)

    async def give(i: int, day: str, minutes: int) -> None:
        rc, out, err = await run_cli("das", "entry", "add", "--data", da, "--person", f"p-{i:04d}", "--project", project, "--date", day,
                                     "--minutes", str(minutes))
        assert rc == 0, err
        rc, _, err = await run_cli("das", "entry", "validate", "--data", da, out.strip())
        assert rc == 0, err

    for i in range(1, K):  # K-1 persons in Q1
        await give(i, "2026-02-03", 60 * i)
    # a pending entry does not count, nor does time given outside the period
    rc, _, err = await run_cli("das", "entry", "add", "--data", da, "--person", f"p-{K:04d}", "--project", project, "--date", "2026-03-01",
                               "--minutes", "30")
    assert rc == 0, err
    await give(K, "2026-04-02", 45)
    err = await fails("twin", "hours", "--data", da, t, "--from-das", project, "--period", "2026-Q1")
    assert f"fewer than {K} persons" in err and "das.k_anonymity" in err
    assert "p-000" not in err and "Surname" not in err  # the refusal names the rule, never a person
    assert await a.node.logs.records(a.node.public_key, ["twin.hours"]) == []  # nothing was published
    # over the year K persons gave validated time: the total is published, and nothing else
    shown = await cli("twin", "hours", "--data", da, t, "--from-das", project, "--period", "2026")
    expected = sum(60 * i for i in range(1, K)) + 45
    ka = a.node.public_key.hex()
    assert shown["hours"][ka]["minutes"] == expected
    [rec] = await a.node.logs.records(a.node.public_key, ["twin.hours"])
    body = open_record(rec.raw, rec.sig, rec.author).record.body
    assert set(body) == {"proposal", "minutes", "period", "actor"} and body["period"] == "2026" and body["minutes"] == expected
    assert body["actor"] == {"account": "owner", "role": "owner"}  # who acted, never a person of the aggregate
    await sync(b)
    assert (await cli("twin", "show", "--data", db, t))["hours"][ka]["minutes"] == expected
    # bad input is named, and writes nothing
    err = await fails("twin", "hours", "--data", da, t, "--from-das", "999", "--period", "2026")
    assert "no project 999" in err
    err = await fails("twin", "hours", "--data", da, t, "--from-das", project, "--period", "2026-Q5")
    assert "period" in err
    code, r = await call_api(a, "POST", f"/api/twin/{t}/hours", {"from_das": int(project), "minutes": 5, "period": "2026"})
    assert code == 400 and "not both" in r["error"]["message"]
    rc, _, err = await run_cli("twin", "hours", "--data", da, t, "--from-das", project, "--hours", "3", "--period", "2026")
    assert rc == 2 and "not allowed with" in err
    assert len(await a.node.logs.records(a.node.public_key, ["twin.hours"])) == 1
    # the existing --hours form still works
    await cli("twin", "hours", "--data", db, t, "--hours", "2", "--period", "2026")
    assert (await cli("twin", "show", "--data", db, t))["hours"][kb]["minutes"] == 120
    assert json.dumps(await cli("twin", "show", "--data", da, t)).count("p-000") == 0


async def test_twin_hours_from_das_with_nobody_is_refused(make_node) -> None:
    a = await make_node("Commune A", das={"k_anonymity": K})
    b = await make_node("Quartier B")
    da, db = str(a.config.data_dir), str(b.config.data_dir)
    await mesh(a, b)
    project = await setup_territory(da, n=1)
    t = (await cli("twin", "propose", "--data", da, "--with", b.node.public_key.hex(), "--title", "J", "--objectives", "o",
                   "--until", NEXT_YEAR_END))["id"]
    err = await fails("twin", "hours", "--data", da, t, "--from-das", project, "--period", "2026")
    assert "proposed cannot take the event 'hours'" in err  # the twinning's state is checked too
    await sync(b)
    await cli("twin", "accept", "--data", db, t)
    await sync(a)
    err = await fails("twin", "hours", "--data", da, t, "--from-das", project, "--period", "2026")
    assert "no person gave validated time in 2026" in err and "nothing was published" in err
