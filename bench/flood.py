"""Benchmark: an honest member's latency while strangers flood the node without a signature.

A real node (`democite run`, its open-file limit set to the usual 1,024) serves an honest member
that calls /fed/v1/heads with signed requests, one new connection each, without pause. Each
attack then runs for ATTACK_S seconds from its own loopback source addresses (127.0.0.2, .3,
127.0.4.x) in a separate process, at a lower CPU priority (it stands for other machines), while the honest member keeps calling:

- unsigned_bodies: 4 concurrent 8 MiB bodies, half with no signature, half with forged headers
  naming the honest member's key (the node must read, hash and refuse them, never decode them);
- forged_key_budget: 16 workers sending small requests that name the honest member's key,
  unsigned or with a forged signature (its budget must never be spent: 0 honest 429s);
- slow_connections: 1,100 connections from 16 addresses that trickle their headers or their
  body byte by byte, each reopened a second after the node closes it: more than the node's
  per-address cap (64) and, together, than its total cap (the open-file limit less a reserve).

Printed: the honest p50/p99 before each attack (baseline) and during it, what was refused, and
the node's log size. Last line: one JSON object, one entry per attack with p50_ratio and p99_ratio.
Usage: python bench/flood.py   (about a minute; traffic to 127.0.0.1 only, bounded in time)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from protocol import encoding  # noqa: E402
from protocol.httpsig import sign_request  # noqa: E402
from protocol.identity import Identity  # noqa: E402

ATTACK_S = 6.0
BASELINE_S = 3.0
RAMP_S = 1.0  # the attack is under way before the honest figures count
NODE_NOFILE = 1024
BODY = 8 * 1024 * 1024
SLOW = 1100
HONEST_TIMEOUT_S = 10.0
ATTACKER_NICE = 10
SLOW_SOURCES = 16  # slow connections come from 127.0.4.1 to .16: enough to reach the node's total cap
ATTACKS = {"unsigned_bodies": "127.0.0.2", "forged_key_budget": "127.0.0.3", "slow_connections": "127.0.4.{}"}


def _forged_headers(key_hex: str) -> dict[str, str]:
    """Well-formed, fresh signature headers naming `key_hex`, with a signature nobody made."""
    return {
        "X-Democite-Key": key_hex,
        "X-Democite-Timestamp": str(int(time.time() * 1000)),
        "X-Democite-Nonce": secrets.token_hex(16),
        "X-Democite-Signature": secrets.token_hex(64),
    }


def _head(path: str, length: int, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {length}", "Content-Type: application/msgpack"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


class Tally:
    def __init__(self) -> None:
        self.sent = 0
        self.refused = 0  # answered 401/408/413/429, or closed by the node
        self.accepted = 0

    def result(self) -> dict[str, int]:
        return {"sent": self.sent, "refused": self.refused, "accepted": self.accepted}


async def _status(reader: asyncio.StreamReader) -> int:
    line = await asyncio.wait_for(reader.readline(), 10)
    parts = line.split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


async def unsigned_bodies(host: str, port: int, source: str, key_hex: str, until: float, t: Tally) -> None:
    body = memoryview(b"\xc1" * BODY)  # never valid msgpack: a node that decodes first would say so

    async def worker(i: int) -> None:
        n = 0
        while time.monotonic() < until:
            n += 1
            t.sent += 1
            headers = _forged_headers(key_hex) if (i + n) % 2 else {}
            try:
                r, w = await asyncio.open_connection(host, port, local_addr=(source, 0))
            except OSError:
                t.refused += 1
                await asyncio.sleep(0.01)
                continue
            try:
                w.write(_head("/fed/v1/push", BODY, headers))
                for off in range(0, BODY, 256 * 1024):
                    w.write(body[off : off + 256 * 1024])
                    await w.drain()
                status = await _status(r)
                if status == 200:
                    t.accepted += 1
                else:
                    t.refused += 1
            except (TimeoutError, OSError, ValueError):
                t.refused += 1
            finally:
                w.close()

    await asyncio.gather(*(worker(i) for i in range(4)))


async def forged_key_budget(host: str, port: int, source: str, key_hex: str, until: float, t: Tally) -> None:
    body = encoding.encode({})
    url = f"http://{host}:{port}/fed/v1/heads"
    conn = aiohttp.TCPConnector(local_addr=(source, 0), limit=16)
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(connector=conn, timeout=timeout) as s:

        async def worker(i: int) -> None:
            n = 0
            while time.monotonic() < until:
                n += 1
                t.sent += 1
                headers = _forged_headers(key_hex) if n % 2 else {"X-Democite-Key": key_hex}
                try:
                    async with s.post(url, data=body, headers=headers) as r:
                        await r.read()
                        if r.status == 200:
                            t.accepted += 1
                        else:
                            t.refused += 1
                except (TimeoutError, aiohttp.ClientError, OSError):
                    t.refused += 1

        await asyncio.gather(*(worker(i) for i in range(16)))


async def slow_connections(host: str, port: int, source: str, key_hex: str, until: float, t: Tally) -> None:
    async def slot(i: int) -> None:
        local = (source.format(1 + i % SLOW_SOURCES), 0)
        await asyncio.sleep(i * 0.002)  # about 500 new connections a second at the start
        while time.monotonic() < until:
            t.sent += 1
            try:
                r, w = await asyncio.wait_for(asyncio.open_connection(host, port, local_addr=local), 3)
            except (TimeoutError, OSError):
                t.refused += 1
                await asyncio.sleep(1)
                continue
            try:
                if i % 2:  # slow body: complete headers, then one byte a second
                    w.write(_head("/fed/v1/push", 4096, _forged_headers(key_hex)))
                else:  # slow headers: one header byte a second, never the blank line
                    w.write(b"POST /fed/v1/heads HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
                closed = False
                while time.monotonic() < until and not closed:
                    await w.drain()
                    try:
                        await asyncio.wait_for(r.read(1024), 1.0)
                        closed = True  # the node answered (408) or closed the connection
                    except TimeoutError:
                        w.write(b"a")
                t.refused += closed
            except OSError:
                t.refused += 1
            finally:
                w.close()
            await asyncio.sleep(1)

    await asyncio.gather(*(slot(i) for i in range(SLOW)))


async def attacker(name: str, port: int, source: str, key_hex: str, seconds: float) -> None:
    t = Tally()
    fn = {"unsigned_bodies": unsigned_bodies, "forged_key_budget": forged_key_budget, "slow_connections": slow_connections}[name]
    await fn("127.0.0.1", port, source, key_hex, time.monotonic() + seconds, t)
    print(json.dumps(t.result()), flush=True)


def _raise_nofile(want: int) -> None:
    """Enough files for the attacker's connections, within the hard limit (never beyond it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def _node_limits() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(NODE_NOFILE, hard) if hard != resource.RLIM_INFINITY else NODE_NOFILE, hard))


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("inf")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


