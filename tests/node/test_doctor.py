"""`democite doctor`: one line per check, OK / WARN / FAIL with the fix, exit 1 on any FAIL."""

from __future__ import annotations

import socket
from pathlib import Path

from node.bootstrap import init_node
from tests.conftest import MakeNode, call_api, run_cli


def _lines(out: str) -> dict[str, str]:
    """Each check's line by its name (the second column)."""
    return {ln[6:20].strip(): ln for ln in out.splitlines()}


async def test_a_healthy_running_node_is_all_ok(make_node: MakeNode) -> None:
    a = await make_node("Commune A")
    b = await make_node("Commune B")
    status, _ = await call_api(a, "POST", "/api/peers", {"url": b.peer_url})
    assert status == 200
    rc, out, err = await run_cli("doctor", "--data", str(a.config.data_dir))
    assert rc == 0, out + err
    lines = _lines(out)
    assert set(lines) == {"data folder", "file modes", "key files", "config", "network file", "database", "node", "ports", "disk", "clock"}
    assert all(ln.startswith("OK  ") for ln in lines.values()), out
    assert a.api_url in lines["node"] and "1 peers" in lines["clock"]


async def test_loose_modes_fail_with_the_fix_and_a_stopped_node_is_said(tmp_path: Path) -> None:
    d = tmp_path / "node"
    init_node(d, "Commune A", "127.0.0.1:0")
    d.chmod(0o755)
    (d / "node.key").chmod(0o644)
    rc, out, err = await run_cli("doctor", "--data", str(d))
    assert rc == 1
    assert "Traceback" not in out + err
    lines = _lines(out)
    assert lines["data folder"].startswith("FAIL") and f"chmod 700 {d}" in lines["data folder"]
    assert lines["file modes"].startswith("FAIL") and f"chmod go-rwx {d / 'node.key'}" in lines["file modes"]
    assert lines["key files"].startswith("FAIL") and f"chmod 600 {d / 'node.key'}" in lines["key files"]
    assert lines["node"].startswith("WARN") and "not running" in lines["node"]
    assert "node not running" in lines["ports"]


async def test_a_port_taken_by_another_program_fails(tmp_path: Path) -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen(1)
        port = other.getsockname()[1]
        d = tmp_path / "node"
        init_node(d, "Commune A", f"127.0.0.1:{port}")
        rc, out, _ = await run_cli("doctor", "--data", str(d))
    assert rc == 1
    ports = _lines(out)["ports"]
    assert ports.startswith("FAIL") and f"node.listen 127.0.0.1:{port} cannot be bound" in ports and "node.toml" in ports


async def test_no_node_there_is_one_fail_line(tmp_path: Path) -> None:
    rc, out, err = await run_cli("doctor", "--data", str(tmp_path / "nothing"), "--json")
    assert rc == 1 and "Traceback" not in err
    assert '"status": "FAIL"' in out and "democite init" in out


async def test_a_taken_web_port_fails_and_no_web_door_is_said(tmp_path: Path) -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen(1)
        port = other.getsockname()[1]
        d = tmp_path / "node"
        init_node(d, "Commune A", "127.0.0.1:0", web_listen=f"127.0.0.1:{port}")
        rc, out, _ = await run_cli("doctor", "--data", str(d))
    assert rc == 1
    ports = _lines(out)["ports"]
    assert ports.startswith("FAIL") and f"web.listen 127.0.0.1:{port} cannot be bound" in ports
    bare = tmp_path / "bare"
    init_node(bare, "Commune B", "127.0.0.1:0")
    _, out, _ = await run_cli("doctor", "--data", str(bare))
    assert "no web.listen" in _lines(out)["ports"]
