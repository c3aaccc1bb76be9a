"""A stored record that no longer decodes (stored by an older version, or damaged) never makes an
admin route fail: the JSON view is total, and the record is shown flagged, not hidden."""

from __future__ import annotations

import sqlite3

import msgpack

from tests.conftest import MakeNode, call_api


async def test_log_view_survives_a_record_with_a_msgpack_timestamp(make_node: MakeNode) -> None:
    rn = await make_node()
    status, rec = await call_api(rn, "POST", "/api/publish", {"kind": "note", "body": {"text": "bonjour"}})
    assert status == 200, rec
    # what an older node accepted before the decoder refused ext type -1
    poisoned = b"\x88" + b"".join(
        msgpack.packb(k) + msgpack.packb(v, use_bin_type=True)
        for k, v in sorted({"author": b"a" * 32, "body": {"m": msgpack.Timestamp(1)}, "kind": "note", "net": b"n" * 32,
                            "prev": b"p" * 32, "seq": 1, "ts": 1, "v": 1}.items())
    )
    with sqlite3.connect(rn.config.data_dir / "node.sqlite") as db:
        db.execute("UPDATE records SET raw = ? WHERE id = ?", (poisoned, bytes.fromhex(rec["id"])))
    status, log = await call_api(rn, "GET", "/api/log")
    assert status == 200, log
    shown = [r for r in (log if isinstance(log, list) else log["records"]) if r["id"] == rec["id"]]
    assert shown and shown[0]["body"] is None and "not allowed" in shown[0]["undecodable"]
    assert shown[0]["verified"] is False
    status, one = await call_api(rn, "GET", f"/api/records/{rec['id']}")
    assert status == 200 and one["undecodable"]


async def test_log_says_how_many_records_are_not_shown(make_node) -> None:
    from tests.conftest import run_cli

    rn = await make_node()
    d = str(rn.config.data_dir)
    for i in range(4):
        await call_api(rn, "POST", "/api/publish", {"kind": "note", "body": {"text": f"n{i}"}})
    status, page = await call_api(rn, "GET", "/api/log", limit=2)
    held = page["total"]
    assert status == 200 and len(page["records"]) == 2 and held >= 5  # the profile and the four notes
    rc, out, err = await run_cli("log", "--data", d, "--limit", "2")
    assert rc == 0 and f"2 of {held} shown; use --offset 2 to see more" in err
    rc, out, err = await run_cli("log", "--data", d, "--limit", "2", "--offset", str(held - 2))
    assert rc == 0 and "shown" not in err  # the last page says nothing more
