"""Pactes 21 through the admin API: rebuild from the log, replication to a peer, refusals write nothing."""

from __future__ import annotations

from tests.conftest import call_api, run_cli
from tests.dates import NEXT_YEAR_END


async def _setup(rn) -> dict[str, str]:
    s, r = await call_api(
        rn, "POST", "/api/pacte", {"title": "Pacte alimentaire", "horizon": 5, "start_year": 2026, "vision": "Manger local"}
    )
    assert s == 200, r
    p = r["id"]
    s, r = await call_api(rn, "POST", f"/api/pacte/{p}/partners", {"org": "Biocoop", "kind": "company", "since": "2026-02-01"})
    assert s == 200, r
    s, r = await call_api(
        rn,
        "POST",
        f"/api/pacte/{p}/taskforces",
        {
            "mission": "Circuits courts",
            "criteria": [{"kind": "environmental", "indicator": "local food", "unit": "%", "baseline": 10, "target": 50}],
            "budget": [{"year": 2027, "source": "Région", "cents": 500_000}],
            "members": ["Biocoop"],
        },
    )
    assert s == 200, r
    t = r["id"]
    s, r = await call_api(
        rn,
        "POST",
        f"/api/pacte/taskforces/{t}/commitments",
        {"partner": "Biocoop", "deliverable": "50% local", "due": "2027-06-30"},
    )
    assert s == 200, r
    c = r["id"]
    for to in ("accepted", "in_progress", "met"):
        s, r = await call_api(rn, "POST", f"/api/pacte/commitments/{c}/transition", {"to": to})
        assert s == 200, r
    s, r = await call_api(
        rn,
        "POST",
        f"/api/pacte/{p}/evaluations",
        {"year": 2027, "measures": {t: {"local food": 30}}, "assessment": "ok", "publish": True},
    )
    assert s == 200, r
    s, r = await call_api(
        rn, "POST", f"/api/pacte/{p}/certificates", {"org": "Biocoop", "evidence": [c, r["id"]], "until": NEXT_YEAR_END}
    )
    assert s == 200, r
    s, r = await call_api(
        rn,
        "POST",
        f"/api/pacte/{p}/salary-shares",
        {"partner": "Biocoop", "share_bp": 500, "payroll_cents": 1_000_000, "year": 2027},
    )
    assert s == 200, r
    return {"p": p, "t": t, "c": c}


async def test_derived_tables_rebuild_identically_from_the_log(make_node) -> None:
    a = await make_node("Commune A")
    ids = await _setup(a)
    from node.pacte.service import PacteService

    svc = PacteService(a.node)
    before = await svc.store.dump()
    assert len(before["pacte_pacts"]) == 1 and len(before["pacte_commitments"]) == 1
    await svc.store.clear()
    assert (await svc.store.dump())["pacte_pacts"] == []
    s, r = await call_api(a, "POST", "/api/pacte/rebuild")
    assert s == 200 and r == {"authors": 1, "pacts": 1}
    assert await svc.store.dump() == before
    s, shown = await call_api(a, "GET", f"/api/pacte/{ids['p']}")
    assert s == 200 and shown["commitments"]["met"][0]["id"] == ids["c"]
    assert shown["injected_cents_by_year"] == {"2027": 50_000}


