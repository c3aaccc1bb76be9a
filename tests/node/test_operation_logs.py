"""One log line per admin operation (who, what, outcome, duration), in text and JSON, and never personal data.

A real node holds DAS persons with pseudonyms and names and a note with an e-mail address; the
requests name them in paths, queries and bodies; the node logs at DEBUG through the same handler
`democite run` installs, and not one of those values may reach the log.
"""

from __future__ import annotations

import io
import json
import logging

import pytest

from node.logging_setup import configure
from tests.conftest import call_api, run_cli
from tests.node.test_das_flow import cli, setup_territory

PERSONAL = ("p-0001", "p-0002", "p-0007", "p-0404", "Name1 Surname", "Name2", "jeanne.dupont@example.org", "Dupont")


async def _operations(rn) -> list[tuple[str, str, int]]:
    """Requests that carry personal data in every place a request can: (method, route, status) expected."""
    d = str(rn.config.data_dir)
    await setup_territory(d, 2)  # persons p-0001, p-0002 (with names) and p-0007, through the CLI
    await cli("das", "person", "show", "--data", d, "p-0001")
    done = []
    for method, path, body, query, route, status in [
        ("GET", "/api/das/persons/p-0001", None, {}, "/api/das/persons/{ref}", 200),
        ("GET", "/api/das/persons/p-0002/export", None, {}, "/api/das/persons/{ref}/export", 200),
        ("GET", "/api/das/persons/p-0404", None, {}, "/api/das/persons/{ref}", 404),
        ("GET", "/api/das/contracts", None, {"person": "p-0001"}, "/api/das/contracts", 200),
        ("POST", "/api/das/persons", {"pseudonym": "p-0404", "status": "employee", "name": "Jeanne Dupont", "employer": "nobody"}, {},
         "/api/das/persons", 404),
        ("POST", "/api/publish", {"kind": "note", "body": {"text": "contact jeanne.dupont@example.org"}}, {}, "/api/publish", 200),
        ("GET", "/api/das/nowhere/p-0001", None, {}, "(unrouted)", 404),
    ]:
        got, answer = await call_api(rn, method, path, body, **query)
        assert got == status, (path, answer)
        done.append((method, route, status))
    return done


@pytest.mark.parametrize("fmt", ["text", "json"])
async def test_one_line_per_operation_and_no_personal_data(make_node, fmt: str) -> None:
    out = io.StringIO()
    logs = configure("debug", fmt, stream=out)
    try:
        rn = await make_node("Commune A")
        done = await _operations(rn)
        refused, _ = await call_api(rn, "GET", "/api/das/persons/p-0001", token="not-the-token")
        assert refused == 401
        rc, _, _ = await run_cli("das", "person", "show", "--data", str(rn.config.data_dir), "p-0002")
        assert rc == 0
        logging.getLogger("democite.test").debug("end of the operations")  # DEBUG lines do reach this output
    finally:
        logs.close()
    text = out.getvalue()
    assert "end of the operations" in text
    leaked = [p for p in PERSONAL if p.lower() in text.lower()]
    assert not leaked, f"personal data in the {fmt} log: {leaked}"
    lines = text.splitlines()
    if fmt == "json":
        records = [json.loads(line) for line in lines]  # every line is one JSON object
        assert all({"ts", "level", "logger", "message"} <= set(r) for r in records)
        ops = [r for r in records if r["logger"] == "democite.api.ops"]
        assert all(r["actor"] in ("owner", "anonymous") and isinstance(r["duration_ms"], float) for r in ops)
        seen = [(r["method"], r["route"], r["status"]) for r in ops]
        assert [r["actor"] for r in ops if r["status"] == 401] == ["anonymous"]
    else:
        ops = [line for line in lines if " democite.api.ops: " in line]
        seen = []
        for line in ops:
            words = line.split(" democite.api.ops: ", 1)[1].split()
            assert words[0] in ("actor=owner", "actor=anonymous") and words[3].startswith("status=") and words[4].startswith("ms=")
            seen.append((words[1], words[2], int(words[3].removeprefix("status="))))
        assert any("actor=anonymous" in line and "status=401" in line for line in ops)
    for op in done:
        assert op in seen, f"no operation line for {op}"
    assert ("GET", "/api/das/persons/{ref}", 401) in seen and len(seen) >= len(done) + 2


async def test_the_owner_is_the_actor_of_every_authenticated_request(make_node, caplog) -> None:
    rn = await make_node()
    caplog.set_level(logging.INFO, logger="democite.api.ops")
    assert (await call_api(rn, "GET", "/api/status"))[0] == 200
    assert (await call_api(rn, "GET", "/api/openapi.json", token=""))[0] == 200  # served without a token
    ops = [r for r in caplog.records if r.name == "democite.api.ops"]
    assert [(r.actor, r.route, r.status) for r in ops] == [  # type: ignore[attr-defined]
        ("owner", "/api/status", 200), ("anonymous", "/api/openapi.json", 200)]


async def test_an_account_s_operations_carry_its_id_and_role_never_its_username(make_node, caplog) -> None:
    from tests.accounts_util import make_account

    rn = await make_node(web={"listen": "127.0.0.1:0"})
    acct = await make_account(rn, "evaluator", "eve-the-evaluator")
    caplog.set_level(logging.INFO, logger="democite.api.ops")
    assert (await call_api(rn, "GET", "/api/status", token=acct.token))[0] == 200
    assert (await call_api(rn, "POST", "/api/publish", {"kind": "note", "body": {"text": "x"}}, token=acct.token))[0] == 403
    ops = [r for r in caplog.records if r.name == "democite.api.ops"]
    assert [(r.actor, r.role, r.route, r.status) for r in ops] == [  # type: ignore[attr-defined]
        (acct.id, "evaluator", "/api/status", 200), (acct.id, "evaluator", "/api/publish", 403)]
    assert all(r.getMessage().startswith(f"actor=evaluator:{acct.id} ") for r in ops)
    assert "eve-the-evaluator" not in caplog.text
