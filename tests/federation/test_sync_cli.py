"""The foundation's user flow through the real CLI: init, run, peer add, publish, sync, log, status."""

from __future__ import annotations

import json

from tests.conftest import run_cli


async def test_publish_sync_log_status(make_node) -> None:
    a = await make_node("Commune A")
    b = await make_node("Quartier B")
    da, db = str(a.config.data_dir), str(b.config.data_dir)
    rc, out, err = await run_cli("peer", "add", "--data", db, a.peer_url)
    assert rc == 0, err
    rc, out, err = await run_cli("publish", "--data", da, "--kind", "note", "--body", '{"text": "bonjour"}', "--json")
    assert rc == 0, err
    published = json.loads(out)
    rc, out, err = await run_cli("sync", "--data", db, "--json")
    assert rc == 0, err
    assert json.loads(out)["pulled"] == 2  # A's profile and the note
    rc, out, err = await run_cli("log", "--data", db, "--json", "--author", a.node.public_key.hex())
    records = json.loads(out)["records"]
    assert [r["kind"] for r in records] == ["territory.profile", "note"]
    assert records[1]["body"] == {"text": "bonjour"} and records[1]["id"] == published["id"]
    assert all(r["verified"] for r in records)
    rc, out, err = await run_cli("status", "--data", da, "--json")
    status = json.loads(out)
    assert status["public_key"] == a.node.public_key.hex()
    assert status["name"] == "Commune A" and status["log_size"] == 2 and status["forks"] == 0
    assert {"listen", "peers", "network"} <= set(status)


async def test_cli_errors_are_one_line(make_node, tmp_path) -> None:
    a = await make_node("Commune A")
    rc, out, err = await run_cli("publish", "--data", str(a.config.data_dir), "--kind", "no.such.kind", "--body", "{}")
    assert rc == 1 and "unknown record kind" in err and "Traceback" not in err and err.count("\n") == 1
    rc, out, err = await run_cli("publish", "--data", str(a.config.data_dir), "--kind", "note", "--body", "{not json")
    assert rc != 0 and "not valid JSON" in err
    rc, out, err = await run_cli("status", "--data", str(tmp_path / "nowhere"))
    assert rc == 1 and "democite init" in err
    rc, out, err = await run_cli("peer", "add", "--data", str(a.config.data_dir), "http://127.0.0.1:9")
    assert rc == 1 and "cannot reach peer" in err
