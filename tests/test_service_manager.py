"""`democite run` under a service manager: sd_notify over a real unix datagram socket, and SIGHUP reopening the log file.

The node runs as a subprocess, as systemd starts it: the test binds the datagram socket systemd
would, passes it in `NOTIFY_SOCKET`, and reads what the node says. Waits are bounded polls on
what the node does, never assertions on how long it took.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from federation.service_manager import Notifier
from node.bootstrap import init_node

DEADLINE_S = 60.0  # a loaded 2-core machine is slow, but never this slow


def _until(what: str, check: Callable[[], bool]) -> None:
    end = time.monotonic() + DEADLINE_S
    while not check():
        assert time.monotonic() < end, f"still waiting for {what}"
        time.sleep(0.05)


@pytest.fixture
def node_dir(tmp_path: Path) -> Path:
    d = tmp_path / "node"
    init_node(d, "Commune A", "127.0.0.1:0")
    return d


@pytest.fixture
def start(node_dir: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []

    def run(*options: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen([sys.executable, "-m", "cli", "run", "--data", str(node_dir), *options],
                                env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        procs.append(proc)
        return proc

    yield run
    for p in procs:
        if p.poll() is None:
            p.kill()
        p.wait(DEADLINE_S)
        if p.stderr:
            p.stderr.close()


def _messages(sock: socket.socket) -> Iterator[dict[str, str]]:
    while True:
        data = sock.recv(4096).decode()
        yield dict(line.split("=", 1) for line in data.splitlines())


def test_run_is_ready_feeds_the_watchdog_and_says_it_stops(tmp_path: Path, start) -> None:
    path = tmp_path / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(path))
        sock.settimeout(DEADLINE_S)
        proc = start(env={"NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "200000"})
        said = _messages(sock)
        first = next(said)
        assert first["READY"] == "1" and "admin API http://127.0.0.1:" in first["STATUS"]
        # READY=1 comes once both sockets listen: the admin API answers now
        api = json.loads((tmp_path / "node" / "run" / "api.json").read_text())["url"]
        assert urllib.request.urlopen(api + "/api/openapi.json", timeout=DEADLINE_S).status == 200
        assert next(said) == {"WATCHDOG": "1"} and next(said) == {"WATCHDOG": "1"}
        proc.send_signal(signal.SIGTERM)
        rest = []
        for msg in said:
            rest.append(msg)
            if "STOPPING" in msg:
                break
        assert all(m == {"WATCHDOG": "1"} for m in rest[:-1]) and rest[-1]["STOPPING"] == "1"
        assert proc.wait(DEADLINE_S) == 0


def test_abstract_socket_and_no_watchdog_for_another_process() -> None:
    name = f"democite-test-{os.getpid()}-{time.monotonic_ns()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(b"\0" + name.encode())
        sock.settimeout(DEADLINE_S)
        n = Notifier.from_env({"NOTIFY_SOCKET": "@" + name, "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}, pid=4242)
        assert n.enabled and n.watchdog_usec is None  # the watchdog is process 1's, not ours
        assert n.ready("serving") and sock.recv(4096) == b"READY=1\nSTATUS=serving"
        assert n.reloading() and sock.recv(4096).startswith(b"RELOADING=1\nMONOTONIC_USEC=")
        assert n.reloaded() and sock.recv(4096) == b"READY=1\nSTATUS=serving"
        assert n.stopping() and sock.recv(4096) == b"STOPPING=1\nSTATUS=stopping"
        n.close()
    assert Notifier.from_env({"NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "4242"}, pid=4242).watchdog_usec == 30000000
    assert Notifier.from_env({"NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "30000000"}, pid=4242).watchdog_usec == 30000000


def test_no_manager_or_a_gone_one_never_stops_the_node(tmp_path: Path, caplog) -> None:
    quiet = Notifier.from_env({})
    assert not quiet.enabled and not quiet.ready("serving") and not quiet.stopping()
    assert not Notifier.from_env({"NOTIFY_SOCKET": "vsock:2:999"}).enabled
    assert Notifier.from_env({"NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "soon"}).watchdog_usec is None
    gone = Notifier.from_env({"NOTIFY_SOCKET": str(tmp_path / "nobody-listens")})
    caplog.set_level(logging.WARNING, logger="democite.service")
    assert not gone.ready("serving") and not gone.send("WATCHDOG=1") and not gone.stopping()
    assert len([r for r in caplog.records if "cannot notify" in r.getMessage()]) == 1  # said once, not per ping
    gone.close()


def test_sighup_reopens_the_log_file_after_it_was_moved(tmp_path: Path, node_dir: Path, start) -> None:
    log = tmp_path / "democite.log"
    proc = start("--log-file", str(log), "--log-format", "json")
    api = node_dir / "run" / "api.json"
    _until("the node to listen", lambda: api.exists() and "running" in log.read_text())
    assert log.stat().st_mode & 0o077 == 0  # the log file is the node's alone
    moved = tmp_path / "democite.log.1"
    log.rename(moved)  # what logrotate does without copytruncate
    proc.send_signal(signal.SIGHUP)
    _until("a new log file", lambda: log.exists() and "reopened" in log.read_text())
    before = moved.read_text()
    url, token = json.loads(api.read_text())["url"], (node_dir / "api.token").read_text().strip()
    req = urllib.request.Request(url + "/api/status", headers={"Authorization": f"Bearer {token}"})
    assert urllib.request.urlopen(req, timeout=DEADLINE_S).status == 200
    _until("the operation line in the new file", lambda: "/api/status" in log.read_text())
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    op = next(r for r in lines if r.get("route") == "/api/status")
    assert op["actor"] == "owner" and op["status"] == 200 and op["method"] == "GET"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(DEADLINE_S) == 0
    assert moved.read_text() == before  # nothing more went to the moved file
    assert "node stopped cleanly" in log.read_text()


def _unit() -> dict[str, list[str]]:
    import configs

    directives: dict[str, list[str]] = {}
    for line in configs.path("systemd", "democite.service").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            directives.setdefault(key, []).append(value)
    return directives


def test_the_unit_runs_the_node_as_its_own_user_hardened() -> None:
    import shlex

    import cli

    unit = _unit()
    assert unit["Type"] == ["notify"] and unit["User"] == ["democite"] and unit["Group"] == ["democite"]
    assert unit["Restart"] == ["on-failure"] and unit["WatchdogSec"][0].rstrip("s").isdigit()
    for key, value in {"ProtectSystem": "strict", "ReadWritePaths": "/var/lib/democite", "ProtectHome": "true", "PrivateTmp": "true",
                       "NoNewPrivileges": "true", "ProtectKernelTunables": "true", "ProtectKernelModules": "true",
                       "ProtectControlGroups": "true", "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX", "LockPersonality": "true",
                       "MemoryDenyWriteExecute": "true", "RestrictRealtime": "true", "SystemCallArchitectures": "native",
                       "CapabilityBoundingSet": "", "UMask": "0077"}.items():
        assert unit[key] == [value], key
    # the command line the unit runs is one this `democite` takes
    argv = shlex.split(unit["ExecStart"][0])
    assert argv[0] == "/usr/local/bin/democite"
    args = cli.build_parser().parse_args(argv[1:])
    assert args.command == "run" and str(args.data) == unit["ReadWritePaths"][0]