class Honest:
    """A member calling /fed/v1/heads with signed requests, one fresh connection per call."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.identity = Identity(secrets.token_bytes(32))

    async def run(self, seconds: float) -> dict[str, float]:
        lat: list[float] = []
        refused = rate_limited = 0
        body = encoding.encode({})
        conn = aiohttp.TCPConnector(force_close=True)
        timeout = aiohttp.ClientTimeout(total=HONEST_TIMEOUT_S)
        async with aiohttp.ClientSession(connector=conn, timeout=timeout) as s:
            until = time.monotonic() + seconds
            while time.monotonic() < until:
                headers = sign_request(self.identity, "POST", "/fed/v1/heads", body, int(time.time() * 1000), secrets.token_bytes(16))
                start = time.perf_counter()
                try:
                    async with s.post(self.url + "/fed/v1/heads", data=body, headers=headers) as r:
                        await r.read()
                        ok = r.status == 200
                        rate_limited += r.status == 429
                except (TimeoutError, aiohttp.ClientError, OSError):
                    ok = False
                elapsed = time.perf_counter() - start
                if ok:
                    lat.append(elapsed)
                else:
                    refused += 1
                    lat.append(max(elapsed, HONEST_TIMEOUT_S))  # a failed call counts as the worst latency
                await asyncio.sleep(0.005)
        return {"p50_ms": _pct(lat, 0.5) * 1000, "p99_ms": _pct(lat, 0.99) * 1000, "calls": len(lat),
                "refused": refused, "rate_limited": rate_limited}


async def measure(url: str, port: int, node_pid: int) -> dict[str, object]:
    honest = Honest(url)
    await honest.run(1.0)  # warm up
    out: dict[str, object] = {}
    for name, source in ATTACKS.items():
        base = await honest.run(BASELINE_S)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--attack", name, "--port", str(port), "--source", source,
            "--key", honest.identity.public_key.hex(), "--seconds", str(ATTACK_S),
            stdout=asyncio.subprocess.PIPE, cwd=ROOT,
        )
        await asyncio.sleep(RAMP_S)
        cpu0, t0 = _cpu_s(node_pid), time.monotonic()
        during = await honest.run(ATTACK_S - RAMP_S - 0.5)
        node_cpu = (_cpu_s(node_pid) - cpu0) / (time.monotonic() - t0)
        stdout, _ = await asyncio.wait_for(proc.communicate(), 60)
        lines = stdout.decode().strip().splitlines()
        tally = json.loads(lines[-1]) if lines else {"sent": 0, "refused": 0, "accepted": 0}
        print(f"{name}: honest p50 {base['p50_ms']:.1f} -> {during['p50_ms']:.1f} ms, "
              f"p99 {base['p99_ms']:.1f} -> {during['p99_ms']:.1f} ms ({during['calls']:.0f} calls, "
              f"{during['refused']:.0f} failed, {during['rate_limited']:.0f} rate-limited); "
              f"attacker sent {tally['sent']:,}, refused {tally['refused']:,}, accepted {tally['accepted']}; "
              f"node CPU {node_cpu:.0%} of a core", flush=True)
        out[name] = {
            "p50_ratio": round(during["p50_ms"] / base["p50_ms"], 2),
            "p99_ratio": round(during["p99_ms"] / base["p99_ms"], 2),
            "refused": tally["refused"],
            "attacker_sent": tally["sent"],
            "attacker_accepted": tally["accepted"],
            "honest_refused": int(during["refused"]),
            "honest_rate_limited": int(during["rate_limited"]),
            "baseline_p50_ms": round(base["p50_ms"], 2),
            "baseline_p99_ms": round(base["p99_ms"], 2),
            "p50_ms": round(during["p50_ms"], 2),
            "p99_ms": round(during["p99_ms"], 2),
            "node_cpu": round(node_cpu, 2),
        }
    return out


def main() -> None:
    from node.bootstrap import init_node

    exe = Path(sys.executable).parent / "democite"
    cmd = [str(exe)] if exe.exists() else [sys.executable, str(ROOT / "cli.py")]
    with tempfile.TemporaryDirectory(prefix="democite-flood-") as tmp:
        d = Path(tmp) / "node"
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        init_node(d, "Territoire inondé", f"127.0.0.1:{port}")
        log_path = Path(tmp) / "node.log"
        with log_path.open("wb") as log:
            proc = subprocess.Popen([*cmd, "run", "--data", str(d), "--log-level", "info"], stdout=log, stderr=log,
                                    cwd=ROOT, preexec_fn=_node_limits)
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), 0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            else:
                raise SystemExit("the node did not start")
            result = asyncio.run(measure(f"http://127.0.0.1:{port}", port, proc.pid))
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        text = log_path.read_text(errors="replace")
        print(f"node log: {len(text):,} bytes, {text.count('Traceback')} tracebacks, "
              f"{text.count('Too many open files')} 'Too many open files'; open-file limit {NODE_NOFILE}")
        result["node_log_bytes"] = len(text)
        result["node_tracebacks"] = text.count("Traceback")
    print(json.dumps(result))


if __name__ == "__main__":
    if len(sys.argv) > 1:
        p = argparse.ArgumentParser()
        p.add_argument("--attack", required=True, choices=list(ATTACKS))
        p.add_argument("--port", type=int, required=True)
        p.add_argument("--source", required=True)
        p.add_argument("--key", required=True)
        p.add_argument("--seconds", type=float, required=True)
        a = p.parse_args()
        _raise_nofile(SLOW + 256)
        # the attacker stands for other machines: on a shared two-core box it must not win the
        # CPU from the node and the honest member, or the figures would measure the box, not the node
        os.nice(ATTACKER_NICE)
        asyncio.run(attacker(a.attack, a.port, a.source, a.key, a.seconds))
    else:
        main()