async def test_refusals_are_clear_and_write_nothing(make_node) -> None:
    a = await make_node("Commune A")
    ids = await _setup(a)
    p, t, c = ids["p"], ids["t"], ids["c"]
    s, status = await call_api(a, "GET", "/api/status")
    size = status["log_size"]
    cases = [
        (
            "POST",
            f"/api/pacte/taskforces/{t}/commitments",
            {"partner": "Nobody Inc", "deliverable": "x", "due": "2027-01-01"},
            "not a partner",
        ),
        ("POST", f"/api/pacte/commitments/{c}/transition", {"to": "proposed"}, "cannot move to 'proposed'"),
        ("POST", f"/api/pacte/{p}/salary-shares", {"partner": "Biocoop", "share_bp": 1001}, "between 0% and 10%"),
        ("POST", f"/api/pacte/{p}/evaluations", {"year": 2031, "assessment": "x"}, "outside the pact's horizon"),
        ("POST", f"/api/pacte/{p}/evaluations", {"year": 2027, "assessment": "edit"}, "published and frozen"),
        (
            "POST",
            f"/api/pacte/{p}/certificates",
            {"org": "Biocoop", "evidence": ["00" * 32], "until": NEXT_YEAR_END},
            "not a commitment or evaluation",
        ),
        ("POST", f"/api/pacte/{p}/certificates", {"org": "Biocoop", "evidence": [c], "until": "2020-01-01"}, "before it starts"),
        ("POST", f"/api/pacte/{p}/taskforces", {"mission": "x", "members": ["Ghost"]}, "not a partner"),
        ("POST", f"/api/pacte/{p}/taskforces", {"mission": "x", "criteria": [{"kind": "moral"}]}, "criterion"),
        (
            "POST",
            f"/api/pacte/{p}/taskforces",
            {"mission": "x", "budget": [{"year": 2040, "source": "x", "cents": 1}]},
            "outside the pact's horizon",
        ),
        ("POST", f"/api/pacte/{p}/partners", {"org": "Biocoop", "kind": "company"}, "already a partner"),
        ("POST", f"/api/pacte/{p}/partners", {"org": "X", "kind": "company", "since": "2026-13-01"}, "YYYY-MM-DD"),
        (
            "POST",
            f"/api/pacte/taskforces/{t}/commitments",
            {"partner": "Biocoop", "deliverable": "x", "due": "soon"},
            "YYYY-MM-DD",
        ),
        ("POST", "/api/pacte/nothex/partners", {"org": "X", "kind": "company"}, "64 hexadecimal"),
        ("POST", f"/api/pacte/{t}/partners", {"org": "X", "kind": "company"}, "no pacte"),
    ]
    for method, path, body, expected in cases:
        s, r = await call_api(a, method, path, body)
        assert s in (400, 404, 409), (path, body, r)
        assert expected in r["error"]["message"], (expected, r)
        assert "Traceback" not in r["error"]["message"]
    s, status = await call_api(a, "GET", "/api/status")
    assert status["log_size"] == size
    s, r = await call_api(a, "GET", f"/api/pacte/{'ab' * 32}")
    assert s == 404 and "no pact" in r["error"]["message"]
    s, doc = await call_api(a, "GET", "/api/openapi.json")
    assert "/api/pacte/{id}/certificates" in doc["paths"]


async def test_peer_replicates_the_pact_and_folds_it(make_node) -> None:
    a = await make_node("Commune A")
    b = await make_node("Quartier B")
    ids = await _setup(a)
    rc, out, err = await run_cli("peer", "add", "--data", str(b.config.data_dir), a.peer_url)
    assert rc == 0, err
    rc, out, err = await run_cli("sync", "--data", str(b.config.data_dir))
    assert rc == 0, err
    s, on_a = await call_api(a, "GET", f"/api/pacte/{ids['p']}")
    s, on_b = await call_api(b, "GET", f"/api/pacte/{ids['p']}")
    assert s == 200 and on_b == on_a  # the same fold from the same records
    s, listed = await call_api(b, "GET", "/api/pacte")
    assert listed["pacts"][0]["own"] is False and listed["pacts"][0]["commitments"] == {"met": 1}
    s, r = await call_api(b, "POST", f"/api/pacte/commitments/{ids['c']}/transition", {"to": "missed"})
    assert s == 400 and "another territory" in r["error"]["message"]


async def test_concurrent_transitions_apply_once(make_node) -> None:
    import asyncio

    a = await make_node("Commune A")
    s, r = await call_api(a, "POST", "/api/pacte", {"title": "P", "horizon": 2})
    p = r["id"]
    await call_api(a, "POST", f"/api/pacte/{p}/partners", {"org": "Biocoop", "kind": "company"})
    s, r = await call_api(a, "POST", f"/api/pacte/{p}/taskforces", {"mission": "m"})
    s, r = await call_api(
        a, "POST", f"/api/pacte/taskforces/{r['id']}/commitments", {"partner": "Biocoop", "deliverable": "d", "due": "2027-01-01"}
    )
    c = r["id"]
    results = await asyncio.gather(
        *(call_api(a, "POST", f"/api/pacte/commitments/{c}/transition", {"to": "accepted"}) for _ in range(6))
    )
    assert sorted(s for s, _ in results) == [200, 400, 400, 400, 400, 400]
    s, shown = await call_api(a, "GET", f"/api/pacte/{p}")
    assert len(shown["commitments"]["accepted"][0]["transitions"]) == 1
