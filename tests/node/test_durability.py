"""kill -9 of a running node loses nothing it acknowledged and leaves a store that opens cleanly."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from node import config as config_mod
from node.api.client import ApiClient
from node.bootstrap import init_node
from node.errors import NodeError
from node.service import Node
from protocol import merkle
from tests.node.test_ingest import chain


def _start(d: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-m", "cli", "run", "--data", str(d)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            ApiClient(d).get("/api/status")
            return proc
        except NodeError:
            time.sleep(0.1)
    proc.kill()
    proc.wait()
    raise AssertionError("node did not start within 20 s")


async def _check_store(d: Path) -> Node:
    node = await Node.open(config_mod.load(d))
    assert await node.db.integrity_check() == "ok"
    for h in await node.logs.heads():
        recs = await node.logs.records(h.key, limit=1_000_000)
        assert [r.seq for r in recs] == list(range(1, h.size + 1))
        assert h.size == 0 or h.root == merkle.root_of([r.id for r in sorted(recs, key=lambda r: r.seq)])
    return node


def _publish_until_killed(d: Path, proc: subprocess.Popen[bytes], kill_after: int) -> list[str]:
    client = ApiClient(d, timeout_s=5)
    acked: list[str] = []
    while True:
        if len(acked) == kill_after:
            os.kill(proc.pid, signal.SIGKILL)  # in the middle of the stream of publishes
        try:
            acked.append(client.post("/api/publish", {"kind": "note", "body": {"text": f"n{len(acked)}"}})["id"])
        except NodeError:
            return acked


async def test_kill_9_while_publishing_and_ingesting(tmp_path: Path, make_node) -> None:
    d = tmp_path / "victim"
    init_node(d, "Victim", "127.0.0.1:0")
    proc = _start(d)
    try:
        acked = await asyncio.to_thread(_publish_until_killed, d, proc, 40)
    finally:
        proc.kill()
        proc.wait()
    assert len(acked) >= 40
    node = await _check_store(d)
    try:
        for rid in acked:
            assert await node.logs.record_by_id(bytes.fromhex(rid)) is not None, "an acknowledged record was lost"
    finally:
        await node.close()

    # now kill it while it pulls a long log from a peer, in small pages so that the kill lands
    # between two committed pages; it resumes where it stopped
    with (d / "node.toml").open("a") as fh:
        fh.write("page_size = 50\n")  # appended to [federation], the file's last section
    author_log = chain(3000)
    peer = await make_node("Peer")
    from tests.node.test_ingest import AUTHOR

    for i in range(0, 3000, 500):
        assert (await peer.node.ingest(AUTHOR.public_key, author_log[i : i + 500])).error is None
    (d / "run" / "api.json").unlink(missing_ok=True)
    proc = _start(d)
    try:
        client = ApiClient(d, timeout_s=30)
        await asyncio.to_thread(client.post, "/api/peers", {"url": peer.peer_url})
        sync = asyncio.ensure_future(asyncio.to_thread(lambda: _quiet(client.post, "/api/sync", {})))
        held = await asyncio.to_thread(_wait_for_records, client, 500)
        os.kill(proc.pid, signal.SIGKILL)
        await sync
        assert 500 <= held < 3000, f"the kill did not land during the ingest ({held} records held)"
    finally:
        proc.kill()
        proc.wait()
    node = await _check_store(d)
    try:
        head = await node.logs.head(AUTHOR.public_key)
        partial = head.size if head else 0
        assert held - 10 <= partial < 3000  # pages acknowledged before the kill are still there (held counts small logs too)
    finally:
        await node.close()
    (d / "run" / "api.json").unlink(missing_ok=True)
    proc = _start(d)
    try:
        result = await asyncio.to_thread(ApiClient(d, timeout_s=60).post, "/api/sync", {})
        assert result["peers"][0]["ok"], json.dumps(result)
        assert result["pulled"] >= 3000 - partial
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0, "SIGTERM must stop the node cleanly"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    node = await _check_store(d)
    try:
        assert (await node.logs.head(AUTHOR.public_key)).size == 3000
    finally:
        await node.close()


def _quiet(fn, *args):
    try:
        return fn(*args)
    except NodeError:
        return None


def _wait_for_records(client: ApiClient, at_least: int) -> int:
    """Poll the node until it holds `at_least` replicated records (then it is mid-ingest)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = client.get("/api/status")
        held = int(status["records"]) - int(status["log_size"])
        if held >= at_least:
            return held
        time.sleep(0.005)
    raise AssertionError("the node never started ingesting")
